// Package adf is the Anomaly Detection Framework for PM2.5 micro-sensor
// networks (Chen et al., "ADF: an Anomaly Detection Framework for
// Large-scale PM2.5 Sensing Systems", IEEE IoT J. 5(2):559–570, 2018) with
// the parameters the Civil IoT Taiwan course publishes (LearnCIOT §6.2):
//
//   - neighbours: sensors within 3 km, found with a spatial index in TWD97
//     metres and confirmed by the WGS84 geodesic distance;
//   - 5-minute slices: the mean of a device's readings in each slice
//     (slices start at multiples of 5 minutes); slices whose mean is below
//     0 are dropped;
//   - spatial anomaly: "indoor" when neighbour mean − value > the band
//     threshold of the device's own value (Thresholds), "emission" when
//     value − neighbour mean > it, both only with ≥ 2 neighbours reporting
//     in the slice;
//   - MD (malfunction detection, "indoor or next to a source"): the share
//     of flagged slices over the last 1, 7 and 14 days (rounded to three
//     decimals, set to 0 when ≤ 0.333), weighted 0.2/0.3/0.5 and compared
//     with MD_thresh = (8/24)·0.2 + (40/168)·0.3 + (80/336)·0.5 ≈ 0.2571;
//   - RED (real-time emission detection), the temporal anomaly: the
//     previous slice's value > 20 and the rise > a fifth of it;
//   - DR (device ranking): per device and Taiwan calendar day,
//     1 − anomalous slices / slices.
//
// The course computes neighbour distances with
// geodesic((A.lat, B.lon), (B.lat, B.lon)), a latitude-only distance;
// DistanceCourse reproduces it (and the course's published lists), the
// default DistanceGeodesic measures the true distance.
package adf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/spatial"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// Distance selects how neighbour distances are measured.
type Distance string

// The distance modes.
const (
	// DistanceGeodesic is the WGS84 geodesic between the two sensors.
	DistanceGeodesic Distance = "geodesic"
	// DistanceCourse is the course's latitude-only distance (the
	// meridian arc between the two latitudes), kept to reproduce its
	// published output.
	DistanceCourse Distance = "course"
)

// Params are the documented ADF parameters; Default returns the course's.
type Params struct {
	NeighbourM   float64       // neighbour radius, metres (3000)
	Slice        time.Duration // slice length (5 min)
	MinNeighbors int           // neighbours reporting in a slice (2)
	// Windows are the MD look-back windows in days (1, 7, 14) and
	// Weights their weights (0.2, 0.3, 0.5).
	Windows []int
	Weights []float64
	// MinShare: a window's share of flagged slices counts only above it
	// (0.333, the course's one third).
	MinShare float64
	// WorkHours are the hours a day a source is assumed to run in each
	// window (8, 40, 80), which set MD_thresh.
	WorkHours []float64
	// REDFloor and REDRise: RED needs the previous value > REDFloor (20
	// µg/m³) and a rise > previous × REDRise (0.2).
	REDFloor, REDRise float64
	Distance          Distance
	// Evidence bounds the flagged slices listed per device (the counts
	// are always complete).
	Evidence int
}

// Default returns the LearnCIOT §6.2 parameters with geodesic distances.
func Default() Params {
	return Params{NeighbourM: 3000, Slice: 5 * time.Minute, MinNeighbors: 2,
		Windows: []int{1, 7, 14}, Weights: []float64{0.2, 0.3, 0.5}, MinShare: 0.333,
		WorkHours: []float64{8, 40, 80}, REDFloor: 20, REDRise: 0.2, Distance: DistanceGeodesic, Evidence: 5}
}

// MDThreshold is Σ weight_w · work_hours_w / (24 · days_w): the share of
// slices a device next to a source running only in working hours would
// have flagged. With the default parameters it is 0.2571.
func (p Params) MDThreshold() float64 {
	t := 0.0
	for i, w := range p.weights() {
		t += p.WorkHours[i] / (24 * float64(p.Windows[i])) * w
	}
	return t
}

// weights returns the window weights the way the course writes them: the
// last is 1 minus the others (so 0.5 is computed as 1 − 0.2 − 0.3).
func (p Params) weights() []float64 {
	out := append([]float64(nil), p.Weights...)
	if n := len(out); n > 1 {
		last := 1.0
		for _, w := range out[:n-1] {
			last -= w
		}
		out[n-1] = last
	}
	return out
}

