package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

func allLoc(t testing.TB) *sensor.Data {
	t.Helper()
	d, err := sensor.ReadCivilIoTFile(realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSensorReadingsPartitioned stores 30,000 readings of the course file
// through COPY into the month-partitioned table, reads them back
// unchanged, and stores them again as duplicates only. (The throughput of
// the whole path is BenchmarkSensorIngestCOPY's.)
func TestSensorReadingsPartitioned(t *testing.T) {
	ctx := context.Background()
	pool := migrated(t, postgis.Options{})
	full := allLoc(t)
	d := &sensor.Data{Sensors: full.Sensors, Readings: full.Readings[:30000]}
	in, dup, err := store.IngestSensorReadings(ctx, pool, d)
	if err != nil {
		t.Fatal(err)
	}
	if in != len(d.Readings) || dup != 0 {
		t.Fatalf("inserted %d, duplicates %d; want %d, 0", in, dup, len(d.Readings))
	}
	var parts int
	if err := pool.QueryRow(ctx, `select count(*) from pg_inherits where inhparent = 'sensor_readings'::regclass`).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	if parts != 1 { // all of October 2022
		t.Fatalf("%d partitions, want 1", parts)
	}
	var direct int
	if err := pool.QueryRow(ctx, `select count(*) from sensor_readings_202210`).Scan(&direct); err != nil || direct != len(d.Readings) {
		t.Fatalf("the October partition holds %d rows (%v)", direct, err)
	}
	back, err := store.LoadSensorReadings(ctx, pool, time.Date(2022, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Sensors) != 20 || len(back.Readings) != len(d.Readings) {
		t.Fatalf("read back %d sensors, %d readings", len(back.Sensors), len(back.Readings))
	}
	for i, r := range d.Readings {
		b := back.Readings[i]
		if r.Device != b.Device || !r.Time.Equal(b.Time) || r.Parameter != b.Parameter || r.Value != b.Value || r.Unit != b.Unit {
			t.Fatalf("reading %d: %+v came back as %+v", i, r, b)
		}
	}
	in, dup, err = store.IngestSensorReadings(ctx, pool, d)
	if err != nil || in != 0 || dup != len(d.Readings) {
		t.Fatalf("second ingest: %d new, %d duplicates, %v", in, dup, err)
	}
}

// TestSensorReadingsUnknownDevice: a reading of a device the store does not
// hold fails the whole call and writes nothing.
func TestSensorReadingsUnknownDevice(t *testing.T) {
	ctx := context.Background()
	pool := migrated(t, postgis.Options{})
	d := &sensor.Data{Readings: []sensor.Reading{{Device: "GHOST", Time: time.Now(), Parameter: "PM2.5", Value: 1, Unit: "µg/m³"}}}
	if _, _, err := store.IngestSensorReadings(ctx, pool, d); err == nil {
		t.Fatal("a reading of an unknown device was stored")
	}
	var n int
	pool.QueryRow(ctx, `select count(*) from sensor_readings`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d readings stored after a failed call", n)
	}
}

func synthReadings(n, devices int) *sensor.Data {
	rng := rand.New(rand.NewPCG(1, 2))
	d := &sensor.Data{}
	for i := range devices {
		p := model.FromLonLat(120.2+rng.Float64()*0.3, 22.5+rng.Float64()*0.3)
		lon, lat := p.LonLat()
		d.Sensors = append(d.Sensors, sensor.Sensor{ID: fmt.Sprintf("B%04d", i), Point: p, Lon: lon, Lat: lat, Kind: sensor.KindAirBox})
	}
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, sensor.Taipei)
	for k := range n {
		d.Readings = append(d.Readings, sensor.Reading{Device: d.Sensors[k%devices].ID, Time: start.Add(time.Duration(k/devices) * 5 * time.Minute),
			Parameter: "PM2.5", Value: 10 + rng.Float64()*40, Unit: "µg/m³"})
	}
	return d
}

// BenchmarkSensorIngestCOPY measures readings per second through
// IngestSensorReadings (COPY into staging, one INSERT … SELECT), against
// row-by-row INSERTs of the same readings measured in the same run; the
// target is ≥ 50,000 readings/s.
func BenchmarkSensorIngestCOPY(b *testing.B) {
	ctx := context.Background()
	pool := migrated(b, postgis.Options{})
	d := synthReadings(100_000, 500)
	if _, _, err := store.IngestSensorReadings(ctx, pool, &sensor.Data{Sensors: d.Sensors}); err != nil {
		b.Fatal(err)
	}
	// Baseline: 10,000 readings, one INSERT each, in one transaction.
	base := d.Readings[:10_000]
	start := time.Now()
	tx, err := pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := store.IngestSensorReadings(ctx, pool, &sensor.Data{Readings: base[:1]}); err != nil { // creates the partition
		b.Fatal(err)
	}
	for _, r := range base[1:] {
		if _, err := tx.Exec(ctx, `insert into sensor_readings (device_id, time, parameter, value, unit) values ($1, $2, $3, $4, $5) on conflict do nothing`,
			r.Device, r.Time, r.Parameter, r.Value, r.Unit); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	rowRate := float64(len(base)) / time.Since(start).Seconds()
	if _, err := pool.Exec(ctx, `truncate sensor_readings`); err != nil {
		b.Fatal(err)
	}
	var copyRate float64
	for b.Loop() {
		b.StopTimer()
		if _, err := pool.Exec(ctx, `truncate sensor_readings`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		in, _, err := store.IngestSensorReadings(ctx, pool, &sensor.Data{Readings: d.Readings})
		if err != nil || in != len(d.Readings) {
			b.Fatalf("%d stored: %v", in, err)
		}
		copyRate = float64(in) / time.Since(t0).Seconds()
	}
	b.ReportMetric(copyRate, "readings/s")
	b.ReportMetric(copyRate/rowRate, "x_vs_row_inserts")
	b.Logf("COPY %.0f readings/s (100,000 a call), row-by-row INSERT %.0f readings/s: %.1f×", copyRate, rowRate, copyRate/rowRate)
}
