// Package balance computes observed pollutant loads at monitoring stations
// and the load gained between stations along the river, and sets that gain
// against what the permits in between allow. A reach of river that gains
// more load than its permitted dischargers may release is where inspectors
// look for unpermitted or over-permit discharges.
//
// Loads are concentration × flow in kg/day (tracing/load, from readings in
// canonical units: mg/L and m³/s), censored values at half the detection
// limit, averaged over the readings in the period that carry a measured
// flow. A station's upstream neighbours are
// the stations upstream of it with no other station in between; a segment's
// gain is the station's load minus the sum of its neighbours' loads.
package balance

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/load"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// StationLoad is the mean observed load at a station over a period.
type StationLoad struct {
	Station     string  `json:"station"`
	Samples     int     `json:"samples"`
	MeanConc    float64 `json:"mean_conc"`
	MeanFlowM3s float64 `json:"mean_flow_m3s"`
	LoadKgDay   float64 `json:"load_kg_day"`
}

// Discharger is a permitted discharger within a segment.
type Discharger struct {
	Facility           string  `json:"facility"`
	Name               string  `json:"name"`
	Permit             string  `json:"permit"`
	PermittedLoadKgDay float64 `json:"permitted_load_kg_day"`
}

// Segment is the river between a station and its upstream neighbours.
type Segment struct {
	Station            string       `json:"station"`
	Upstream           []string     `json:"upstream_stations"`
	LoadKgDay          float64      `json:"load_kg_day"`
	UpstreamLoadKgDay  float64      `json:"upstream_load_kg_day"`
	GainKgDay          float64      `json:"gain_kg_day"`
	PermittedKgDay     float64      `json:"permitted_load_kg_day"`
	Dischargers        []Discharger `json:"dischargers"`
	UnexplainedKgDay   float64      `json:"unexplained_kg_day"`
	ExceedsPermitted   bool         `json:"exceeds_permitted"`
	MissingUpstreamFor []string     `json:"upstream_without_load,omitempty"`
}

// Report is a load balance of one parameter over a period.
type Report struct {
	Parameter string        `json:"parameter"`
	Unit      string        `json:"unit"`
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
	Stations  []StationLoad `json:"stations"`
	Segments  []Segment     `json:"segments"`
}

