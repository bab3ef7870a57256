package dumping

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/gis/crs"
)

// Taipei is the zone reports are dated in: calendar years for repeat
// sites are Taiwan's.
var Taipei = time.FixedZone("Asia/Taipei", 8*3600)

// DeskConfig tunes a Desk; zero fields take the defaults.
type DeskConfig struct {
	// DuplicateRadiusM and DuplicateWindow: a report within this distance
	// and time of an open report is linked to it as a duplicate
	// (default 50 m, 7 days). The radius also gathers reports into sites.
	DuplicateRadiusM float64
	DuplicateWindow  time.Duration
	// HotspotBandM is the distance band of the repeat-site hot spot test
	// (default 500 m): sites within it are neighbours.
	HotspotBandM float64
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c *DeskConfig) defaults() {
	if c.DuplicateRadiusM <= 0 {
		c.DuplicateRadiusM = 50
	}
	if c.HotspotBandM <= 0 {
		c.HotspotBandM = 500
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = 7 * 24 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Desk is the dumping-report desk: intake, routing, lifecycle, replies,
// escalation. Every method checks the viewer first.
type Desk struct {
	repo   Repository
	router *Router
	prot   Protection
	fuzz   *privacy.Fuzzer
	cfg    DeskConfig
}

// NewDesk builds a desk. prot.Keys may be nil only if no report will carry
// a contact (intake with a contact then fails); prot.Secret must be set
// (privacy.ParseSecret), since it keys the public locations.
func NewDesk(repo Repository, router *Router, prot Protection, cfg DeskConfig) *Desk {
	cfg.defaults()
	return &Desk{repo: repo, router: router, prot: prot, fuzz: privacy.NewFuzzer(prot.Secret), cfg: cfg}
}

// Router returns the desk's router.
func (d *Desk) Router() *Router { return d.router }

// Config returns the desk's settings with defaults filled.
func (d *Desk) Config() DeskConfig { return d.cfg }

// Intake is a new report as a channel received it.
type Intake struct {
	ServiceCode string
	Description string
	Address     string
	// Point is the location in CRS.
	Point orb.Point
	CRS   crs.Code
	// Contact is the reporter's e-mail or phone, sealed on arrival.
	Contact   string
	SeenIt    bool
	Witness   bool
	Size      string
	WasteType string
	// Source is the channel: open311, api, web, remote-sensing.
	Source string
	// Photo, when given, is stored (without its metadata) as the report's
	// first photo. With UsePhotoLocation (the reporter's consent) and no
	// Point, the location is read from the photo's EXIF GPS position
	// first; without consent the position is never read.
	Photo            []byte
	UsePhotoLocation bool
	MaxPhotoBytes    int
}

// validate checks an intake, naming the field at fault.
func (in *Intake) validate() error {
	if _, ok := ServiceByCode(in.ServiceCode); !ok {
		codes := make([]string, len(Services))
		for i, s := range Services {
			codes[i] = s.Code
		}
		return &InputError{"service_code", fmt.Sprintf("unknown service %q; services are %s", in.ServiceCode, strings.Join(codes, ", "))}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"description", in.Description, 4000}, {"address", in.Address, 500}, {"contact", in.Contact, 200},
		{"waste_type", in.WasteType, 100},
	} {
		if !utf8.ValidString(f.v) {
			return &InputError{f.name, "must be UTF-8 text"}
		}
		if utf8.RuneCountInString(f.v) > f.max {
			return &InputError{f.name, fmt.Sprintf("longer than %d characters", f.max)}
		}
	}
	if strings.TrimSpace(in.Description) == "" {
		return &InputError{"description", "say what was dumped"}
	}
	if in.Size != "" && !slices.Contains(Sizes, in.Size) {
		return &InputError{"size", fmt.Sprintf("want one of %s", strings.Join(Sizes, ", "))}
	}
	return nil
}

// Submit takes a report in: it validates it, converts its location once,
// routes it, links it to an open report of the same dump (a duplicate) or
// to an earlier report of the same site, and notifies the agency — all in
// one transaction.
func (d *Desk) Submit(ctx context.Context, v Viewer, in Intake) (*Report, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.CRS == 0 {
		in.CRS = crs.WGS84
	}
	var photo struct {
		clean []byte
		ct    string
		w, h  int
	}
	if in.Photo != nil {
		if in.UsePhotoLocation && in.Point == (orb.Point{}) {
			ll, ok := PhotoLocation(in.Photo)
			if !ok {
				return nil, &InputError{"location", "no location was given and the photo carries no GPS position"}
			}
			in.Point, in.CRS = ll, crs.WGS84
		}
		var err error
		if photo.clean, photo.ct, photo.w, photo.h, err = CleanPhoto(in.Photo, in.MaxPhotoBytes); err != nil {
			return nil, err
		}
	}
	if in.Point == (orb.Point{}) {
		return nil, &InputError{"location", "required: where the waste lies (or a photo with its GPS position and consent to read it)"}
	}
	p, err := ToTWD97(in.Point, in.CRS)
	if err != nil {
		return nil, &InputError{"location", err.Error()}
	}
	ll, err := crs.Transform(crs.TWD97TM2, crs.WGS84, p)
	if err != nil {
		return nil, &InputError{"location", err.Error()}
	}
	now := d.cfg.Now().UTC()
	r := &Report{ServiceCode: in.ServiceCode, Description: strings.TrimSpace(in.Description), Address: strings.TrimSpace(in.Address),
		X: round2(p[0]), Y: round2(p[1]), Lon: round7(ll[0]), Lat: round7(ll[1]),
		SeenIt: in.SeenIt, Witness: in.Witness, Size: in.Size, WasteType: in.WasteType, Source: in.Source,
		RequestedAt: now, Replies: []Reply{}}
	if r.Source == "" {
		r.Source = "api"
	}
	if c := strings.TrimSpace(in.Contact); c != "" {
		if d.prot.Keys == nil {
			return nil, &InputError{"contact", "this server takes no contacts (no contact key is configured); send the report without one"}
		}
		if r.Contact, err = d.prot.Keys.Seal(c, ContactAAD); err != nil {
			return nil, err
		}
		r.ContactSubject = d.prot.Secret.Subject(c)
		r.HasContact = true
	}
	route := d.router.Route(p)
	err = d.repo.Update(ctx, func(ctx context.Context, tx Tx) error {
		if r.ID, err = tx.NextID(ctx, now); err != nil {
			return err
		}
		r.SiteID = r.ID
		if err := d.record(ctx, tx, r, v, Event{To: StateReceived, Kind: "transition", Reason: "received via " + r.Source}); err != nil {
			return err
		}
		r.State, r.StateSince = StateReceived, now
		near, err := tx.Near(ctx, r.X, r.Y, d.cfg.DuplicateRadiusM, time.Time{})
		if err != nil {
			return err
		}
		d.linkSite(r, near)
		if primary := d.openDuplicate(r, near, now); primary != nil {
			err = d.markDuplicate(ctx, tx, r, primary, now)
		} else {
			r.Route = route
			err = d.move(ctx, tx, r, system, StateAssigned, route.AgencyID, fmt.Sprintf("routed by rule %s", route.Rule), "", "")
		}
		if err != nil || photo.clean == nil {
			return err
		}
		_, err = attachPhoto(ctx, tx, v, r, photo.clean, photo.ct, photo.w, photo.h, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// linkSite gives r the site of the earliest report at the same place and
// marks a repeat site when that place was reported in an earlier calendar
// year (Taipei time).
func (d *Desk) linkSite(r *Report, near []*Report) {
	for _, o := range near {
		if o.ID == r.ID {
			continue
		}
		if o.SiteID != "" && r.SiteID == r.ID {
			r.SiteID = o.SiteID
		}
		if o.RequestedAt.In(Taipei).Year() < r.RequestedAt.In(Taipei).Year() {
			r.RepeatSite = true
		}
	}
}

// openDuplicate returns the earliest open, non-duplicate report within the
// duplicate window, or nil.
func (d *Desk) openDuplicate(r *Report, near []*Report, now time.Time) *Report {
	for _, o := range near {
		if o.ID != r.ID && o.State.Open() && o.DuplicateOf == "" && !o.RequestedAt.Before(now.Add(-d.cfg.DuplicateWindow)) {
			return o
		}
	}
	return nil
}

// markDuplicate links r to primary both ways.
func (d *Desk) markDuplicate(ctx context.Context, tx Tx, r, primary *Report, now time.Time) error {
	p, err := tx.Report(ctx, primary.ID)
	if err != nil {
		return err
	}
	r.DuplicateOf, r.AgencyID, r.Route = p.ID, p.AgencyID, p.Route
	dist := math.Hypot(r.X-p.X, r.Y-p.Y)
	reason := fmt.Sprintf("%.0f m and %s from %s (thresholds %.0f m, %s)", dist, now.Sub(p.RequestedAt).Round(time.Minute), p.ID, d.cfg.DuplicateRadiusM, d.cfg.DuplicateWindow)
	if err := d.record(ctx, tx, r, system, Event{From: r.State, To: StateDuplicate, Kind: "link", Reason: reason, AgencyID: r.AgencyID}); err != nil {
		return err
	}
	r.State, r.StateSince, r.DueAt = StateDuplicate, now, nil
	p.Duplicates = append(p.Duplicates, r.ID)
	p.UpdatedAt = now
	if err := tx.Put(ctx, p); err != nil {
		return err
	}
	if err := tx.Audit(ctx, AuditRecord{At: now, Actor: system.String(), Action: "link-duplicate", ReportID: p.ID, Detail: r.ID + " duplicates it"}); err != nil {
		return err
	}
	return tx.Put(ctx, r)
}

// record appends e to r's history and the audit trail.
func (d *Desk) record(ctx context.Context, tx Tx, r *Report, v Viewer, e Event) error {
	e.At, e.Actor = d.cfg.Now().UTC(), v.String()
	r.History = append(r.History, e)
	r.UpdatedAt = e.At
	detail := fmt.Sprintf("%s → %s", e.From, e.To)
	if e.Kind == "escalation" {
		detail = "overdue in " + string(e.From)
	}
	if e.AgencyID != "" {
		detail += ", agency " + e.AgencyID
	}
	if e.Reason != "" {
		detail += ": " + e.Reason
	}
	return tx.Audit(ctx, AuditRecord{At: e.At, Actor: e.Actor, Action: e.Kind, ReportID: r.ID, Detail: detail})
}

// move changes r's state (and agency), restarts the service-level clock,
// records the event and notifies the agency that now holds the report.
func (d *Desk) move(ctx context.Context, tx Tx, r *Report, v Viewer, to State, agency, reason, sugAgency, sugOwner string) error {
	if !CanMove(r.State, to) {
		return &ConflictError{From: r.State, To: to}
	}
	if agency == "" {
		agency = r.AgencyID
	}
	if err := d.record(ctx, tx, r, v, Event{From: r.State, To: to, AgencyID: agency, Reason: reason,
		SuggestedAgency: sugAgency, SuggestedOwner: sugOwner, Kind: "transition"}); err != nil {
		return err
	}
	handover := agency != r.AgencyID
	r.State, r.AgencyID, r.StateSince, r.EscalatedAt = to, agency, r.UpdatedAt, nil
	r.DueAt = nil
	if a, ok := d.router.Agency(agency); ok {
		if sla, ok := a.SLA[to]; ok && to.Open() {
			due := r.StateSince.Add(sla)
			r.DueAt = &due
		}
		if handover || to == StateAssigned {
			if err := tx.Enqueue(ctx, notify(a, r, "dumping."+string(to), fmt.Sprintf("[envtrace] 棄置案件 %s：%s", r.ID, to.Label()),
				fmt.Sprintf("案件 %s 已分派給 %s。\n地點：%s（TWD97 %.0f, %.0f）\n內容：%s\n期限：%s\n", r.ID, a.Name, r.Address, r.X, r.Y, r.Description, dueText(r.DueAt)))...); err != nil {
				return err
			}
		}
	}
	return tx.Put(ctx, r)
}

// notify builds the messages to an agency: one per channel it has. IDs are
// derived from the report, the event's position in its history and the
// channel, so they are stable.
func notify(a Agency, r *Report, topic, subject, body string) []outbox.Message {
	var out []outbox.Message
	base := fmt.Sprintf("%s.%d.%s", r.ID, len(r.History), a.ID)
	if a.Email != "" {
		out = append(out, outbox.Message{ID: base + ".email", Channel: outbox.Email, To: a.Email, Subject: subject, Body: body, Topic: topic, Ref: r.ID, CreatedAt: r.UpdatedAt})
	}
	if a.Webhook != "" {
		out = append(out, outbox.Message{ID: base + ".webhook", Channel: outbox.Webhook, To: a.Webhook, Subject: subject, Body: body, Topic: topic, Ref: r.ID, CreatedAt: r.UpdatedAt})
	}
	return out
}

func dueText(t *time.Time) string {
	if t == nil {
		return "無"
	}
	return t.In(Taipei).Format("2006-01-02 15:04")
}

// Transition is a state change an agency or the centre asks for.
type Transition struct {
	To State
	// Reason is required for referred ("not responsible") and closed.
	Reason string
	// SuggestedAgency names the agency a "not responsible" answer says is
	// responsible; SuggestedOwner the owner it names (private land).
	SuggestedAgency string
	SuggestedOwner  string
	// Agency reassigns the report (the centre only, with assigned).
	Agency string
}

// Move applies a transition. A "not responsible" answer (To: referred)
// must give a reason and name who is responsible: another agency, or for
// private land the owner (the report then goes to the local bureau). The
// routing history keeps every hand-over.
func (d *Desk) Move(ctx context.Context, v Viewer, id string, t Transition) (*Report, error) {
	if t.To == StateDuplicate || t.To == StateReceived {
		return nil, &InputError{"state", fmt.Sprintf("%s is set by intake, not by hand", t.To)}
	}
	if !slices.Contains(States, t.To) {
		return nil, &InputError{"state", fmt.Sprintf("unknown state %q; states are %v", t.To, States)}
	}
	var out *Report
	err := d.repo.Update(ctx, func(ctx context.Context, tx Tx) error {
		r, err := handled(ctx, tx, v, id)
		if err != nil {
			return err
		}
		agency := r.AgencyID
		switch t.To {
		case StateReferred:
			if strings.TrimSpace(t.Reason) == "" {
				return &InputError{"reason", "a \"not responsible\" answer must say why"}
			}
			if t.SuggestedAgency == "" && t.SuggestedOwner == "" {
				return &InputError{"suggested_agency", "a \"not responsible\" answer must name who is responsible: an agency (suggested_agency) or the owner (suggested_owner)"}
			}
			if t.SuggestedAgency == r.AgencyID {
				return &InputError{"suggested_agency", "names the agency that is answering"}
			}
			if t.SuggestedAgency != "" {
				if _, ok := d.router.Agency(t.SuggestedAgency); !ok {
					return &InputError{"suggested_agency", fmt.Sprintf("no agency %q in the directory", t.SuggestedAgency)}
				}
				agency = t.SuggestedAgency
			} else {
				// Private owner named: the local bureau enforces against it.
				agency = d.bureauFor(r)
			}
		case StateAssigned:
			if t.Agency != "" {
				if v.Role != RoleCentre {
					return &ForbiddenError{v, "reassign a report"}
				}
				if _, ok := d.router.Agency(t.Agency); !ok {
					return &InputError{"agency", fmt.Sprintf("no agency %q in the directory", t.Agency)}
				}
				agency = t.Agency
			}
		case StateClosed:
			if strings.TrimSpace(t.Reason) == "" {
				return &InputError{"reason", "closing a report needs a reason the reporter can read"}
			}
		}
		if err := d.move(ctx, tx, r, v, t.To, agency, strings.TrimSpace(t.Reason), t.SuggestedAgency, t.SuggestedOwner); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// handled reads a report for update if v may handle it; another agency's
// report is not shown to exist.
func handled(ctx context.Context, tx Tx, v Viewer, id string) (*Report, error) {
	r, err := tx.Report(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canHandle(v, r) {
		return nil, &NotFoundError{"report", id}
	}
	return r, nil
}

// bureauFor returns the environmental bureau of the report's jurisdiction,
// or the centre.
func (d *Desk) bureauFor(r *Report) string {
	for _, j := range d.router.land.Jurisdictions {
		if j.ID == r.Route.Jurisdiction {
			return j.Bureau
		}
	}
	return d.router.centre.ID
}

// AddReply records an agency's answer: when, whether it inspected, what it
// found. The reporter and the public see it.
func (d *Desk) AddReply(ctx context.Context, v Viewer, id string, inspected bool, finding string) (*Report, error) {
	finding = strings.TrimSpace(finding)
	if finding == "" || !utf8.ValidString(finding) || utf8.RuneCountInString(finding) > 2000 {
		return nil, &InputError{"finding", "say what the agency found, in at most 2000 characters"}
	}
	var out *Report
	err := d.repo.Update(ctx, func(ctx context.Context, tx Tx) error {
		r, err := handled(ctx, tx, v, id)
		if err != nil {
			return err
		}
		a, _ := d.router.Agency(r.AgencyID)
		now := d.cfg.Now().UTC()
		r.Replies = append(r.Replies, Reply{At: now, AgencyID: a.ID, Agency: a.Name, Inspected: inspected, Finding: finding})
		r.UpdatedAt = now
		if err := tx.Audit(ctx, AuditRecord{At: now, Actor: v.String(), Action: "reply", ReportID: r.ID, Detail: finding}); err != nil {
			return err
		}
		out = r
		return tx.Put(ctx, r)
	})
	return out, err
}

// Report returns a report the viewer may handle.
func (d *Desk) Report(ctx context.Context, v Viewer, id string) (*Report, error) {
	r, err := d.repo.Report(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canHandle(v, r) {
		// Another agency's report is not shown to exist.
		return nil, &NotFoundError{"report", id}
	}
	return r, nil
}

// Contact opens a report's reporter contact: the centre only.
func (d *Desk) Contact(ctx context.Context, v Viewer, id string) (string, error) {
	if v.Role != RoleCentre {
		return "", &ForbiddenError{v, "read a reporter's contact"}
	}
	r, err := d.repo.Report(ctx, id)
	if err != nil {
		return "", err
	}
	if !r.HasContact || d.prot.Keys == nil {
		return "", nil
	}
	c, err := d.prot.Keys.Open(r.Contact, ContactAAD)
	if err != nil {
		return "", err
	}
	err = d.repo.Update(ctx, func(ctx context.Context, tx Tx) error {
		return tx.Audit(ctx, AuditRecord{At: d.cfg.Now().UTC(), Actor: v.String(), Action: "read-contact", ReportID: id})
	})
	return c, err
}

// Queue lists an agency's reports: agency staff see only their own agency's
// queue, the centre any.
func (d *Desk) Queue(ctx context.Context, v Viewer, agency string, f Filter) ([]*Report, error) {
	switch {
	case v.Role == RoleCentre:
	case v.Role == RoleAgency && agency == v.Agency && agency != "":
	default:
		return nil, &ForbiddenError{v, "see the queue of agency " + agency}
	}
	f.Agency = agency
	return d.repo.Reports(ctx, f)
}

// All lists every report: the centre only.
func (d *Desk) All(ctx context.Context, v Viewer, f Filter) ([]*Report, error) {
	if v.Role != RoleCentre {
		return nil, &ForbiddenError{v, "list every agency's reports"}
	}
	return d.repo.Reports(ctx, f)
}

// Escalate hands every overdue report not yet escalated in its current
// state to the centre: an audited event and a message to the centre, in
// one transaction per report. It returns how many it escalated.
func (d *Desk) Escalate(ctx context.Context) (int, error) {
	open := true
	rs, err := d.repo.Reports(ctx, Filter{Open: &open})
	if err != nil {
		return 0, err
	}
	now := d.cfg.Now()
	n := 0
	for _, r := range rs {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if !r.Overdue(now) || r.EscalatedAt != nil {
			continue
		}
		err := d.repo.Update(ctx, func(ctx context.Context, tx Tx) error {
			r, err := tx.Report(ctx, r.ID)
			if err != nil || !r.Overdue(now) || r.EscalatedAt != nil {
				return err
			}
			if err := d.record(ctx, tx, r, system, Event{From: r.State, To: r.State, AgencyID: r.AgencyID, Kind: "escalation",
				Reason: "past the service level due " + dueText(r.DueAt)}); err != nil {
				return err
			}
			at := r.UpdatedAt
			r.EscalatedAt = &at
			c := d.router.Centre()
			a, _ := d.router.Agency(r.AgencyID)
			if err := tx.Enqueue(ctx, notify(c, r, "dumping.overdue", fmt.Sprintf("[envtrace] 逾期案件 %s：%s", r.ID, a.Name),
				fmt.Sprintf("案件 %s 於「%s」階段逾期（期限 %s），承辦機關 %s。\n", r.ID, r.State.Label(), dueText(r.DueAt), a.Name))...); err != nil {
				return err
			}
			n++
			return tx.Put(ctx, r)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
