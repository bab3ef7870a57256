package hotspot

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
)

// scanWorld is E-T2's setting: 25 townships on a jittered 5×5 grid 3 km
// apart and 30 days, 300 background cases spread uniformly, and optionally
// 30 cases injected in two neighbouring townships (the centre one and its
// nearest neighbour) over days 20–22.
type scanWorld struct {
	units    []Unit
	steps    int
	cases    []Case
	injected map[[2]int]bool
}

func newScanWorld(seed uint64, inject bool) scanWorld {
	rng := rand.New(rand.NewPCG(seed, 99))
	w := scanWorld{steps: 30, injected: map[[2]int]bool{}}
	for r := range 5 {
		for c := range 5 {
			w.units = append(w.units, Unit{X: float64(c)*3000 + rng.Float64()*600, Y: float64(r)*3000 + rng.Float64()*600})
		}
	}
	for range 300 {
		w.cases = append(w.cases, Case{Unit: rng.IntN(25), Step: rng.IntN(w.steps)})
	}
	if inject {
		pair := []int{12, buildCircles(w.units, 2)[12].units[1]}
		for i := range 30 {
			u := pair[i%2]
			d := 20 + (i/2)%3
			w.cases = append(w.cases, Case{Unit: u, Step: d})
			w.injected[[2]int{u, d}] = true
		}
	}
	return w
}

// jaccard compares the cluster's unit×step cells with the injected ones.
func (w scanWorld) jaccard(c Cluster) float64 {
	inter, union := 0, len(w.injected)
	for _, u := range c.Units {
		for d := c.FromStep; d <= c.ToStep; d++ {
			if w.injected[[2]int{u, d}] {
				inter++
			} else {
				union++
			}
		}
	}
	return float64(inter) / float64(union)
}

// scanRates runs the scan on runs seeded worlds and returns the share of
// injected runs recovered (p ≤ 0.01 and Jaccard ≥ 0.6) and the share of
// null runs with p ≤ 0.05.
func scanRates(t testing.TB, runs int, opt ScanOptions) (recovered, falseAlarm float64) {
	hit, alarm := 0, 0
	for r := range runs {
		opt.Seed = uint64(1000 + r)
		w := newScanWorld(uint64(r), true)
		res, err := Scan(context.Background(), w.units, w.steps, w.cases, opt)
		if err != nil {
			t.Fatal(err)
		}
		if top := res.Clusters[0]; top.P <= 0.01 && w.jaccard(top) >= 0.6 {
			hit++
		}
		w = newScanWorld(uint64(5000+r), false)
		res, err = Scan(context.Background(), w.units, w.steps, w.cases, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Clusters) > 0 && res.Clusters[0].P <= 0.05 {
			alarm++
		}
	}
	return float64(hit) / float64(runs), float64(alarm) / float64(runs)
}

// TestScanSample is the CI sample of E-T2: 12 seeded runs of each kind
// with 99 replicates (the fewest that can give p = 0.01), cylinders of at
// most 5 townships and 5 days to keep it fast. The full rates (200 runs,
// 999 replicates, SaTScan's half of the units, a week) are
// BenchmarkScanRates'.
func TestScanSample(t *testing.T) {
	rec, fa := scanRates(t, 12, ScanOptions{MaxUnitsShare: 0.2, MaxSteps: 5, Replicates: 99})
	t.Logf("recovered %.3f, null p ≤ 0.05 in %.3f", rec, fa)
	if rec < 0.9 {
		t.Errorf("injected cluster recovered in %.0f%% of runs, want ≥ 90%%", rec*100)
	}
	if fa > 0.07 {
		t.Errorf("null data gave p ≤ 0.05 in %.0f%% of runs, want ≤ 7%%", fa*100)
	}
}

func TestScanRejects(t *testing.T) {
	w := newScanWorld(1, false)
	if _, err := Scan(context.Background(), w.units[:2], w.steps, nil, DefaultScan()); !errors.Is(err, ErrTooFew) {
		t.Fatalf("two units: %v", err)
	}
	if _, err := Scan(context.Background(), w.units, w.steps, []Case{{Unit: 30, Step: 0}}, DefaultScan()); err == nil {
		t.Fatal("a case outside the units was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, w.units, w.steps, w.cases, DefaultScan()); err == nil {
		t.Fatal("a cancelled scan ran to the end")
	}
}

// BenchmarkScanRates measures E-T2's rates: 200 seeded runs, 999
// replicates each, against the 90% and 7% targets.
func BenchmarkScanRates(b *testing.B) {
	var rec, fa float64
	for b.Loop() {
		rec, fa = scanRates(b, 200, ScanOptions{MaxUnitsShare: 0.5, MaxSteps: 7, Replicates: 999})
	}
	b.ReportMetric(rec, "recovered_share")
	b.ReportMetric(fa, "null_alarm_share")
	b.Logf("200 runs × 999 replicates: injected cluster recovered in %.1f%% (target ≥ 90%%), null p ≤ 0.05 in %.1f%% (target ≤ 7%%)", rec*100, fa*100)
}