// Compute balances parameter p over [from, to).
func Compute(ctx context.Context, b *basin.Basin, parameter string, from, to time.Time) (*Report, error) {
	p, err := param.Lookup(parameter)
	if err != nil {
		return nil, err
	}
	if p.Kind != param.KindConcentration {
		return nil, fmt.Errorf("parameter %s is not a concentration: no load can be computed", p.ID)
	}
	if !to.After(from) {
		return nil, fmt.Errorf("period end %s is not after its start %s", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	rep := &Report{Parameter: p.ID, Unit: "kg/day", From: from, To: to, Stations: []StationLoad{}, Segments: []Segment{}}
	loads := map[string]StationLoad{}
	for _, id := range b.StationIDs() {
		sl, ok := stationLoad(b.DS, id, p, from, to)
		if ok {
			loads[id] = sl
			rep.Stations = append(rep.Stations, sl)
		}
	}
	// Upstream sets of every placed station.
	ups := map[string]*basin.Upstream{}
	above := map[string]*basin.Upstream{}
	for _, id := range b.StationIDs() {
		pl, _ := b.Station(id)
		u, err := b.UpstreamOf(ctx, pl, 0)
		if err != nil {
			return nil, err
		}
		ups[id] = u
		above[id] = b.Above(pl)
	}
	for _, id := range b.StationIDs() {
		sl, ok := loads[id]
		if !ok {
			continue
		}
		u := ups[id]
		// Stations upstream of id.
		var upStations []string
		for _, o := range b.StationIDs() {
			if o == id {
				continue
			}
			op, _ := b.Station(o)
			if above[id].Contains(op.Reach, op.Measure) {
				upStations = append(upStations, o)
			}
		}
		// Neighbours: upstream stations not upstream of another upstream station.
		var nbrs []string
		for _, a := range upStations {
			direct := true
			ap, _ := b.Station(a)
			for _, c := range upStations {
				if c != a && above[c].Contains(ap.Reach, ap.Measure) {
					direct = false
					break
				}
			}
			if direct {
				nbrs = append(nbrs, a)
			}
		}
		sort.Strings(nbrs)
		seg := Segment{Station: id, Upstream: nbrs, LoadKgDay: sl.LoadKgDay, Dischargers: []Discharger{}}
		for _, nb := range nbrs {
			if l, ok := loads[nb]; ok {
				seg.UpstreamLoadKgDay += l.LoadKgDay
			} else {
				seg.MissingUpstreamFor = append(seg.MissingUpstreamFor, nb)
			}
		}
		seg.GainKgDay = round(seg.LoadKgDay-seg.UpstreamLoadKgDay, 3)
		// Permitted dischargers between the neighbours and the station.
		seen := map[string]bool{}
		for _, r := range u.Reaches() {
			for _, of := range b.OutfallsOn(r) {
				if !u.Contains(r, of.Place.Measure) || seen[of.Outfall.Facility] {
					continue
				}
				inner := false
				for _, nb := range nbrs {
					if above[nb].Contains(r, of.Place.Measure) {
						inner = true
						break
					}
				}
				if inner {
					continue
				}
				seen[of.Outfall.Facility] = true
				if d, ok := permitted(b.DS, of.Outfall.Facility, p, from); ok {
					seg.Dischargers = append(seg.Dischargers, d)
					seg.PermittedKgDay += d.PermittedLoadKgDay
				}
			}
		}
		sort.Slice(seg.Dischargers, func(a, c int) bool { return seg.Dischargers[a].Facility < seg.Dischargers[c].Facility })
		seg.PermittedKgDay = round(seg.PermittedKgDay, 3)
		if seg.GainKgDay > seg.PermittedKgDay {
			seg.UnexplainedKgDay = round(seg.GainKgDay-seg.PermittedKgDay, 3)
			seg.ExceedsPermitted = len(seg.MissingUpstreamFor) == 0
		}
		rep.Segments = append(rep.Segments, seg)
	}
	return rep, nil
}

func stationLoad(ds *model.Dataset, id string, p param.Parameter, from, to time.Time) (StationLoad, bool) {
	sl := StationLoad{Station: id}
	var sumC, sumQ, sumL float64
	for _, r := range ds.ReadingsAt(id) {
		// Readings are canonical once the dataset is indexed: mg/L, m³/s.
		if r.Parameter != p.ID || r.Time.Before(from) || !r.Time.Before(to) || r.FlowUnit == "" || r.Flow <= 0 {
			continue
		}
		c := load.Value{Reported: r.Value, Censored: r.Censored}.Estimate()
		sumC += c
		sumQ += r.Flow
		sumL += load.MassRate(c, r.Flow)
		sl.Samples++
	}
	if sl.Samples == 0 {
		return sl, false
	}
	n := float64(sl.Samples)
	sl.MeanConc = round(sumC/n, 5)
	sl.MeanFlowM3s = round(sumQ/n, 4)
	sl.LoadKgDay = round(sumL/n, 3)
	return sl, true
}

// permitted is a facility's permitted load of p: permitted daily volume ×
// the permit's limit for p.
func permitted(ds *model.Dataset, ems string, p param.Parameter, t time.Time) (Discharger, bool) {
	f, _ := ds.Facility(ems)
	for _, pm := range ds.PermitsOf(ems) {
		if !pm.Valid(t) {
			continue
		}
		for _, l := range ds.LimitsOf(pm.PerNo) {
			// Limits are canonical once the dataset is indexed.
			if l.Parameter != p.ID || l.ReportOnly || l.Bound != dmr.Upper {
				continue
			}
			d := Discharger{Facility: ems, Permit: pm.PerNo, PermittedLoadKgDay: round(load.DailyMass(l.Value, pm.MaxDailyM3), 3)}
			if f != nil {
				d.Name = f.Name
			}
			return d, true
		}
	}
	return Discharger{}, false
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
