package store_test

import (
	"bytes"
	"context"
	"math"
	"slices"
	"testing"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/datadir"
)

// TestOdourAirRoundTrip stores the central fixture's monitors, wind, monitor
// readings and petitions (migration 0010), reads them back unchanged (NaN
// as NaN), stores them again as duplicates only, and keeps every contact
// sealed: none of its text is in the table.
func TestOdourAirRoundTrip(t *testing.T) {
	ctx := context.Background()
	pool := migrated(t, postgis.Options{})
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	d, err := datadir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	in := &store.OdourAir{Monitors: d.Monitors, Wind: d.Wind, AirReadings: d.AirReadings, Petitions: d.Petitions}
	ring, err := petition.TestKeyring()
	if err != nil {
		t.Fatal(err)
	}
	sealer := petition.KeyringSealer{Keys: ring}
	secret := privacy.Secret(bytes.Repeat([]byte{7}, 32))
	st, err := store.ImportOdourAir(ctx, pool, in, d.Contacts, sealer.Seal, secret.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if st.Monitors != len(d.Monitors) || st.Wind != len(d.Wind) || st.AirReadings != len(d.AirReadings) || st.Petitions != len(d.Petitions) {
		t.Fatalf("stored %+v of %d monitors, %d wind, %d readings, %d petitions", st, len(d.Monitors), len(d.Wind), len(d.AirReadings), len(d.Petitions))
	}
	back, err := store.LoadOdourAir(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	for i, o := range d.Wind {
		b := back.Wind[i]
		if o.Station != b.Station || !o.Time.Equal(b.Time) || !same(o.Speed, b.Speed) || !same(o.Direction, b.Direction) || !same(o.SigmaTheta, b.SigmaTheta) || o.Flag != b.Flag {
			t.Fatalf("wind %d: %+v came back as %+v", i, o, b)
		}
	}
	for i, r := range d.AirReadings {
		if b := back.AirReadings[i]; r.Monitor != b.Monitor || !r.Time.Equal(b.Time) || r.Value != b.Value || r.Flag != b.Flag {
			t.Fatalf("reading %d: %+v came back as %+v", i, r, b)
		}
	}
	byID := map[string]int{}
	for i, p := range back.Petitions {
		byID[p.ID] = i
	}
	for _, p := range d.Petitions {
		b := back.Petitions[byID[p.ID]]
		if !p.Time.Equal(b.Time) || p.Category != b.Category || p.Intensity != b.Intensity || p.Lon != b.Lon || p.Lat != b.Lat {
			t.Fatalf("petition %s: %+v came back as %+v", p.ID, p, b)
		}
	}
	again, err := store.ImportOdourAir(ctx, pool, in, d.Contacts, sealer.Seal, secret.Subject)
	if err != nil || again.Wind != 0 || again.Petitions != 0 || again.AirReadings != 0 {
		t.Fatalf("second import: %+v %v", again, err)
	}
	var sealed int
	if err := pool.QueryRow(ctx, `select count(*) from petitions where contact_sealed is not null`).Scan(&sealed); err != nil || sealed != len(d.Contacts) {
		t.Fatalf("%d sealed contacts, want %d (%v)", sealed, len(d.Contacts), err)
	}
	for id, c := range d.Contacts {
		// The blind index of the phone and e-mail, the one an erasure
		// request matches (privacy.Secret.Subject, as for dumping reporters).
		var got []string
		if err := pool.QueryRow(ctx, `select coalesce(contact_subjects, '{}') from petitions where petition_id = $1`, id).Scan(&got); err != nil ||
			!slices.Equal(got, petition.Contact{Phone: c.Phone, Email: c.Email}.Subjects(secret.Subject)) || len(got) == 0 {
			t.Errorf("petition %s: blind index %v (%v)", id, got, err)
		}
		for _, s := range []string{c.Name, c.Phone, c.Email, c.Address} {
			if s == "" {
				continue
			}
			var n int
			if err := pool.QueryRow(ctx, `select count(*) from petitions where position(convert_to($1, 'UTF8') in contact_sealed) > 0`, s).Scan(&n); err != nil || n != 0 {
				t.Fatalf("petition %s: %q is stored in clear (%v)", id, s, err)
			}
		}
	}
}
