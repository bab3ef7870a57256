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

// appliedLog records what a follower applied.
type appliedLog struct {
	mu   sync.Mutex
	keys map[model.ReadingKey]int
}

func (l *appliedLog) apply(_ context.Context, rs []model.Reading) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range rs {
		l.keys[model.KeyOf(&rs[i])]++
	}
	return nil
}

// waitFor polls cond every 20 ms until it holds or the generous timeout
// passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFollowerAppliesAndCatchesUp follows a database from its high-water
// mark: a batch ingested while it listens arrives by notification, and a
// batch ingested while its connection is down arrives when it reconnects.
// No reading is applied twice and none stored before the mark is applied.
func TestFollowerAppliesAndCatchesUp(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ds := realDataset(t)
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Stations: ds.Stations}, nil); err != nil {
		t.Fatal(err)
	}
	before, during, down := ds.CurrentReadings()[:500], ds.CurrentReadings()[500:800], ds.CurrentReadings()[800:1000]
	if _, _, err := store.IngestReadings(ctx, pool, before); err != nil {
		t.Fatal(err)
	}
	high, err := store.ReadingsHighWater(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	log := &appliedLog{keys: map[model.ReadingKey]int{}}
	f := store.NewFollower(pool, high, log.apply, log.apply)
	f.Retry = time.Second
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	waitFor(t, "the follower to connect", f.Connected)

	if _, _, err := store.IngestReadings(ctx, pool, during); err != nil {
		t.Fatal(err)
	}
	count := func() int { log.mu.Lock(); defer log.mu.Unlock(); return len(log.keys) }
	waitFor(t, "the batch ingested while listening", func() bool { return count() == len(during) })

	// Cut the follower's connection, store a batch while it is away.
	if _, err := pool.Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, store.FollowerApplicationName); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the follower to notice the lost connection", func() bool { return !f.Connected() })
	if _, _, err := store.IngestReadings(ctx, pool, down); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the catch-up after reconnecting", func() bool { return count() == len(during)+len(down) })
	// The follower reports itself connected once its catch-up is done,
	// which is just after the readings were applied.
	waitFor(t, "the follower to report itself connected after catching up", f.Connected)

	log.mu.Lock()
	for _, part := range [][]model.Reading{during, down} {
		for i := range part {
			c, _ := part[i].Canonical()
			if n := log.keys[model.KeyOf(&c)]; n != 1 {
				t.Errorf("reading %s %s %s applied %d times", c.Station, c.Time, c.Parameter, n)
			}
		}
	}
	for i := range before {
		c, _ := before[i].Canonical()
		if log.keys[model.KeyOf(&c)] != 0 {
			t.Errorf("reading %s %s %s from before the mark was applied", c.Station, c.Time, c.Parameter)
		}
	}
	log.mu.Unlock()
	if hw, _ := store.ReadingsHighWater(ctx, pool); f.HighWater() != hw.Seq {
		t.Errorf("follower at seq %d, database at %d", f.HighWater(), hw)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}
