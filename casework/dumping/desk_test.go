package dumping_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/crs"
)

// deskFixture is a desk over the central fixture's land, a memory
// repository and a clock the test moves.
type deskFixture struct {
	desk *dumping.Desk
	repo *dumping.Memory
	rt   *dumping.Router
	now  time.Time
}

func newDesk(t *testing.T) *deskFixture {
	t.Helper()
	rt, err := dumping.NewRouter(centralLand(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := privacy.ParseKeyring(bytes.Repeat([]byte{'7'}, 64))
	if err != nil {
		t.Fatal(err)
	}
	sealer := dumping.Protection{Keys: ring, Secret: bytes.Repeat([]byte{7}, 32)}
	f := &deskFixture{repo: dumping.NewMemory(), rt: rt, now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	f.desk = dumping.NewDesk(f.repo, rt, sealer, dumping.DeskConfig{Now: func() time.Time { return f.now }})
	return f
}

// on returns a point well inside a parcel of the manager, in a county
// (Changhua) township when county is true.
func (f *deskFixture) on(t *testing.T, manager string, county bool) orb.Point {
	t.Helper()
	for _, p := range f.rt.Land().Parcels {
		if p.Manager != manager {
			continue
		}
		c := p.Geometry.Bound().Center()
		d := f.rt.Route(c)
		if d.ParcelID == p.ID && len(d.Candidates) == 1 && strings.HasPrefix(d.Jurisdiction, "CHA-") == county {
			return c
		}
	}
	t.Fatalf("no interior point of a %s parcel", manager)
	return orb.Point{}
}

func (f *deskFixture) submit(t *testing.T, p orb.Point, contact string) *dumping.Report {
	t.Helper()
	r, err := f.desk.Submit(context.Background(), dumping.Public, dumping.Intake{ServiceCode: "dumping-construction",
		Description: "一車營建廢棄物倒在路旁", Point: p, CRS: crs.TWD97TM2, Contact: contact, SeenIt: true, Size: "truck", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func agency(id string) dumping.Viewer {
	return dumping.Viewer{Role: dumping.RoleAgency, Agency: id, Name: "staff of " + id}
}

var centre = dumping.Viewer{Role: dumping.RoleCentre, Name: "duty officer"}

func TestLifecycle(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	r := f.submit(t, f.on(t, "npa-central", true), "reporter@example.tw")
	if r.State != dumping.StateAssigned || r.AgencyID != "npa-central" || r.Route.Rule != dumping.RuleParcel {
		t.Fatalf("after intake: %s at %s by %s", r.State, r.AgencyID, r.Route.Rule)
	}
	// npa-central allows itself 48 h to acknowledge (agencies.csv).
	if r.DueAt == nil || !r.DueAt.Equal(f.now.Add(48*time.Hour)) {
		t.Errorf("due %v, want 48 h after intake", r.DueAt)
	}
	npa := agency("npa-central")
	steps := []dumping.Transition{
		{To: dumping.StateInvestigating},
		{To: dumping.StateCleanupSchedule, Reason: "限期 14 日內清除"},
		{To: dumping.StateCleaned},
		{To: dumping.StateClosed, Reason: "現場已清除完畢"},
	}
	for _, s := range steps {
		f.now = f.now.Add(3 * time.Hour)
		var err error
		if r, err = f.desk.Move(ctx, npa, r.ID, s); err != nil {
			t.Fatalf("%s: %v", s.To, err)
		}
		if s.To == dumping.StateInvestigating {
			if _, err := f.desk.AddReply(ctx, npa, r.ID, true, "已派員現勘，確認為營建廢棄物，已通知清除"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if r.State != dumping.StateClosed || r.DueAt != nil {
		t.Errorf("final state %s due %v", r.State, r.DueAt)
	}
	// received, assigned and four moves, each in the history and the audit.
	var got []dumping.State
	for _, e := range r.History {
		got = append(got, e.To)
	}
	want := []dumping.State{"received", "assigned", "investigating", "cleanup_scheduled", "cleaned", "closed"}
	if strings.Join(states(got), ",") != strings.Join(states(want), ",") {
		t.Errorf("history %v, want %v", got, want)
	}
	audit, err := f.desk.Audit(ctx, centre, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	transitions := 0
	for _, a := range audit {
		if a.Action == "transition" {
			transitions++
		}
	}
	if transitions != len(want) {
		t.Errorf("%d transitions audited, want %d: %+v", transitions, len(want), audit)
	}
	if _, err := f.desk.Audit(ctx, npa, r.ID); !isForbidden(err) {
		t.Errorf("an agency read the audit trail: %v", err)
	}
	// A closed report cannot move on.
	if _, err := f.desk.Move(ctx, npa, r.ID, dumping.Transition{To: dumping.StateInvestigating}); !isStatus(err, 409) {
		t.Errorf("closed → investigating: %v, want a conflict", err)
	}
	// The reply is public; the contact is not.
	pub, err := f.desk.PublicReport(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Replies) != 1 || !pub.Replies[0].Inspected || pub.Replies[0].Agency != "財政部國有財產署中區分署" {
		t.Errorf("public replies %+v", pub.Replies)
	}
	// The assignment notified npa-central by e-mail.
	msgs := f.repo.Outbox.Messages()
	if len(msgs) != 1 || msgs[0].To != "dumping@npa-central.example.tw" || msgs[0].Ref != r.ID {
		t.Errorf("outbox %+v", msgs)
	}
}

func states(s []dumping.State) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}

func isStatus(err error, code int) bool {
	var se interface{ Status() int }
	return errors.As(err, &se) && se.Status() == code
}

func isForbidden(err error) bool { return isStatus(err, 403) }

func TestNotResponsible(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	r := f.submit(t, f.on(t, "taisugar-central", true), "")
	ts := agency("taisugar-central")
	tests := []struct {
		name  string
		tr    dumping.Transition
		field string
	}{
		{"without a reason", dumping.Transition{To: dumping.StateReferred, SuggestedAgency: "npa-central"}, "reason"},
		{"without naming who is", dumping.Transition{To: dumping.StateReferred, Reason: "非本公司土地"}, "suggested_agency"},
		{"naming itself", dumping.Transition{To: dumping.StateReferred, Reason: "非本公司土地", SuggestedAgency: "taisugar-central"}, "suggested_agency"},
		{"naming an unknown agency", dumping.Transition{To: dumping.StateReferred, Reason: "非本公司土地", SuggestedAgency: "nobody"}, "suggested_agency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.desk.Move(ctx, ts, r.ID, tc.tr)
			var ie *dumping.InputError
			if !errors.As(err, &ie) || ie.Field != tc.field {
				t.Fatalf("err %v, want an input error on %s", err, tc.field)
			}
		})
	}
	r, err := f.desk.Move(ctx, ts, r.ID, dumping.Transition{To: dumping.StateReferred, Reason: "地籍圖查對後屬國有土地", SuggestedAgency: "npa-central"})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != dumping.StateReferred || r.AgencyID != "npa-central" {
		t.Fatalf("after referral: %s at %s", r.State, r.AgencyID)
	}
	// Taisugar no longer sees it; npa does and accepts it.
	if _, err := f.desk.Report(ctx, ts, r.ID); !errors.Is(err, dumping.ErrNotFound) {
		t.Errorf("the referring agency still sees the report: %v", err)
	}
	if r, err = f.desk.Move(ctx, agency("npa-central"), r.ID, dumping.Transition{To: dumping.StateInvestigating}); err != nil {
		t.Fatal(err)
	}
	// npa names a private owner: the report goes to Changhua's bureau.
	r, err = f.desk.Move(ctx, agency("npa-central"), r.ID, dumping.Transition{To: dumping.StateReferred, Reason: "該地已於去年標售予私人", SuggestedOwner: "私有地主 0042"})
	if err != nil {
		t.Fatal(err)
	}
	if r.AgencyID != "changhua-epb" {
		t.Errorf("private owner named: routed to %s, want changhua-epb", r.AgencyID)
	}
	// The routing history keeps every hand-over with its reason.
	var hand []string
	for _, e := range r.History {
		if e.To == dumping.StateReferred {
			hand = append(hand, e.AgencyID+":"+e.Reason+":"+e.SuggestedOwner)
		}
	}
	if len(hand) != 2 || !strings.HasPrefix(hand[0], "npa-central:地籍圖") || hand[1] != "changhua-epb:該地已於去年標售予私人:私有地主 0042" {
		t.Errorf("routing history %v", hand)
	}
}

func TestAgencySeesOnlyItsOwnQueue(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	a := f.submit(t, f.on(t, "npa-central", true), "")
	b := f.submit(t, f.on(t, "wra-river3", true), "")
	if a.AgencyID != "npa-central" || b.AgencyID != "wra-river3" {
		t.Fatalf("routing: %s, %s", a.AgencyID, b.AgencyID)
	}
	npa := agency("npa-central")
	q, err := f.desk.Queue(ctx, npa, "npa-central", dumping.Filter{})
	if err != nil || len(q) != 1 || q[0].ID != a.ID {
		t.Fatalf("npa's queue: %v %v", q, err)
	}
	if _, err := f.desk.Queue(ctx, npa, "wra-river3", dumping.Filter{}); !isForbidden(err) {
		t.Errorf("npa read wra's queue: %v", err)
	}
	if _, err := f.desk.Report(ctx, npa, b.ID); !errors.Is(err, dumping.ErrNotFound) {
		t.Errorf("npa read wra's report: %v", err)
	}
	if _, err := f.desk.Move(ctx, npa, b.ID, dumping.Transition{To: dumping.StateInvestigating}); !errors.Is(err, dumping.ErrNotFound) {
		t.Errorf("npa moved wra's report: %v", err)
	}
	if _, err := f.desk.AddReply(ctx, npa, b.ID, true, "x"); !errors.Is(err, dumping.ErrNotFound) {
		t.Errorf("npa replied on wra's report: %v", err)
	}
	if _, err := f.desk.All(ctx, npa, dumping.Filter{}); !isForbidden(err) {
		t.Errorf("npa listed every report: %v", err)
	}
	if _, err := f.desk.Dashboard(ctx, npa); !isForbidden(err) {
		t.Errorf("npa read the dashboard: %v", err)
	}
	if _, err := f.desk.Queue(ctx, dumping.Public, "npa-central", dumping.Filter{}); !isForbidden(err) {
		t.Errorf("the public read a queue: %v", err)
	}
	if all, err := f.desk.All(ctx, centre, dumping.Filter{}); err != nil || len(all) != 2 {
		t.Errorf("the centre sees %d reports, %v", len(all), err)
	}
}

func TestContactIsSealed(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	r := f.submit(t, f.on(t, "npa-central", true), "0912-345-678")
	stored, _ := f.repo.Report(ctx, r.ID)
	if !stored.HasContact || bytes.Contains(stored.Contact, []byte("0912")) || len(stored.Contact) < 20 {
		t.Fatalf("contact stored as %q", stored.Contact)
	}
	if c, err := f.desk.Contact(ctx, centre, r.ID); err != nil || c != "0912-345-678" {
		t.Errorf("centre opens %q, %v", c, err)
	}
	if _, err := f.desk.Contact(ctx, agency("npa-central"), r.ID); !isForbidden(err) {
		t.Errorf("the handling agency read the contact: %v", err)
	}
}

// TestOverdueExactlyAtTheDeadline checks the service-level clock (D-T3):
// one nanosecond before the due time a report is on time, at the due time
// it is overdue and escalated to the centre, once.
func TestOverdueExactlyAtTheDeadline(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	r := f.submit(t, f.on(t, "wra-river3", true), "")
	// wra-river3 allows 24 h in assigned (agencies.csv).
	due := f.now.Add(24 * time.Hour)
	if r.DueAt == nil || !r.DueAt.Equal(due) {
		t.Fatalf("due %v, want %v", r.DueAt, due)
	}
	f.now = due.Add(-time.Nanosecond)
	if r.Overdue(f.now) {
		t.Error("overdue before the deadline")
	}
	if n, err := f.desk.Escalate(ctx); err != nil || n != 0 {
		t.Fatalf("escalated %d before the deadline, %v", n, err)
	}
	f.now = due
	if !r.Overdue(f.now) {
		t.Error("not overdue at the deadline")
	}
	db, err := f.desk.Dashboard(ctx, centre)
	if err != nil || db.Overdue != 1 || db.Agencies[0].AgencyID != "wra-river3" || db.Agencies[0].Overdue != 1 {
		t.Errorf("dashboard %+v, %v", db, err)
	}
	if n, err := f.desk.Escalate(ctx); err != nil || n != 1 {
		t.Fatalf("escalated %d at the deadline, %v", n, err)
	}
	if n, _ := f.desk.Escalate(ctx); n != 0 {
		t.Errorf("escalated again: %d", n)
	}
	var toCentre int
	for _, m := range f.repo.Outbox.Messages() {
		if m.Topic == "dumping.overdue" && (m.To == "centre@envtrace.example.tw" || strings.Contains(m.To, "/centre")) {
			toCentre++
		}
	}
	if toCentre != 2 { // the centre has e-mail and a webhook
		t.Errorf("%d overdue messages to the centre, want 2", toCentre)
	}
	// A move restarts the clock.
	r, err = f.desk.Move(ctx, agency("wra-river3"), r.ID, dumping.Transition{To: dumping.StateInvestigating})
	if err != nil || r.Overdue(f.now) || r.EscalatedAt != nil {
		t.Errorf("after acknowledging: overdue %v escalated %v, %v", r.Overdue(f.now), r.EscalatedAt, err)
	}
}

// TestDuplicatesAndRepeatSites is D-T4: two reports within 50 m and 7 days
// merge; farther or later they do not; the same site reported in two years
// is a repeat site.
func TestDuplicatesAndRepeatSites(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	p := f.on(t, "npa-central", true)
	first := f.submit(t, p, "")
	tests := []struct {
		name    string
		dx      float64
		after   time.Duration
		dupe    bool
		sameSit bool
	}{
		{"30 m, two days later", 30, 48 * time.Hour, true, true},
		{"49 m, six days later", 49, 6 * 24 * time.Hour, true, true},
		{"60 m away", -60, time.Hour, false, false},
		{"8 days later", 10, 8 * 24 * time.Hour, false, true},
	}
	t0 := f.now
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.now = t0.Add(tc.after)
			r := f.submit(t, orb.Point{p[0] + tc.dx, p[1]}, "")
			if got := r.DuplicateOf == first.ID; got != tc.dupe {
				t.Errorf("duplicate of %q, want duplicate %v", r.DuplicateOf, tc.dupe)
			}
			if tc.dupe && (r.State != dumping.StateDuplicate || r.AgencyID != first.AgencyID) {
				t.Errorf("duplicate in state %s at %s", r.State, r.AgencyID)
			}
			if got := r.SiteID == first.ID; got != tc.sameSit {
				t.Errorf("site %s, want same site as %s: %v", r.SiteID, first.ID, tc.sameSit)
			}
		})
	}
	got, _ := f.repo.Report(ctx, first.ID)
	if len(got.Duplicates) != 2 {
		t.Errorf("first report links %v, want the two duplicates", got.Duplicates)
	}
	// A closed report takes no duplicates: the same dump reported again
	// after closure is a new case at a known site.
	if _, err := f.desk.Move(ctx, centre, first.ID, dumping.Transition{To: dumping.StateClosed, Reason: "已清除"}); err != nil {
		t.Fatal(err)
	}
	f.now = t0.Add(16 * 24 * time.Hour) // the 8-day report's window has passed too
	again := f.submit(t, p, "")
	if again.DuplicateOf != "" || again.SiteID != first.ID || again.RepeatSite {
		t.Errorf("after closure: duplicate of %q, site %s, repeat %v", again.DuplicateOf, again.SiteID, again.RepeatSite)
	}
	// Next year: a repeat site.
	f.now = time.Date(2027, 2, 1, 2, 0, 0, 0, time.UTC)
	next := f.submit(t, orb.Point{p[0] + 20, p[1] - 20}, "")
	if !next.RepeatSite || next.SiteID != first.ID {
		t.Errorf("next year: repeat %v site %s", next.RepeatSite, next.SiteID)
	}
	sites, err := f.desk.Sites(ctx, centre)
	if err != nil || len(sites) != 1 || !sites[0].Repeat || len(sites[0].Years) != 2 || len(sites[0].Reports) != 4 {
		t.Fatalf("sites %+v, %v", sites, err)
	}
	if _, err := f.desk.AddMeasure(ctx, agency(next.AgencyID), dumping.Measure{SiteID: sites[0].ID, Kind: "camera", Note: "設置移動式監視器"}); err != nil {
		t.Fatal(err)
	}
	if sites, _ = f.desk.Sites(ctx, centre); len(sites[0].Measures) != 1 || sites[0].Measures[0].Kind != "camera" {
		t.Errorf("measures %+v", sites[0].Measures)
	}
	// The patrol log is the manager's evidence.
	pl, err := f.desk.AddPatrol(ctx, agency("npa-central"), dumping.Patrol{X: p[0], Y: p[1], Finding: "無新增棄置", Patroller: "巡查員甲"})
	if err != nil || pl.ParcelID == "" {
		t.Fatalf("patrol %+v, %v", pl, err)
	}
	if log, _ := f.desk.Patrols(ctx, agency("npa-central"), "npa-central"); len(log) != 1 {
		t.Errorf("patrol log %+v", log)
	}
	if _, err := f.desk.Patrols(ctx, agency("wra-river3"), "npa-central"); !isForbidden(err) {
		t.Errorf("another agency read the patrol log: %v", err)
	}
}

func TestPhotos(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var j bytes.Buffer
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	// An EXIF APP1 segment with a GPS tag's text, after SOI.
	exif := append([]byte{0xFF, 0xE1, 0, 0}, []byte("Exif\x00\x00GPSLatitude 24.1477 GPSLongitude 120.6736")...)
	exif[2], exif[3] = byte((len(exif)-2)>>8), byte(len(exif)-2)
	withExif := append(append(append([]byte{}, j.Bytes()[:2]...), exif...), j.Bytes()[2:]...)
	var p bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	text := []byte{0, 0, 0, 15, 't', 'E', 'X', 't'}
	text = append(text, []byte("Author\x00Reporter")...)
	text = append(text, 0, 0, 0, 0) // CRC is not checked by the stripper
	withText := append(append(append([]byte{}, p.Bytes()[:33]...), text...), p.Bytes()[33:]...)

	tests := []struct {
		name, ct string
		in       []byte
		max      int
		bad      string
	}{
		{"JPEG: EXIF removed", "image/jpeg", withExif, 0, ""},
		{"PNG: text chunk removed", "image/png", withText, 0, ""},
		{"GIF refused", "", []byte("GIF89a...."), 0, "only JPEG and PNG"},
		{"too big", "", withExif, 100, "limited to 100"},
		{"truncated JPEG", "", withExif[:60], 0, "broken image/jpeg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, ct, w, h, err := dumping.CleanPhoto(tc.in, tc.max)
			if tc.bad != "" {
				var ie *dumping.InputError
				if !errors.As(err, &ie) || !strings.Contains(ie.Reason, tc.bad) {
					t.Fatalf("err %v, want %q", err, tc.bad)
				}
				return
			}
			if err != nil || ct != tc.ct || w != 32 || h != 24 {
				t.Fatalf("%s %d×%d %v", ct, w, h, err)
			}
			for _, leak := range []string{"GPS", "Exif", "Reporter"} {
				if bytes.Contains(out, []byte(leak)) {
					t.Errorf("%q survived", leak)
				}
			}
			if _, _, err := image.Decode(bytes.NewReader(out)); err != nil {
				t.Errorf("cleaned photo does not decode: %v", err)
			}
		})
	}
	f := newDesk(t)
	r := f.submit(t, f.on(t, "npa-central", true), "")
	ph, err := f.desk.AddPhoto(context.Background(), dumping.Public, r.ID, withExif, 0)
	if err != nil || bytes.Contains(ph.Data, []byte("GPS")) {
		t.Fatalf("photo %v", err)
	}
	f.now = f.now.Add(25 * time.Hour)
	if _, err := f.desk.AddPhoto(context.Background(), dumping.Public, r.ID, withExif, 0); !isForbidden(err) {
		t.Errorf("the public added a photo a day later: %v", err)
	}
}

// TestRepeatSiteHotspots checks the hot spot ranking of repeat sites: six
// sites within 300 m, each reported three times, are hot spots and come
// first; two sites reported twice far from everything else are repeat
// sites but not hot spots; fifteen single reports scattered at least 3 km
// apart make the quiet background.
func TestRepeatSiteHotspots(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	c := f.on(t, "npa-central", true)
	var spread []orb.Point
	for _, p := range f.rt.Land().Parcels {
		q := p.Geometry.Bound().Center()
		if d := f.rt.Route(q); d.ParcelID != p.ID || len(d.Candidates) != 1 {
			continue
		}
		far := math.Hypot(q[0]-c[0], q[1]-c[1]) > 3000
		for _, s := range spread {
			far = far && math.Hypot(q[0]-s[0], q[1]-s[1]) > 3000
		}
		if far {
			spread = append(spread, q)
		}
	}
	if len(spread) < 17 {
		t.Fatalf("only %d parcels 3 km apart", len(spread))
	}
	cluster := []orb.Point{{0, 0}, {150, 0}, {0, 150}, {-150, 0}, {0, -150}, {150, 150}}
	t0 := f.now
	for k := range 3 { // ten days apart: none is a duplicate
		f.now = t0.Add(time.Duration(k) * 10 * 24 * time.Hour)
		for _, o := range cluster {
			f.submit(t, orb.Point{c[0] + o[0], c[1] + o[1]}, "")
		}
		for _, p := range spread[:17] {
			if k == 0 || k == 1 && (p == spread[0] || p == spread[1]) {
				f.submit(t, p, "")
			}
		}
	}
	sites, err := f.desk.Sites(ctx, centre)
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 8 {
		t.Fatalf("%d sites listed, want the 6 clustered and 2 lone repeat sites", len(sites))
	}
	for i, s := range sites {
		clustered := math.Hypot(s.X-c[0], s.Y-c[1]) < 300
		if s.Hotspot != clustered || (i < 6) != clustered || s.GiZ == nil || s.GiP == nil {
			t.Errorf("site %d %s at %.0f m from the cluster: hotspot %v, z %v", i, s.ID, math.Hypot(s.X-c[0], s.Y-c[1]), s.Hotspot, s.GiZ)
		}
	}
}
