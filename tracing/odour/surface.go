package odour

import (
	"context"
	"math"
	"runtime"
	"sort"
	"sync"
)

// maxCells bounds the likelihood surface; the cell grows beyond CellM when
// the petitions and candidates spread wide (a 20 km square keeps 100 m).
const maxCells = 40_000

// surfaceMargin extends the surface beyond the petitions and candidates.
const surfaceMargin = 2000.0

// plateauShare is the share of the maximum within which cells tie.
const plateauShare = 0.99

// maxShownCells bounds the cells a result carries for a map; blocks of
// grid cells are merged (their maximum kept) to stay within it.
const maxShownCells = 2_500

// shownShare is the share of the maximum below which cells are left out
// of a result: they explain almost nothing.
const shownShare = 0.05

type surface struct {
	max   *SurfaceMax
	cells []SurfaceCell
	at    map[string]float64 // the surface at each candidate
	rank  map[string]int
}

// surface evaluates S(x) = Σ_i plume_i(x), the number of petitions a
// source of reference strength at x would explain, on a grid covering the
// petitions and candidates with a 2 km margin. Its maximum is the cell of
// largest S; when cells tie within 1 % (parallel footprints of petitions
// on one side of a source make a ridge), the tied cell nearest the
// S-weighted centre of the tied cells is taken.
func (e *Engine) surface(ctx context.Context, ps []*pet, sites []*site) (surface, error) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	ext := func(x, y float64) {
		minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x), math.Max(maxY, y)
	}
	for _, p := range ps {
		ext(p.x, p.y)
	}
	for _, s := range sites {
		ext(s.x, s.y)
	}
	minX, minY, maxX, maxY = minX-surfaceMargin, minY-surfaceMargin, maxX+surfaceMargin, maxY+surfaceMargin
	cell := e.opt.CellM
	for (maxX-minX)/cell*(maxY-minY)/cell > maxCells {
		cell *= 1.5
	}
	nx, ny := int(math.Ceil((maxX-minX)/cell)), int(math.Ceil((maxY-minY)/cell))
	vals := make([]float64, nx*ny)
	if err := e.fill(ctx, ps, vals, nx, ny, minX, minY, cell); err != nil {
		return surface{}, err
	}
	best := 0.0
	for _, v := range vals {
		best = math.Max(best, v)
	}
	var cx, cy, w float64
	for j := range ny {
		for i := range nx {
			if v := vals[j*nx+i]; v >= plateauShare*best {
				cx += v * (minX + (float64(i)+0.5)*cell)
				cy += v * (minY + (float64(j)+0.5)*cell)
				w += v
			}
		}
	}
	if w > 0 {
		cx, cy = cx/w, cy/w
	} else { // no petition is explained anywhere: report the centre
		cx, cy = (minX+maxX)/2, (minY+maxY)/2
	}
	bx, by, bd := cx, cy, math.Inf(1)
	for j := range ny {
		for i := range nx {
			x, y := minX+(float64(i)+0.5)*cell, minY+(float64(j)+0.5)*cell
			if vals[j*nx+i] >= plateauShare*best {
				if d := math.Hypot(x-cx, y-cy); d < bd {
					bx, by, bd = x, y, d
				}
			}
		}
	}
	out := surface{at: map[string]float64{}, rank: map[string]int{}}
	lon, lat := e.grid.Inverse(bx, by)
	out.max = &SurfaceMax{Lon: round(lon, 6), Lat: round(lat, 6), Value: round(best, 3), DistanceM: math.Inf(1), CellM: math.Round(cell)}
	ids := make([]string, 0, len(sites))
	for _, s := range sites {
		var v float64
		for _, p := range ps {
			v += e.couple(p, s.x, s.y).ratio
		}
		out.at[s.f.EmsNo] = v
		ids = append(ids, s.f.EmsNo)
		if d := math.Hypot(s.x-bx, s.y-by); d < out.max.DistanceM {
			out.max.NearestFacilityID, out.max.DistanceM = s.f.EmsNo, d
		}
	}
	out.max.DistanceM = math.Round(out.max.DistanceM)
	out.cells, out.max.SurfaceCellM = e.shownCells(vals, nx, ny, minX, minY, cell, best)
	sort.SliceStable(ids, func(i, j int) bool { return out.at[ids[i]] > out.at[ids[j]] })
	for i, id := range ids {
		out.rank[id] = i + 1
	}
	return out, nil
}

// fill evaluates the surface row by row on every core.
func (e *Engine) fill(ctx context.Context, ps []*pet, vals []float64, nx, ny int, minX, minY, cell float64) error {
	rows := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range rows {
				y := minY + (float64(j)+0.5)*cell
				for i := range nx {
					x := minX + (float64(i)+0.5)*cell
					var v float64
					for _, p := range ps {
						v += e.couple(p, x, y).ratio
					}
					vals[j*nx+i] = v
				}
			}
		}()
	}
	var err error
	for j := range ny {
		if err = ctx.Err(); err != nil {
			break
		}
		rows <- j
	}
	close(rows)
	wg.Wait()
	return err
}

// shownCells merges the grid into blocks of k×k cells (k the smallest that
// keeps at most maxShownCells blocks), keeps each block's maximum and
// returns the blocks at or above shownShare of the surface maximum, in
// lon/lat, for a map to colour, with the blocks' size in metres.
func (e *Engine) shownCells(vals []float64, nx, ny int, minX, minY, cell, best float64) ([]SurfaceCell, float64) {
	if best <= 0 {
		return []SurfaceCell{}, math.Round(cell)
	}
	k := 1
	for ((nx+k-1)/k)*((ny+k-1)/k) > maxShownCells {
		k++
	}
	out := []SurfaceCell{}
	size := cell * float64(k)
	for bj := 0; bj*k < ny; bj++ {
		for bi := 0; bi*k < nx; bi++ {
			v := 0.0
			for j := bj * k; j < min((bj+1)*k, ny); j++ {
				for i := bi * k; i < min((bi+1)*k, nx); i++ {
					v = math.Max(v, vals[j*nx+i])
				}
			}
			if v < shownShare*best {
				continue
			}
			lon, lat := e.grid.Inverse(minX+(float64(bi)+0.5)*size, minY+(float64(bj)+0.5)*size)
			out = append(out, SurfaceCell{Lon: round(lon, 6), Lat: round(lat, 6), Value: round(v, 3)})
		}
	}
	return out, math.Round(size)
}
