package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/model"
)

// TestDeletionsFollowerReloads follows the deletions of migration 0020: a
// DELETE that matches no row is not one; a reading deleted by hand has
// the follower load the dataset again, without it; a failed apply keeps
// the follower running with Failure set (a replica's /readyz fails on
// it) until a later attempt (the next poll) succeeds; and a TRUNCATE of the readings is
// a deletion too. While it loads and applies, the follower it holds off
// catches nothing up.
func TestDeletionsFollowerReloads(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ds := centralRecords(t)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.FixedZone("", 8*3600))
	st := ds.Stations[0].ID
	for i := range 3 {
		ds.AppendReadings(model.Reading{Station: st, Time: at.Add(time.Duration(i) * time.Hour), Parameter: "NH3-N", Value: 0.1 * float64(i+1), Unit: "mg/L"})
	}
	if err := store.ImportDataset(ctx, pool, ds, nil); err != nil {
		t.Fatal(err)
	}
	mark, err := store.DeletionsHighWater(ctx, pool)
	if err != nil || mark != 0 {
		t.Fatalf("deletions mark of a fresh store: %d, %v", mark, err)
	}
	readings, err := store.ReadingsHighWater(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	held := store.NewFollower(pool, readings, func(context.Context, []model.Reading) error { return nil },
		func(context.Context, []model.Reading) error { return nil })
	var (
		mu     sync.Mutex
		loaded []int // readings of each dataset applied
		refuse = true
	)
	f := store.NewDeletionsFollower(pool, mark, func(ctx context.Context, d *model.Dataset) error {
		// The held follower cannot catch up meanwhile: CatchUp waits.
		caught := make(chan error, 1)
		go func() { caught <- held.CatchUp(ctx) }()
		select {
		case err := <-caught:
			t.Errorf("the held follower caught up during the reload (%v)", err)
		case <-time.After(50 * time.Millisecond):
		}
		mu.Lock()
		defer mu.Unlock()
		if refuse {
			return errors.New("refused")
		}
		loaded = append(loaded, d.NumReadings())
		return d.Index()
	}, held)
	f.Poll = 200 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	waitFor(t, "the follower to connect", f.Connected)
	got := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), loaded...)
	}

	if _, err := pool.Exec(ctx, `delete from readings where station_id = 'no such station'`); err != nil {
		t.Fatal(err)
	}
	if n, err := store.DeletionsHighWater(ctx, pool); err != nil || n != 0 {
		t.Fatalf("a DELETE of no row is deletion %d (%v)", n, err)
	}
	if _, err := pool.Exec(ctx, `delete from readings where station_id = $1 and time = $2`, st, at); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed reload", func() bool { return f.Failure() != nil })
	if !f.Connected() {
		t.Error("a failed reload disconnected the follower")
	}
	mu.Lock()
	refuse = false
	mu.Unlock()
	// The follower clears its failure once apply has returned.
	waitFor(t, "the reload after the failure", func() bool { return len(got()) == 1 && f.Failure() == nil })
	if l := got(); l[0] != 2 {
		t.Errorf("the reloaded dataset holds %d readings, want 2", l[0])
	}
	if _, err := pool.Exec(ctx, `truncate readings`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reload after the truncate", func() bool { return f.HighWater() == 2 })
	if l := got(); len(l) != 2 || l[1] != 0 {
		t.Errorf("the datasets reloaded hold %v readings, want [2 0]", l)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
}
