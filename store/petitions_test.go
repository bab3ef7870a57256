package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/odour"
)

// TestPetitionIntake: the desk's petitions are stored with their sealed
// contact under ids from seq, a case number twice is an input error,
// LoadIntake reads them back (and LoadOdourAir does not count them as
// imported), and `privacy purge` drops the sealed contact of a petition
// received past the retention period, keeping the petition.
func TestPetitionIntake(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	repo := store.PetitionRepo{Pool: pool}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	cat, _ := odour.ParseCategory("industrial/sulphur")
	accept := func(caseNo string, received time.Time) (string, error) {
		return repo.Accept(ctx, petition.Stored{CaseNumber: caseNo, Received: received, Sealed: []byte("sealed-" + caseNo),
			Petition: odour.Petition{Time: received, Lon: 120.55, Lat: 24.2, Category: cat, Intensity: 3}})
	}
	oldID, err := accept("OLD-1", now.AddDate(-3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	newID, err := accept("NEW-1", now.AddDate(0, -1, 0))
	if err != nil || newID <= oldID {
		t.Fatalf("second petition %q (first %q): %v", newID, oldID, err)
	}
	var ie *petition.InputError
	if _, err := accept("NEW-1", now); !errors.As(err, &ie) || ie.Field != "case_number" {
		t.Errorf("a case number twice: %v", err)
	}
	held, high, err := store.LoadIntake(ctx, pool)
	if err != nil || len(held) != 2 || held[0].Petition.ID != oldID || held[1].CaseNumber != "NEW-1" || high == 0 ||
		!bytes.Equal(held[1].Sealed, []byte("sealed-NEW-1")) {
		t.Fatalf("LoadIntake = %+v, %d, %v", held, high, err)
	}
	if oa, err := store.LoadOdourAir(ctx, pool); err != nil || len(oa.Petitions) != 0 {
		t.Errorf("the desk's petitions loaded as imported ones: %v", err)
	}
	got, err := store.NewPersonalData(pool).Purge(ctx, now)
	if err != nil || got.PetitionContacts != 1 {
		t.Fatalf("Purge = %+v, %v; want the old petition's contact", got, err)
	}
	held, _, _ = store.LoadIntake(ctx, pool)
	if len(held) != 2 || held[0].Sealed != nil || held[1].Sealed == nil {
		t.Errorf("after the purge: %+v", held)
	}
}
