package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/airpermit"
)

// heldAir is what an air-permit follower has applied: the data it
// started from, extended by every delta, as a replica holds it.
type heldAir struct {
	mu     sync.Mutex
	d      *airpermit.Data
	deltas int
}

func (h *heldAir) apply(_ context.Context, delta *airpermit.Data) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.d = h.d.Extend(delta)
	h.deltas++
	return nil
}

func (h *heldAir) get() *airpermit.Data {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.d
}

// TestAirPermitFollowerAppliesAndCatchesUp follows the air-permit tables
// from the mark LoadAirPermits returns: the declarations imported while
// it listens arrive by notification, CEMS records, rainy hours and a
// changed emission factor imported while its connection is down arrive
// when it reconnects, and what it then holds is what a fresh load reads,
// row for row and finding for finding (nothing applied twice, nothing
// from before the mark applied again).
func TestAirPermitFollowerAppliesAndCatchesUp(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sample, err := airpermit.ReadDir(filepath.Join("..", "tracing", "airpermit", "testdata", "sample"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sample.Permits) == 0 || len(sample.Declarations) == 0 {
		t.Fatal("the hand-written sample has no permits or declarations")
	}
	if _, err := store.ImportAirPermits(ctx, pool, &airpermit.Data{Permits: sample.Permits}); err != nil {
		t.Fatal(err)
	}
	start, high, err := store.LoadAirPermits(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if high == 0 || len(start.Permits) != len(sample.Permits) {
		t.Fatalf("loaded %d permits at mark %d, want %d above 0", len(start.Permits), high, len(sample.Permits))
	}
	held := &heldAir{d: start}
	f := store.NewAirPermitFollower(pool, high, held.apply)
	f.Retry = time.Second
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	waitFor(t, "the follower to connect", f.Connected)

	if _, err := store.ImportAirPermits(ctx, pool, &airpermit.Data{Declarations: sample.Declarations}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the declarations imported while listening", func() bool { return len(held.get().Declarations) == len(sample.Declarations) })

	if _, err := pool.Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, store.FollowerApplicationName); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the follower to notice the lost connection", func() bool { return !f.Connected() })
	tw := time.FixedZone("+08", 8*3600)
	var cems []airpermit.CEMSRecord
	for k := range 8 {
		cems = append(cems, airpermit.CEMSRecord{Facility: "E0001", Stack: "P001", Time: time.Date(2024, 5, 6, 0, 15*k, 0, 0, tw),
			Parameter: "SO2", Value: 120 + float64(k), Unit: "mg/Nm3", Status: airpermit.Normal, Dry: true, O2Ref: 6})
	}
	factors, err := airpermit.FactorsWith([]airpermit.FactorEntry{{Fuel: "重油", BaseUnit: "m³", Pollutant: "SO2",
		Factor: airpermit.Factor{KgPerBase: 20, PerSulphurPct: true, Source: "a bureau's table (test)"}}})
	if err != nil {
		t.Fatal(err)
	}
	rain := map[int64]bool{time.Date(2024, 5, 7, 14, 0, 0, 0, tw).Unix(): true}
	st, err := store.ImportAirPermits(ctx, pool, &airpermit.Data{CEMS: cems, Rain: rain, Factors: factors})
	if err != nil {
		t.Fatal(err)
	}
	if st.CEMS != len(cems) || st.RainyHours != 1 || st.Factors != 1 {
		t.Fatalf("imported %+v while the follower was away", st)
	}
	waitFor(t, "the catch-up after reconnecting", func() bool { return len(held.get().CEMS) == len(cems) })
	if !f.Connected() {
		t.Error("caught up but not connected")
	}
	fresh, freshHigh, err := store.LoadAirPermits(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	got := held.get()
	for name, pair := range map[string][2]any{
		"permits": {got.Permits, fresh.Permits}, "declarations": {got.Declarations, fresh.Declarations},
		"CEMS records": {got.CEMS, fresh.CEMS}, "rainy hours": {got.Rain, fresh.Rain},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("the follower holds other %s than a fresh load:\n%v\n%v", name, pair[0], pair[1])
		}
	}
	fc, _, _ := got.Factors.Lookup("重油", "SO2", 1)
	if fc.Source != "a bureau's table (test)" {
		t.Errorf("the follower's factor table cites %q for residual-oil SO2, want the bureau's", fc.Source)
	}
	if a, b := airpermit.Check(got), airpermit.Check(fresh); !reflect.DeepEqual(a, b) {
		t.Errorf("the permit checks over what the follower holds differ from those over a fresh load:\n%+v\n%+v", a, b)
	}
	if f.HighWater() != freshHigh {
		t.Errorf("follower at seq %d, database at %d", f.HighWater(), freshHigh)
	}

	// A second import of the same rows adds nothing and changes nothing.
	held.mu.Lock()
	before := held.deltas
	held.mu.Unlock()
	if st, err := store.ImportAirPermits(ctx, pool, &airpermit.Data{CEMS: cems, Rain: rain, Factors: factors}); err != nil || st != (store.AirPermitStats{}) {
		t.Fatalf("re-import: %+v, %v", st, err)
	}
	time.Sleep(300 * time.Millisecond)
	if len(held.get().CEMS) != len(cems) {
		t.Errorf("a re-import made the follower hold %d CEMS records, want %d", len(held.get().CEMS), len(cems))
	}
	held.mu.Lock()
	if held.deltas != before {
		t.Errorf("a re-import that stored nothing was applied %d more times", held.deltas-before)
	}
	held.mu.Unlock()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}

// TestIngestCEMS stores posted CEMS batches whole or not at all: a new
// batch is stored and notified (the follower's mark moves), the same batch
// again counts as duplicates, a batch with one conflicting record or one
// stack without a permit stores nothing and says which line.
func TestIngestCEMS(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	sample, err := airpermit.ReadDir(filepath.Join("..", "tracing", "airpermit", "testdata", "sample"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ImportAirPermits(ctx, pool, &airpermit.Data{Permits: sample.Permits}); err != nil {
		t.Fatal(err)
	}
	_, high, err := store.LoadAirPermits(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	batch := func(rows string) *airpermit.CEMSBatch {
		t.Helper()
		b, err := airpermit.ReadCEMS("body", strings.NewReader("ems_no,stack_id,time,parameter,value,unit,status,basis,o2_ref_pct\n"+rows))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	count := func() int {
		var n int
		if err := pool.QueryRow(ctx, `select count(*) from cems_records`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	good := "E0001,P001,2024-05-06T00:00:00+08:00,SO2,120,mg/Nm3,10,dry,6\nE0001,P001,2024-05-06T00:00:00+08:00,O2,8,%vol,10,dry,\n"
	st, mark, err := store.IngestCEMS(ctx, pool, batch(good))
	if err != nil || st != (airpermit.CEMSStats{Received: 2, Inserted: 2}) || count() != 2 {
		t.Fatalf("a new batch: %+v, %v, %d stored", st, err, count())
	}
	fresh, after, err := store.LoadAirPermits(ctx, pool)
	if err != nil || after <= high || mark != after || len(fresh.CEMS) != 2 || fresh.CEMS[0].Value != 120 || fresh.CEMS[0].O2Ref != 6 {
		t.Fatalf("after the batch: mark %d (was %d), records %+v, %v", after, high, fresh.CEMS, err)
	}
	st, _, err = store.IngestCEMS(ctx, pool, batch(good))
	if err != nil || st != (airpermit.CEMSStats{Received: 2, Duplicates: 2}) || count() != 2 {
		t.Fatalf("the same batch again: %+v, %v, %d stored", st, err, count())
	}
	var ce *airpermit.ConflictError
	_, _, err = store.IngestCEMS(ctx, pool, batch("E0001,P001,2024-05-06T00:15:00+08:00,SO2,121,mg/Nm3,10,dry,6\nE0001,P001,2024-05-06T00:00:00+08:00,SO2,99,mg/Nm3,10,dry,6\n"))
	if !errors.As(err, &ce) || len(ce.Conflicts) != 1 || ce.Conflicts[0].Line != 3 || count() != 2 {
		t.Fatalf("a conflicting batch: %v, %d stored", err, count())
	}
	_, _, err = store.IngestCEMS(ctx, pool, batch("E0001,P001,2024-05-06T00:15:00+08:00,SO2,121,mg/Nm3,10,dry,6\nE0001,P404,2024-05-06T00:15:00+08:00,SO2,1,ppm,10,,\n"))
	if err == nil || !strings.Contains(err.Error(), "body:3: column stack_id") || count() != 2 {
		t.Fatalf("a stack without a permit: %v, %d stored", err, count())
	}
}

// TestAirPermitFollowerReadsOneSnapshot commits an import between the
// moment the air-permit follower reads its high-water mark and the moment
// it reads the rows: the rows read are those of the mark, nothing of the
// import (neither its rainy hour, which the mark bounds, nor its emission
// factor, which the rebuilt factor table would read whatever its seq), and
// the next read brings the import whole.
func TestAirPermitFollowerReadsOneSnapshot(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	factor := func(kg float64, source string) *airpermit.Factors {
		t.Helper()
		f, err := airpermit.FactorsWith([]airpermit.FactorEntry{{Fuel: "重油", BaseUnit: "m³", Pollutant: "SO2",
			Factor: airpermit.Factor{KgPerBase: kg, PerSulphurPct: true, Source: source}}})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	_, start, err := store.LoadAirPermits(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ImportAirPermits(ctx, pool, &airpermit.Data{Factors: factor(20, "first table")}); err != nil {
		t.Fatal(err)
	}
	_, mark, err := store.LoadAirPermits(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	tw := time.FixedZone("+08", 8*3600)
	hour := time.Date(2024, 5, 7, 14, 0, 0, 0, tw).Unix()
	d, high, err := store.AirPermitsSinceWith(ctx, pool, start, func() error {
		_, err := store.ImportAirPermits(ctx, pool, &airpermit.Data{Rain: map[int64]bool{hour: true}, Factors: factor(30, "second table")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if high != mark {
		t.Errorf("read up to seq %d, want the mark before the import, %d", high, mark)
	}
	if d.Factors == nil {
		t.Fatal("the first table's change was not read")
	}
	if f, _, _ := d.Factors.Lookup("重油", "SO2", 1); f.Source != "first table" {
		t.Errorf("the factor read cites %q, want the first table (the second committed after the mark)", f.Source)
	}
	if d.Rain[hour] {
		t.Error("the rainy hour committed after the mark was read")
	}
	d, next, err := store.AirPermitsSinceWith(ctx, pool, high, func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if f, _, _ := d.Factors.Lookup("重油", "SO2", 1); next <= high || !d.Rain[hour] || f.Source != "second table" {
		t.Errorf("the next read reached seq %d (from %d), rain %v, factor %q: want the import whole", next, high, d.Rain[hour], f.Source)
	}
}
