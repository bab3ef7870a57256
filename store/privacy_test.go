package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
)

var privacySecret = privacy.Secret(bytes.Repeat([]byte{0x3c}, 32))

// TestExactLocationsAreRestricted stores petition locations and reads them
// back as an ordinary database role (superusers bypass row-level
// security), once per application role.
func TestExactLocationsAreRestricted(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	pd := store.NewPersonalData(pool)
	fz := privacy.NewFuzzer(privacySecret)
	at := time.Date(2026, 8, 1, 20, 0, 0, 0, time.UTC)
	for i := range 3 {
		loc := store.Location{Kind: "petition", RecordID: fmt.Sprintf("P%d", i), Lon: 120.5801 + float64(i)*1e-4, Lat: 24.2601}
		if err := pd.PutLocation(ctx, fz, loc, "subject-a", at); err != nil {
			t.Fatal(err)
		}
	}
	// An ordinary role the server would connect as.
	role := fmt.Sprintf("envtrace_app_%d", time.Now().UnixNano())
	for _, sql := range []string{
		"create role " + role + " nologin",
		"grant select, insert, delete on personal_locations, public_locations, personal_location_roles to " + role,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), "drop owned by "+role)
		_, _ = pool.Exec(context.Background(), "drop role "+role)
	})
	count := func(appRole string) int {
		var n int
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "set local role "+role); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "select set_config('envtrace.role', $1, true)", appRole); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "select count(*) from personal_locations").Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		role string
		want int
	}{{"admin", 3}, {"officer", 3}, {"investigator", 3}, {"public", 0}, {"facility", 0}, {"ngo", 0}, {"", 0}} {
		if got := count(c.role); got != c.want {
			t.Errorf("role %q reads %d exact locations, want %d", c.role, got, c.want)
		}
	}
	// The store's own query names the role the same way.
	if got, err := pd.ExactLocations(ctx, "officer", "petition", 120.5802, 24.2601, 100); err != nil || len(got) != 3 {
		t.Errorf("officer: %d locations, %v", len(got), err)
	}
	// The public copy is fuzzed, and one place gives one public point.
	pub, err := pd.PublicLocation(ctx, "petition", "P0")
	if err != nil {
		t.Fatal(err)
	}
	wantLon, wantLat, _ := fz.Fuzz(120.5801, 24.2601)
	if pub.Lon != wantLon || pub.Lat != wantLat || pub.Lon == 120.5801 {
		t.Errorf("public location %+v, want the fuzzed (%v, %v)", pub, wantLon, wantLat)
	}
}

func TestPurgeAndErase(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	pd := store.NewPersonalData(pool)
	ring, err := privacy.ParseKeyring(bytes.Repeat([]byte{'a'}, 64))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	old := now.AddDate(-4, 0, 0)
	recent := now.AddDate(0, -1, 0)
	fz := privacy.NewFuzzer(privacySecret)
	put := func(id, contact string, at time.Time) {
		sealed, err := ring.Seal(contact, store.ContactAAD)
		if err != nil {
			t.Fatal(err)
		}
		subj := privacySecret.Subject(contact)
		if err := pd.PutContact(ctx, privacy.KindPetitionContact, id, subj, sealed, at); err != nil {
			t.Fatal(err)
		}
		if err := pd.PutLocation(ctx, fz, store.Location{Kind: "petition", RecordID: id, Lon: 120.6, Lat: 24.1}, subj, at); err != nil {
			t.Fatal(err)
		}
	}
	put("P-old", "0911111111", old)
	put("P-new", "0922222222", recent)
	put("P-new2", "0922222222", recent)
	put("P-other", "someone@example.tw", recent)

	got, err := pd.Purge(ctx, now)
	if err != nil || got.Contacts != 1 || got.Locations != 1 {
		t.Fatalf("Purge = %+v, %v; want the old petition's contact and location", got, err)
	}
	if c, _ := pd.Contact(ctx, privacy.KindPetitionContact, "P-old"); c != nil {
		t.Error("the purged contact is still stored")
	}
	if _, err := pd.PublicLocation(ctx, "petition", "P-old"); err != nil {
		t.Errorf("the fuzzed copy went with the exact location: %v", err)
	}
	if got, err := pd.Erase(ctx, privacySecret.Subject("0922-222-222")); err != nil || got.Contacts != 2 || got.Locations != 2 {
		t.Fatalf("Erase = %+v, %v; want both petitions of 0922222222", got, err)
	}
	c, err := pd.Contact(ctx, privacy.KindPetitionContact, "P-other")
	if err != nil || c == nil {
		t.Fatalf("another person's contact was erased: %v", err)
	}
	if again, err := pd.Purge(ctx, now); err != nil || again != (store.Erased{}) {
		t.Errorf("a second purge erased %+v, %v", again, err)
	}
}

func TestRotateContacts(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	pd := store.NewPersonalData(pool)
	line1, _ := privacy.NewKeyLine("k1")
	line2, _ := privacy.NewKeyLine("k2")
	old, err := privacy.ParseKeyring([]byte(line1))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const n = 1203 // more than two batches
	for i := range n {
		sealed, err := old.Seal(fmt.Sprintf("09%08d", i), store.ContactAAD)
		if err != nil {
			t.Fatal(err)
		}
		if err := pd.PutContact(ctx, privacy.KindPetitionContact, fmt.Sprint(i), "s", sealed, at); err != nil {
			t.Fatal(err)
		}
	}
	// A dumping report's contact, sealed under the old key.
	dsealed, _ := old.Seal("line:xyz", dumping.ContactAAD)
	if _, err := pool.Exec(ctx, `insert into dumping_reports (id, state, agency_id, requested_at, contact, geom, doc)
		values ('DR2026-000009', 'submitted', 'x', now(), $1, st_setsrid(st_makepoint(210000, 2660000), 3826), '{}')`, dsealed); err != nil {
		t.Fatal(err)
	}
	rotated, err := privacy.ParseKeyring([]byte(line1 + "\n" + line2))
	if err != nil {
		t.Fatal(err)
	}
	var seen []int
	got, err := pd.RotateContacts(ctx, rotated, func(k int) { seen = append(seen, k) })
	if err != nil || got != n+1 {
		t.Fatalf("RotateContacts = %d, %v; want %d", got, err, n+1)
	}
	if len(seen) < 3 {
		t.Errorf("progress reported %v: want one line per batch", seen)
	}
	for _, id := range []string{"0", "700", fmt.Sprint(n - 1)} {
		sealed, _ := pd.Contact(ctx, privacy.KindPetitionContact, id)
		if k, _ := privacy.KeyID(sealed); k != "k2" {
			t.Errorf("contact %s under key %q after rotation", id, k)
		}
		if _, err := rotated.Open(sealed, store.ContactAAD); err != nil {
			t.Error(err)
		}
	}
	var d []byte
	if err := pool.QueryRow(ctx, "select contact from dumping_reports where id = 'DR2026-000009'").Scan(&d); err != nil {
		t.Fatal(err)
	}
	if c, err := rotated.Open(d, dumping.ContactAAD); err != nil || c != "line:xyz" {
		t.Errorf("dumping contact after rotation: %q, %v", c, err)
	}
	if again, err := pd.RotateContacts(ctx, rotated, nil); err != nil || again != 0 {
		t.Errorf("a second rotation re-sealed %d, %v", again, err)
	}
}
