package adf

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// synthSensors scatters n sensors uniformly over a side×side km square in
// southern Taiwan (seeded).
func synthSensors(n int, sideKm float64, seed uint64) []sensor.Sensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]sensor.Sensor, n)
	for i := range out {
		p := model.Point{X: 170000 + rng.Float64()*sideKm*1000, Y: 2480000 + rng.Float64()*sideKm*1000}
		lon, lat := p.LonLat()
		out[i] = sensor.Sensor{ID: fmt.Sprintf("S%05d", i), Point: p, Lon: lon, Lat: lat, Kind: sensor.KindAirBox}
	}
	return out
}

// bruteNeighbours is the course's method: every pair, decided by the same
// rule as the indexed search, so the two differ only in how candidates are
// found.
func bruteNeighbours(ss []sensor.Sensor, p Params) [][]int {
	out := make([][]int, len(ss))
	for i := range ss {
		for j := i + 1; j < len(ss); j++ {
			if within(ss[i], ss[j], p) {
				out[i] = append(out[i], j)
				out[j] = append(out[j], i)
			}
		}
	}
	return out
}

// TestNeighboursMatchBruteForce checks the indexed search against every
// pair on 2,000 seeded sensors.
func TestNeighboursMatchBruteForce(t *testing.T) {
	ss := synthSensors(2000, 40, 7)
	p := Default()
	got, want := Neighbours(ss, p), bruteNeighbours(ss, p)
	total := 0
	for i := range ss {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("sensor %d: index %v, brute force %v", i, got[i], want[i])
		}
		total += len(got[i])
	}
	if total == 0 {
		t.Fatal("no neighbours at all: the sample is too sparse to test anything")
	}
}

// BenchmarkNeighbours20k is A-T3: the neighbour search over 20,000
// sensors (≈ 2 per km²) with the R-tree, against the all-pairs baseline
// measured in the same run.
func BenchmarkNeighbours20k(b *testing.B) {
	ss := synthSensors(20000, 100, 11)
	p := Default()
	start := time.Now()
	want := bruteNeighbours(ss, p)
	brute := time.Since(start)
	var got [][]int
	for b.Loop() {
		got = Neighbours(ss, p)
	}
	pairs := 0
	for i := range got {
		if !slices.Equal(got[i], want[i]) {
			b.Fatalf("sensor %d differs from brute force", i)
		}
		pairs += len(got[i])
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(brute)/float64(per), "x_vs_brute")
	b.ReportMetric(float64(pairs)/float64(len(ss)), "neighbours/sensor")
	b.Logf("20,000 sensors: index %v, brute force %v (%.1f×), %d neighbour pairs", per, brute, float64(brute)/float64(per), pairs/2)
}

// BenchmarkRun20kDay is the whole screen on 20,000 sensors × 288 slices
// (one day of 5-minute readings), reporting slices per second.
func BenchmarkRun20kDay(b *testing.B) {
	ss := synthSensors(20000, 100, 11)
	rng := rand.New(rand.NewPCG(3, 4))
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, sensor.Taipei)
	d := &sensor.Data{Sensors: ss}
	for _, s := range ss {
		base := 10 + rng.Float64()*30
		for k := range 288 {
			d.Readings = append(d.Readings, sensor.Reading{Device: s.ID, Time: day.Add(time.Duration(k)*5*time.Minute + 17*time.Second),
				Parameter: "PM2.5", Value: base + rng.NormFloat64()*3, Unit: "µg/m³"})
		}
	}
	var res *Result
	for b.Loop() {
		var err error
		if res, err = Run(context.Background(), d, day, day.Add(24*time.Hour), Default()); err != nil {
			b.Fatal(err)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(len(d.Readings))/per.Seconds(), "slices/s")
	b.ReportMetric(float64(len(res.Devices)), "devices")
}
