package suspect

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/model"
)

// series is one station's readings of one parameter in time order, built
// once per engine (one data snapshot) so that a trace reads the history it
// needs by binary search instead of scanning every reading.
type series struct {
	// points carry canonical values, censored ones at half the detection
	// limit (the load convention), and the flow measured with each.
	points []baseline.Point
	// resolution is the larger of the series' detection limit and its
	// reporting step: the smallest difference it resolves.
	resolution float64
}

// stationData is every series of one station, and its measured flows.
type stationData struct {
	byParam map[string]*series
	flows   []baseline.Point // Value is the flow, m³/s; one per instant
	median  float64          // median flow, m³/s
}

// station returns a station's series, building them on first use.
func (e *Engine) station(id string) *stationData {
	if v, ok := e.stations.Load(id); ok {
		return v.(*stationData)
	}
	sd := buildStation(e.ds.ReadingsAt(id))
	v, _ := e.stations.LoadOrStore(id, sd)
	return v.(*stationData)
}

// buildStation groups canonical readings by parameter, sorts them, and
// collects the flows.
func buildStation(rs []*model.Reading) *stationData {
	sd := &stationData{byParam: map[string]*series{}}
	dl := map[string]float64{}
	flowAt := map[int64]float64{}
	for _, r := range rs {
		s := sd.byParam[r.Parameter]
		if s == nil {
			s = &series{}
			sd.byParam[r.Parameter] = s
		}
		v := r.Value
		if r.Censored {
			v /= 2
			dl[r.Parameter] = math.Max(dl[r.Parameter], r.Value)
		}
		var q float64
		if r.FlowUnit != "" && r.Flow > 0 {
			q = r.Flow // m³/s once the dataset is canonical
			flowAt[r.Time.UnixNano()] = q
		}
		s.points = append(s.points, baseline.Point{Time: r.Time, Value: v, Flow: q})
	}
	for id, s := range sd.byParam {
		sort.SliceStable(s.points, func(a, b int) bool { return s.points[a].Time.Before(s.points[b].Time) })
		s.resolution = math.Max(dl[id], step(s.points))
	}
	for ns, q := range flowAt {
		sd.flows = append(sd.flows, baseline.Point{Time: time.Unix(0, ns), Value: q})
	}
	sort.Slice(sd.flows, func(a, b int) bool { return sd.flows[a].Time.Before(sd.flows[b].Time) })
	if len(sd.flows) > 0 {
		qs := make([]float64, len(sd.flows))
		for i, f := range sd.flows {
			qs[i] = f.Value
		}
		slices.Sort(qs)
		sd.median = qs[len(qs)/2]
	}
	return sd
}

// step is the smallest positive difference between two values of the
// series: its reporting precision.
func step(ps []baseline.Point) float64 {
	vs := make([]float64, len(ps))
	for i, p := range ps {
		vs[i] = p.Value
	}
	slices.Sort(vs)
	best := 0.0
	for i := 1; i < len(vs); i++ {
		if d := vs[i] - vs[i-1]; d > 1e-12*math.Max(1, math.Abs(vs[i])) && (best == 0 || d < best) {
			best = d
		}
	}
	return best
}

// within returns the points with from ≤ time ≤ to.
func (s *series) within(from, to time.Time) []baseline.Point {
	if s == nil {
		return nil
	}
	i := sort.Search(len(s.points), func(i int) bool { return !s.points[i].Time.Before(from) })
	j := sort.Search(len(s.points), func(i int) bool { return s.points[i].Time.After(to) })
	if i >= j {
		return nil
	}
	return s.points[i:j]
}

// nearest returns the point closest in time to t, false for an empty series.
func (s *series) nearest(t time.Time) (baseline.Point, bool) {
	if s == nil || len(s.points) == 0 {
		return baseline.Point{}, false
	}
	return nearestPoint(s.points, t), true
}

func nearestPoint(ps []baseline.Point, t time.Time) baseline.Point {
	k := sort.Search(len(ps), func(i int) bool { return !ps[i].Time.Before(t) })
	switch {
	case k == 0:
		return ps[0]
	case k == len(ps):
		return ps[k-1]
	case t.Sub(ps[k-1].Time) <= ps[k].Time.Sub(t):
		return ps[k-1]
	}
	return ps[k]
}

// Flow look-up constants: a measured flow counts for a reading within
// flowGap of it; otherwise the station's median flow stands in.
const flowGap = 72 * time.Hour

// flowAt finds the river flow at a station: the override, else the flow
// measured nearest in time (within 3 days), else the station's median flow.
func (e *Engine) flowAt(station string, t time.Time, override float64) (float64, string) {
	if override > 0 {
		return override, "given"
	}
	sd := e.station(station)
	if len(sd.flows) == 0 {
		return 0, ""
	}
	p := nearestPoint(sd.flows, t)
	gap := p.Time.Sub(t)
	if gap < 0 {
		gap = -gap
	}
	if gap <= flowGap {
		return p.Value, "measured with a reading at the station"
	}
	return sd.median, "median of flows measured at the station"
}

// Water temperature: measured at the station within tempGap of the
// reading, else defaultTempC, Taiwan's mean lowland river temperature.
const (
	tempGap      = 3 * time.Hour
	defaultTempC = 25
)

// temperature is the water temperature (°C) for rate corrections.
func (e *Engine) temperature(station string, t time.Time) float64 {
	if p, ok := e.station(station).byParam["TEMP"].nearest(t); ok {
		gap := p.Time.Sub(t)
		if gap < 0 {
			gap = -gap
		}
		if gap <= tempGap {
			return p.Value
		}
	}
	return defaultTempC
}
