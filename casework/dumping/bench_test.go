package dumping_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/spatial"
)

// A national-scale parcel layer: a 1000 × 1000 tessellation of 100 m
// cells whose shared vertices are jittered by up to 30 m, so parcels are
// irregular quadrilaterals that share their edges exactly, as a cadastre's
// do. 1M parcels over 100 km × 100 km of TWD97 / TM2.
var bench1M struct {
	once   sync.Once
	land   *dumping.Land
	rt     *dumping.Router
	bounds []orb.Bound
	build  time.Duration
}

func benchLand(b *testing.B) (*dumping.Router, []orb.Bound) {
	bench1M.once.Do(func() {
		const n, cell, x0, y0 = 1000, 100.0, 170000.0, 2600000.0
		r := rand.New(rand.NewPCG(1, 14))
		vx := make([]orb.Point, (n+1)*(n+1))
		for j := 0; j <= n; j++ {
			for i := 0; i <= n; i++ {
				p := orb.Point{x0 + float64(i)*cell, y0 + float64(j)*cell}
				if i > 0 && i < n && j > 0 && j < n {
					p[0] += (r.Float64() - 0.5) * 60
					p[1] += (r.Float64() - 0.5) * 60
				}
				vx[j*(n+1)+i] = p
			}
		}
		managers := []string{"npa-central", "fanca-taichung", "wra-river3", "taisugar-central", dumping.RolePrivate, dumping.RoleTownship, dumping.RoleCounty}
		land := centralLand(b)
		land.Parcels = make([]dumping.Parcel, 0, n*n)
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				v := func(di, dj int) orb.Point { return vx[(j+dj)*(n+1)+i+di] }
				ring := orb.Ring{v(0, 0), v(1, 0), v(1, 1), v(0, 1), v(0, 0)}
				land.Parcels = append(land.Parcels, dumping.Parcel{ID: fmt.Sprintf("Q%07d", j*n+i), Manager: managers[r.IntN(len(managers))], Geometry: orb.Polygon{ring}})
			}
		}
		start := time.Now()
		rt, err := dumping.NewRouter(land, 0)
		if err != nil {
			panic(err)
		}
		bench1M.build = time.Since(start)
		bench1M.land, bench1M.rt = land, rt
		bench1M.bounds = make([]orb.Bound, len(land.Parcels))
		for i, p := range land.Parcels {
			bench1M.bounds[i] = p.Geometry.Bound()
		}
	})
	b.Logf("1M parcels: router built in %v", bench1M.build)
	return bench1M.rt, bench1M.bounds
}

func benchPoints(k int) []orb.Point {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([]orb.Point, k)
	for i := range out {
		out[i] = orb.Point{170000 + r.Float64()*100000, 2600000 + r.Float64()*100000}
	}
	return out
}

// bruteRoute is the baseline: every parcel's box, then the exact test and
// the boundary distance, no index.
func bruteRoute(land *dumping.Land, bounds []orb.Bound, p orb.Point, within float64) int {
	hits := 0
	for i, b := range bounds {
		if b.Pad(within).Contains(p) && spatial.DistanceToPolygon(land.Parcels[i].Geometry, p) <= within {
			hits++
		}
	}
	return hits
}

// BenchmarkRoute1M routes reports over 1M parcels (target ≤ 50 µs a
// report) and prints the ratio to a brute-force scan measured in the same
// run, and the mean number of candidates per answer.
func BenchmarkRoute1M(b *testing.B) {
	rt, bounds := benchLand(b)
	qs := benchPoints(1 << 14)
	// Baseline: brute force over all parcels for a few queries.
	const nBrute = 20
	start := time.Now()
	for _, p := range qs[:nBrute] {
		bruteRoute(bench1M.land, bounds, p, rt.BoundaryM())
	}
	brute := time.Since(start) / nBrute
	b.ResetTimer()
	cands := 0
	for i := 0; b.Loop(); i++ {
		d := rt.Route(qs[i%len(qs)])
		cands += len(d.Candidates)
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per.Nanoseconds())/1000, "µs/report")
	b.ReportMetric(float64(brute)/float64(per), "x-vs-brute")
	b.ReportMetric(float64(cands)/float64(b.N), "candidates/report")
	b.Logf("route %v a report, brute force %v (%.0f× faster), target ≤ 50 µs", per, brute, float64(brute)/float64(per))
}
