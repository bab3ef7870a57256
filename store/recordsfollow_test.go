package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/model"
)

// heldRecords is what a records follower has applied: the dataset it
// started from, merged with every change, as a replica holds it.
type heldRecords struct {
	mu      sync.Mutex
	ds      *model.Dataset
	applied int
}

func (h *heldRecords) apply(_ context.Context, changed *model.Dataset) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	ds, err := h.ds.WithRecords(changed)
	if err != nil {
		return err
	}
	h.ds = ds
	h.applied++
	return nil
}

func (h *heldRecords) get() (*model.Dataset, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ds, h.applied
}

// centralRecords reads the central fixture's records, without readings.
func centralRecords(t *testing.T) *model.Dataset {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	ds, err := model.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ds.SetReadings(nil)
	ds.Effluent = nil
	return ds
}

// TestRecordsFollowerAppliesAndCatchesUp follows the record tables from
// the mark read before loading: a facility renamed and a station added
// while it listens arrive by notification, a new facility with its
// outfall, permit and limit and a changed permit stored while its
// connection is down arrive when it reconnects, each import as one
// change. Afterwards the follower holds, record for record and in the
// same order, what a fresh load reads, and a re-import that stores
// nothing is not applied.
func TestRecordsFollowerAppliesAndCatchesUp(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ds := centralRecords(t)
	if err := store.ImportDataset(ctx, pool, ds, nil); err != nil {
		t.Fatal(err)
	}
	mark, err := store.RecordsHighWater(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	start, err := store.LoadDataset(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	held := &heldRecords{ds: start}
	f := store.NewRecordsFollower(pool, mark, held.apply)
	f.Retry = time.Second
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	waitFor(t, "the follower to connect", f.Connected)

	renamed := ds.Facilities[0]
	renamed.Name += "（更名）"
	st := ds.Stations[0]
	st.ID, st.Name = "WQ-FOLLOW", "new station"
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Facilities: []model.Facility{renamed}, Stations: []model.Station{st}}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the import while listening", func() bool { d, _ := held.get(); _, ok := d.Station("WQ-FOLLOW"); return ok })
	if d, n := held.get(); n != 1 {
		t.Errorf("one import applied as %d changes", n)
	} else if f, _ := d.Facility(renamed.EmsNo); f.Name != renamed.Name {
		t.Errorf("facility %s is named %q, want %q", renamed.EmsNo, f.Name, renamed.Name)
	}

	if _, err := pool.Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, store.FollowerApplicationName); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the follower to notice the lost connection", func() bool { return !f.Connected() })
	fac := ds.Facilities[1]
	fac.EmsNo, fac.Name = "F-FOLLOW", "new plant"
	out := ds.Outfalls[0]
	out.Facility = fac.EmsNo
	pm := ds.Permits[0]
	pm.PerNo, pm.Facility = "P-FOLLOW", fac.EmsNo
	lim := ds.Limits[0]
	lim.Permit, lim.Outfall = pm.PerNo, out.ID
	wider := ds.Permits[1]
	wider.MaxDailyM3 *= 2
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Facilities: []model.Facility{fac}, Outfalls: []model.Outfall{out},
		Permits: []model.Permit{pm, wider}, Limits: []model.PermitLimit{lim}}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the catch-up after reconnecting", func() bool { _, n := held.get(); return n == 2 })
	got, _ := held.get()
	if len(got.OutfallsOf("F-FOLLOW")) != 1 || len(got.LimitsOf("P-FOLLOW")) != 1 {
		t.Errorf("the new facility arrived with %d outfalls and its permit with %d limits, want 1 and 1",
			len(got.OutfallsOf("F-FOLLOW")), len(got.LimitsOf("P-FOLLOW")))
	}

	// Nothing changes: no notification, nothing applied; the next change
	// is applied alone.
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Facilities: []model.Facility{renamed}, Stations: []model.Station{st}}, nil); err != nil {
		t.Fatal(err)
	}
	renamed.Note = "checked"
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Facilities: []model.Facility{renamed}}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the note", func() bool { d, _ := held.get(); f, _ := d.Facility(renamed.EmsNo); return f.Note == "checked" })
	got, n := held.get()
	if n != 3 {
		t.Errorf("%d changes applied, want 3 (the re-import of identical records is none)", n)
	}
	fresh, err := store.LoadDataset(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name      string
		got, want any
	}{{"facilities", got.Facilities, fresh.Facilities}, {"outfalls", got.Outfalls, fresh.Outfalls}, {"permits", got.Permits, fresh.Permits},
		{"limits", got.Limits, fresh.Limits}, {"reports", got.Reports, fresh.Reports}, {"stations", got.Stations, fresh.Stations}} {
		if !reflect.DeepEqual(k.got, k.want) {
			t.Errorf("the follower's %s differ from a fresh load's", k.name)
		}
	}
	if hw, _ := store.RecordsHighWater(ctx, pool); f.HighWater() != hw {
		t.Errorf("follower at rev %d, database at %d", f.HighWater(), hw)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}

// TestFollowerAppliesCorrections re-imports readings with corrected
// values (they keep their seq): the readings follower hands the new
// values to its corrections, not as new readings, whether it listens or
// catches up after a lost connection.
func TestFollowerAppliesCorrections(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ds := realDataset(t)
	rs := ds.CurrentReadings()[:20]
	stations := &model.Dataset{Stations: ds.Stations}
	stations.SetReadings(rs)
	if err := store.ImportDataset(ctx, pool, stations, nil); err != nil {
		t.Fatal(err)
	}
	mark, err := store.ReadingsHighWater(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	added, corrected := &appliedLog{keys: map[model.ReadingKey]int{}}, &correctionLog{values: map[model.ReadingKey]float64{}}
	f := store.NewFollower(pool, mark, added.apply, corrected.apply)
	f.Retry = time.Second
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	waitFor(t, "the follower to connect", f.Connected)

	fix := func(r model.Reading) (model.Reading, model.ReadingKey) {
		c, _ := r.Canonical()
		c.Value *= 1.5
		return c, model.KeyOf(&c)
	}
	first, k1 := fix(rs[3])
	if err := store.ImportDataset(ctx, pool, readingsOnly([]model.Reading{first}), nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the correction while listening", func() bool { return corrected.get(k1) == first.Value })
	if _, err := pool.Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, store.FollowerApplicationName); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the follower to notice the lost connection", func() bool { return !f.Connected() })
	second, k2 := fix(rs[7])
	if err := store.ImportDataset(ctx, pool, readingsOnly([]model.Reading{second}), nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the correction after reconnecting", func() bool { return corrected.get(k2) == second.Value })
	added.mu.Lock()
	if len(added.keys) != 0 {
		t.Errorf("%d corrected readings applied as new readings", len(added.keys))
	}
	added.mu.Unlock()
	if f.HighWater() != mark.Seq {
		t.Errorf("corrections moved the seq mark from %d to %d", mark.Seq, f.HighWater())
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}

// correctionLog records the last corrected value of each reading.
type correctionLog struct {
	mu     sync.Mutex
	values map[model.ReadingKey]float64
}

func (l *correctionLog) apply(_ context.Context, rs []model.Reading) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range rs {
		l.values[model.KeyOf(&rs[i])] = rs[i].Value
	}
	return nil
}

func (l *correctionLog) get(k model.ReadingKey) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.values[k]
}
