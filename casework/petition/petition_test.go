package petition

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

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

// TestPublicShift: over random locations in Taiwan and in Pittsburgh, the
// public location is shifted by at most 0.1 mile per axis (measured on
// the ellipsoid, along the meridian and the parallel), and the same
// location gives the same shift on every read and in every record.
func TestPublicShift(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	f := GridFuzzer{}
	for _, c := range []struct {
		name     string
		lon, lat float64
	}{{"Taiwan", 120.2, 22.5}, {"Pittsburgh", -80.4, 40.0}} {
		t.Run(c.name, func(t *testing.T) {
			var maxX, maxY float64
			for range 5000 {
				lon, lat := c.lon+1.8*r.Float64(), c.lat+1.8*r.Float64()
				flon, flat := f.Fuzz(lon, lat)
				dx := crs.GeodesicDistance(lon, lat, flon, lat)
				dy := crs.GeodesicDistance(flon, lat, flon, flat)
				maxX, maxY = math.Max(maxX, dx), math.Max(maxY, dy)
				if dx > MaxPublicShiftM || dy > MaxPublicShiftM || dx > f.BoxM() || dy > f.BoxM() {
					t.Fatalf("(%.6f, %.6f) shifted %.1f m east-west and %.1f m north-south, box %.1f m", lon, lat, dx, dy, f.BoxM())
				}
				if a, b := f.Fuzz(lon, lat); a != flon || b != flat {
					t.Fatal("the shift is not stable")
				}
			}
			if maxX < 50 || maxY < 50 {
				t.Errorf("the largest shifts (%.0f m, %.0f m) are too small to hide anything", maxX, maxY)
			}
		})
	}
}

// TestSubmitAndViews: a petition's public view carries no case number,
// text or contact and a shifted location; the staff view has the exact
// location; only the centre opens the contact; the same location in two
// records gets the same public point.
func TestSubmitAndViews(t *testing.T) {
	d, err := NewDesk(sealer(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	in := intake(120.3456789, 23.9876543)
	in.CaseNumber = "CH-2026-0815"
	a, err := d.Submit(in)
	if err != nil {
		t.Fatal(err)
	}
	in.CaseNumber = "CH-2026-0816"
	b, err := d.Submit(in)
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
	d, err := NewDesk(sealer(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Submit(Intake{CaseNumber: "X1", Received: time.Now(), Lon: ptr(120.5), Lat: ptr(24.0), Category: "industrial", Intensity: ptr(2)}); err != nil {
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
			_, err := d.Submit(in)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tc.field {
				t.Fatalf("error %v, want one naming %s", err, tc.field)
			}
		})
	}
	noKey, _ := NewDesk(nil, nil)
	if _, err := noKey.Submit(intake(120.5, 24.0)); err == nil {
		t.Error("a contact was accepted without a sealer")
	}
}