func (p Params) validate() error {
	switch {
	case p.NeighbourM <= 0 || p.Slice <= 0 || p.MinNeighbors < 1:
		return errors.New("adf: neighbour radius, slice and minimum neighbours must be positive")
	case len(p.Windows) == 0 || len(p.Windows) != len(p.Weights) || len(p.Windows) != len(p.WorkHours):
		return errors.New("adf: windows, weights and work hours must have the same, non-zero length")
	case p.Distance != DistanceGeodesic && p.Distance != DistanceCourse:
		return fmt.Errorf("adf: distance %q: want %q or %q", p.Distance, DistanceGeodesic, DistanceCourse)
	}
	return nil
}

// Threshold is the spatial-anomaly threshold for a device whose slice
// value is v (µg/m³), from the course's concentration-band table.
func Threshold(v float64) float64 {
	for _, b := range bands {
		if v < b.below {
			return b.thr
		}
	}
	return 91.5
}

// bands is the course's threshold table: below 12 → 6.6, below 24 → 6.6,
// 36 → 9.35, 42 → 13.5, 48 → 17, 54 → 23, 59 → 27.5, 65 → 33.5, 71 → 40.5,
// otherwise 91.5.
var bands = []struct{ below, thr float64 }{
	{12, 6.6}, {24, 6.6}, {36, 9.35}, {42, 13.5}, {48, 17.0}, {54, 23.0}, {59, 27.5}, {65, 33.5}, {71, 40.5},
}

// Neighbours returns, for each sensor, the indexes of the sensors within
// p.NeighbourM under p.Distance, in index order. The candidates come from
// an R-tree over the TWD97 positions (a box 1% wider than the radius, or a
// latitude band for the course's distance); see within for the decision.
func Neighbours(sensors []sensor.Sensor, p Params) [][]int {
	pts := make([]orb.Point, len(sensors))
	for i, s := range sensors {
		pts[i] = orb.Point{s.Point.X, s.Point.Y}
	}
	ix := spatial.NewPointIndex(pts)
	r := p.NeighbourM * 1.01
	out := make([][]int, len(sensors))
	for i, s := range sensors {
		b := orb.Bound{Min: orb.Point{s.Point.X - r, s.Point.Y - r}, Max: orb.Point{s.Point.X + r, s.Point.Y + r}}
		if p.Distance == DistanceCourse {
			b.Min[0], b.Max[0] = math.Inf(-1), math.Inf(1)
		}
		ix.Search(b, func(j int) bool {
			if j > i && within(s, sensors[j], p) {
				out[i] = append(out[i], j)
				out[j] = append(out[j], i)
			}
			return true
		})
	}
	for i := range out {
		sort.Ints(out[i])
	}
	return out
}

// planarBand is the relative difference between TWD97 / TM2 plane
// distances and geodesic distances that within trusts the plane for: the
// projection's scale error stays below 3·10⁻⁴ over Taiwan, so a planar
// distance more than 0.5% inside or outside the radius decides alone.
const planarBand = 0.005

// within decides whether two sensors are neighbours. For the geodesic
// distance the planar TWD97 distance decides pairs clearly inside or
// outside the radius and the ellipsoid decides the rest; the course's
// latitude-only distance is always computed on the ellipsoid.
func within(a, b sensor.Sensor, p Params) bool {
	if p.Distance == DistanceGeodesic {
		d := math.Hypot(a.Point.X-b.Point.X, a.Point.Y-b.Point.Y)
		switch {
		case d < p.NeighbourM*(1-planarBand):
			return true
		case d > p.NeighbourM*(1+planarBand):
			return false
		}
	}
	return distance(a, b, p.Distance) < p.NeighbourM
}

// distance is the neighbour distance between two sensors in metres.
func distance(a, b sensor.Sensor, mode Distance) float64 {
	if mode == DistanceCourse {
		return crs.GeodesicDistance(b.Lon, a.Lat, b.Lon, b.Lat)
	}
	return crs.GeodesicDistance(a.Lon, a.Lat, b.Lon, b.Lat)
}

// slice is one device's mean in one time slice.
type slice struct {
	at    int64 // slice start, Unix seconds
	value float64
	// neighbour mean and count, indoor/emission/red flags
	avg              float64
	n                int
	indoor, emission bool
	red              bool
	prev             float64
}

