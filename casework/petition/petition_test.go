package petition

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/crs"
)

func sealer(t *testing.T) Sealer {
	t.Helper()
	keys, err := TestKeyring()
	s := KeyringSealer{Keys: keys}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func intake(lon, lat float64) Intake {
	return Intake{CaseNumber: "", Received: time.Date(2026, 8, 20, 21, 5, 0, 0, time.FixedZone("CST", 8*3600)),
		Lon: ptr(lon), Lat: ptr(lat), Category: "agriculture/manure", Intensity: ptr(3), Hedonic: ptr(-3), Duration: "continuous-hour",
		Channel: "1999", Description: "豬糞味很重", Contact: &Contact{Name: "王小明", Phone: "0912345678", Address: "彰化縣大城鄉"}}
}

func fuzzer(t *testing.T) *privacy.Fuzzer {
	t.Helper()
	secret, err := privacy.ParseSecret([]byte(strings.Repeat("4b", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return privacy.NewFuzzer(secret)
}

// TestPublicViewUsesTheKeyedShift: the public view of a petition is
// access/privacy's keyed shift of its location (TestPublicShift there
// measures that shift's bound), rounded to 10⁻⁶ degrees, and a desk
// without the shift is refused.
func TestPublicViewUsesTheKeyedShift(t *testing.T) {
	f := fuzzer(t)
	d, err := NewDesk(sealer(t), f)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		lon, lat := -80.4+r.Float64(), 40+r.Float64()
		v, err := d.Submit(context.Background(), intake(lon, lat))
		if err != nil {
			t.Fatal(err)
		}
		wlon, wlat, _ := f.Fuzz(lon, lat)
		if math.Abs(v.Lon-wlon) > 5e-7 || math.Abs(v.Lat-wlat) > 5e-7 || v.FuzzBoxM != 160.9 {
			t.Fatalf("public (%v, %v) box %v, want the keyed shift (%v, %v)", v.Lon, v.Lat, v.FuzzBoxM, wlon, wlat)
		}
		if dx, dy := crs.GeodesicDistance(lon, lat, v.Lon, lat), crs.GeodesicDistance(v.Lon, lat, v.Lon, v.Lat); dx > MaxPublicShiftM || dy > MaxPublicShiftM {
			t.Fatalf("shifted (%.1f, %.1f) m", dx, dy)
		}
	}
	if _, err := NewDesk(sealer(t), nil); err == nil {
		t.Error("a desk without the public shift was built")
	}
}

// TestSubmitAndViews: a petition's public view carries no case number,
// text or contact and a shifted location; the staff view has the exact
// location; only the centre opens the contact; the same location in two
// records gets the same public point.
func TestSubmitAndViews(t *testing.T) {
	d, err := NewDesk(sealer(t), fuzzer(t))
	if err != nil {
		t.Fatal(err)
	}
	in := intake(120.3456789, 23.9876543)
	in.CaseNumber = "CH-2026-0815"
	a, err := d.Submit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	in.CaseNumber = "CH-2026-0816"
	b, err := d.Submit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if a.ExactLon != 120.3456789 || !a.HasContact || !a.Traceable {
		t.Errorf("staff view %+v", a)
	}
	if a.Lon != b.Lon || a.Lat != b.Lat {
		t.Error("the same location is shifted differently in two records")
	}
	if a.Lon == a.ExactLon && a.Lat == a.ExactLat {
		t.Error("the public location is the exact one")
	}
	pub, err := d.Get(dumping.Public, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(pub)
	for _, secret := range []string{"CH-2026-0815", "豬糞", "王小明", "0912345678", "大城", "120.3456789", "exact"} {
		if bytes.Contains(js, []byte(secret)) {
			t.Errorf("the public view shows %q: %s", secret, js)
		}
	}
	list, _ := json.Marshal(d.List(dumping.Public))
	if bytes.Contains(list, []byte("exact")) || bytes.Contains(list, []byte("王小明")) {
		t.Errorf("the public list leaks: %s", list)
	}
	agency := dumping.Viewer{Role: dumping.RoleAgency, Agency: "CHEPB"}
	if _, err := d.OpenContact(agency, a.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("an agency opened a contact: %v", err)
	}
	c, err := d.OpenContact(dumping.Viewer{Role: dumping.RoleCentre}, a.ID)
	if err != nil || c.Name != "王小明" || c.Address != "彰化縣大城鄉" {
		t.Errorf("centre: %+v %v", c, err)
	}
	if ps := d.Petitions(); len(ps) != 2 || ps[0].Lon != 120.3456789 {
		t.Errorf("analysis petitions %+v", ps)
	}
}

func TestSubmitValidation(t *testing.T) {
	d, err := NewDesk(sealer(t), fuzzer(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Submit(context.Background(), Intake{CaseNumber: "X1", Received: time.Now(), Lon: ptr(120.5), Lat: ptr(24.0), Category: "industrial", Intensity: ptr(2)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(*Intake)
		field string
	}{
		{"no received time", func(in *Intake) { in.Received = time.Time{} }, "received"},
		{"smelt after received", func(in *Intake) { in.Time = ptr(in.Received.Add(time.Hour)) }, "time"},
		{"no location", func(in *Intake) { in.Lon = nil }, "lon"},
		{"latitude out of range", func(in *Intake) { in.Lat = ptr(95.0) }, "lat"},
		{"unknown category", func(in *Intake) { in.Category = "durian" }, "category"},
		{"intensity 7", func(in *Intake) { in.Intensity = ptr(7) }, "intensity"},
		{"no intensity", func(in *Intake) { in.Intensity = nil }, "intensity"},
		{"hedonic +5", func(in *Intake) { in.Hedonic = ptr(5) }, "hedonic"},
		{"duration", func(in *Intake) { in.Duration = "forever" }, "duration"},
		{"duplicate case number", func(in *Intake) { in.CaseNumber = "X1" }, "case_number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := intake(120.5, 24.0)
			tc.edit(&in)
			_, err := d.Submit(context.Background(), in)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tc.field {
				t.Fatalf("error %v, want one naming %s", err, tc.field)
			}
		})
	}
	noKey, _ := NewDesk(nil, fuzzer(t))
	if _, err := noKey.Submit(context.Background(), intake(120.5, 24.0)); err == nil {
		t.Error("a contact was accepted without a sealer")
	}
}

// countingStore numbers petitions as a system of record would and
// remembers what it was given; it refuses a case number twice.
type countingStore struct {
	got   []Stored
	cases map[string]bool
}

func (s *countingStore) Accept(_ context.Context, st Stored) (string, error) {
	if st.CaseNumber != "" && s.cases[st.CaseNumber] {
		return "", &InputError{"case_number", "already received"}
	}
	s.cases[st.CaseNumber] = true
	s.got = append(s.got, st)
	return fmt.Sprintf("OP-%06d", 100+len(s.got)), nil
}

// TestStoreAndRestore: with a Store the desk hands it the petition with
// its sealed contact (never the contact in clear) before holding it, takes
// the id the store gives, and holds nothing the store refused; Restore
// adds another replica's petitions once each, at the same public location
// the desk that took them in published.
func TestStoreAndRestore(t *testing.T) {
	f := fuzzer(t)
	a, err := NewDesk(sealer(t), f)
	if err != nil {
		t.Fatal(err)
	}
	st := &countingStore{cases: map[string]bool{}}
	a.Persist(st)
	in := intake(120.41, 23.95)
	in.CaseNumber = "CH-1"
	v, err := a.Submit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != "OP-000101" || len(st.got) != 1 || st.got[0].Sealed == nil || st.got[0].CaseNumber != "CH-1" {
		t.Fatalf("stored %+v, answered %+v", st.got, v)
	}
	if bytes.Contains(st.got[0].Sealed, []byte("0912345678")) {
		t.Error("the store was given the contact in clear")
	}
	other := intake(120.42, 23.96)
	other.CaseNumber = "CH-1"
	if _, err := a.Submit(context.Background(), other); err == nil || len(a.Petitions()) != 1 {
		t.Errorf("a refused case number was held: %v, %d petitions", err, len(a.Petitions()))
	}
	st.got[0].Petition.ID = v.ID
	b, _ := NewDesk(sealer(t), f)
	for range 2 {
		if _, err := b.Restore(st.got); err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.Get(dumping.Public, v.ID)
	if err != nil || len(b.Petitions()) != 1 {
		t.Fatalf("restored: %v, %d petitions", err, len(b.Petitions()))
	}
	if pv := got.(PublicView); pv.Lon != v.Lon || pv.Lat != v.Lat {
		t.Errorf("the restoring desk publishes (%v, %v), the first (%v, %v)", pv.Lon, pv.Lat, v.Lon, v.Lat)
	}
}

// TestErasedContacts: a desk given the blind index stores the subjects of
// the petitioner's phone and e-mail (the dumping reporters' one, so an
// erasure request written either way matches), and a desk told that a
// contact was dropped answers that it was erased, also after a restore.
func TestErasedContacts(t *testing.T) {
	secret, err := privacy.ParseSecret([]byte(strings.Repeat("4b", 32)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewDesk(sealer(t), fuzzer(t))
	if err != nil {
		t.Fatal(err)
	}
	a.IndexContacts(secret.Subject)
	st := &countingStore{cases: map[string]bool{}}
	a.Persist(st)
	in := intake(120.41, 23.95)
	in.Contact.Email = "Wang@Example.tw"
	v, err := a.Submit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{secret.Subject("+886 912 345 678"), secret.Subject("wang@example.tw")}
	if got := st.got[0].Subjects; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("stored subjects %v, want %v", got, want)
	}
	centre := dumping.Viewer{Role: dumping.RoleCentre}
	if n := a.DropContacts([]string{v.ID, "OP-999999"}); n != 1 {
		t.Errorf("dropped %d, want 1", n)
	}
	c, err := a.OpenContact(centre, v.ID)
	if err != nil || !c.Erased || c.Phone != "" || c.Name != "" {
		t.Errorf("after the erasure: %+v %v", c, err)
	}
	if sv, _ := a.Get(centre, v.ID); sv.(StaffView).HasContact {
		t.Error("the staff view still says the petition has a contact")
	}
	st.got[0].Petition.ID = v.ID
	b2, _ := NewDesk(sealer(t), fuzzer(t))
	if _, err := b2.Restore([]Stored{{Petition: st.got[0].Petition, Erased: true}}); err != nil {
		t.Fatal(err)
	}
	if c, err := b2.OpenContact(centre, v.ID); err != nil || !c.Erased {
		t.Errorf("restored erased contact: %+v %v", c, err)
	}
	plain, _ := NewDesk(sealer(t), fuzzer(t))
	plain.Persist(st)
	if _, err := plain.Submit(context.Background(), intake(120.5, 23.9)); err != nil || st.got[len(st.got)-1].Subjects != nil {
		t.Errorf("a desk without the blind index stored subjects %v (%v)", st.got[len(st.got)-1].Subjects, err)
	}
}