// Run screens the PM2.5 readings of d between from (inclusive) and to
// (exclusive). The MD windows end at to. Sensors without readings in the
// period are left out. It stops when ctx is done.
func Run(ctx context.Context, d *sensor.Data, from, to time.Time, p Params) (*Result, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, errors.New("adf: to must be after from")
	}
	series := sliceMeans(d, from, to, p.Slice)
	nb := Neighbours(d.Sensors, p)
	if err := flagSpatial(ctx, series, nb, p); err != nil {
		return nil, err
	}
	flagRED(series, p)
	return summarise(d, series, nb, to, p), nil
}

// sliceMeans averages each device's PM2.5 readings per slice, dropping slices
// whose mean is below 0. The sum is compensated so that the mean of a
// slice does not depend on reading order.
func sliceMeans(d *sensor.Data, from, to time.Time, step time.Duration) [][]slice {
	idx := map[string]int{}
	for i, s := range d.Sensors {
		idx[s.ID] = i
	}
	out := make([][]slice, len(d.Sensors))
	sec := int64(step / time.Second)
	var cur *slice
	var sum, n float64
	flush := func(dev int) {
		if cur != nil && n > 0 {
			cur.value = sum / n
			if cur.value >= 0 {
				out[dev] = append(out[dev], *cur)
			}
		}
		cur, sum, n = nil, 0, 0
	}
	last := -1
	for _, r := range d.Readings {
		if r.Parameter != "PM2.5" || r.Time.Before(from) || !r.Time.Before(to) {
			continue
		}
		dev, ok := idx[r.Device]
		if !ok {
			continue
		}
		at := floorDiv(r.Time.Unix(), sec) * sec
		if dev != last || cur == nil || cur.at != at {
			if last >= 0 {
				flush(last)
			}
			cur, last = &slice{at: at}, dev
		}
		sum += r.Value
		n++
	}
	if last >= 0 {
		flush(last)
	}
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// flagSpatial computes each slice's neighbour mean and its indoor and
// emission flags. Slices are visited in time order with a dense table of
// the current slice's values, so the cost is the number of slices times
// the neighbours per sensor.
func flagSpatial(ctx context.Context, series [][]slice, nb [][]int, p Params) error {
	type ref struct{ dev, k int }
	byTime := map[int64][]ref{}
	var times []int64
	for dev, ss := range series {
		for k, s := range ss {
			if _, ok := byTime[s.at]; !ok {
				times = append(times, s.at)
			}
			byTime[s.at] = append(byTime[s.at], ref{dev, k})
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	val := make([]float64, len(series))
	for i := range val {
		val[i] = math.NaN()
	}
	buf := make([]float64, 0, 64)
	for ti, at := range times {
		if ti%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		refs := byTime[at]
		for _, r := range refs {
			val[r.dev] = series[r.dev][r.k].value
		}
		for _, r := range refs {
			s := &series[r.dev][r.k]
			buf = buf[:0]
			for _, j := range nb[r.dev] {
				if !math.IsNaN(val[j]) {
					buf = append(buf, val[j])
				}
			}
			s.n = len(buf)
			if s.n == 0 {
				s.avg = math.NaN()
				continue
			}
			s.avg = pairwiseSum(buf) / float64(s.n)
			thr := Threshold(s.value)
			ok := s.n >= p.MinNeighbors
			s.indoor = ok && s.avg-s.value > thr
			s.emission = ok && s.value-s.avg > thr
		}
		for _, r := range refs {
			val[r.dev] = math.NaN()
		}
	}
	return nil
}

// pairwiseSum adds v in numpy's order (eight interleaved partial sums for
// 8–128 values, a plain loop below 8), so that a neighbour mean equal to a
// band threshold up to rounding falls on the same side as in the course.
func pairwiseSum(v []float64) float64 {
	n := len(v)
	if n < 8 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s
	}
	if n <= 128 {
		var r [8]float64
		copy(r[:], v[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for k := range 8 {
				r[k] += v[i+k]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += v[i]
		}
		return s
	}
	m := n / 2
	m -= m % 8
	return pairwiseSum(v[:m]) + pairwiseSum(v[m:])
}

// flagRED marks a slice whose value rose by more than REDRise of the
// previous slice present, when that previous value exceeded REDFloor.
func flagRED(series [][]slice, p Params) {
	for _, ss := range series {
		for k := 1; k < len(ss); k++ {
			prev := ss[k-1].value
			ss[k].prev = prev
			ss[k].red = prev > p.REDFloor && ss[k].value-prev > prev*p.REDRise
		}
	}
}
