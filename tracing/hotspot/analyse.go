package hotspot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

// Event is one occurrence of a signal (a sensor exceedance, a violation,
// a petition) at a point (TWD97 metres) and a time.
type Event struct {
	Point  orb.Point
	Time   time.Time
	Source string // the sensor, facility or report it came from
}

// Input is a signal ready for analysis: the sites that could produce
// events (every sensor, every facility), so that units without events
// count as zeros, and the events in [From, To).
type Input struct {
	Sites    []orb.Point
	Events   []Event
	From, To time.Time
}

// Methods.
const (
	MethodGi   = "gi"
	MethodEHSA = "ehsa"
	MethodScan = "scan"
)

// Options choose the method and its parameters.
type Options struct {
	Method string
	// Band is the distance band in metres; 0 takes the partition's
	// natural band (hexagons) or DefaultBand.
	Band  float64
	Alpha float64       // FDR level (0.05)
	Step  time.Duration // time step for ehsa and scan (24 h)
	Scan  ScanOptions
}

// Result is the answer of `envtrace hotspots --json` and GET
// /api/v1/hotspots.
type Result struct {
	Method    string          `json:"method"`
	Partition string          `json:"partition"`
	BandM     float64         `json:"band_m,omitempty"`
	Alpha     float64         `json:"alpha"`
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	StepHours float64         `json:"step_hours,omitempty"`
	Steps     int             `json:"steps,omitempty"`
	Events    int             `json:"events"`
	Outside   int             `json:"events_outside_units"`
	Units     []UnitResult    `json:"units"`
	Clusters  []ClusterResult `json:"clusters,omitempty"`
}

// UnitResult is one unit's statistics. Z and P are absent when undefined
// (no variance among the units).
type UnitResult struct {
	ID          string   `json:"id"`
	X           float64  `json:"x"`
	Y           float64  `json:"y"`
	Lon         float64  `json:"lon"`
	Lat         float64  `json:"lat"`
	Count       int      `json:"count"`
	Z           *float64 `json:"z,omitempty"`
	P           *float64 `json:"p,omitempty"`
	Significant bool     `json:"significant"`
	// Spot is "hot" or "cold" for a significant unit (gi).
	Spot string `json:"spot,omitempty"`
	// Class is the emerging hot spot class (ehsa), with the Mann–Kendall
	// trend of the unit's Gi* z-scores.
	Class     string   `json:"class,omitempty"`
	TrendZ    *float64 `json:"trend_z,omitempty"`
	TrendP    *float64 `json:"trend_p,omitempty"`
	StepsHot  int      `json:"steps_hot,omitempty"`
	StepsCold int      `json:"steps_cold,omitempty"`
}

// ClusterResult is a space-time scan cluster.
type ClusterResult struct {
	Rank     int       `json:"rank"`
	Units    []string  `json:"units"`
	RadiusM  float64   `json:"radius_m"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Observed int       `json:"observed"`
	Expected float64   `json:"expected"`
	LLR      float64   `json:"llr"`
	P        float64   `json:"p"`
}

// Analyse assigns sites and events to the partition's units and runs the
// method.
func Analyse(ctx context.Context, in Input, part Partition, opt Options) (*Result, error) {
	if opt.Alpha <= 0 || opt.Alpha >= 1 {
		opt.Alpha = 0.05
	}
	if opt.Step <= 0 {
		opt.Step = 24 * time.Hour
	}
	if !in.To.After(in.From) {
		return nil, errors.New("hotspot: the period is empty (to must be after from)")
	}
	for _, s := range in.Sites {
		part.Assign(s)
	}
	steps := int(math.Ceil(float64(in.To.Sub(in.From)) / float64(opt.Step)))
	res := &Result{Method: opt.Method, Partition: part.Kind(), Alpha: opt.Alpha, From: in.From, To: in.To}
	var cases []Case
	for _, e := range in.Events {
		if e.Time.Before(in.From) || !e.Time.Before(in.To) {
			continue
		}
		u, ok := part.Assign(e.Point)
		if !ok {
			res.Outside++
			continue
		}
		cases = append(cases, Case{Unit: u, Step: int(e.Time.Sub(in.From) / opt.Step)})
	}
	units := part.Units()
	res.Events = len(cases)
	if len(units) < 3 {
		return nil, fmt.Errorf("%w: the signal's sites fall in %d units", ErrTooFew, len(units))
	}
	band := opt.Band
	if band <= 0 {
		band = part.Band()
	}
	if band <= 0 {
		band = DefaultBand(units)
	}
	toWGS, _ := crs.NewTransformer(crs.TWD97TM2, crs.WGS84)
	res.Units = make([]UnitResult, len(units))
	for i, u := range units {
		ll := toWGS.Point(orb.Point{u.X, u.Y})
		res.Units[i] = UnitResult{ID: u.ID, X: round(u.X, 1), Y: round(u.Y, 1), Lon: round(ll[0], 6), Lat: round(ll[1], 6)}
	}
	for _, c := range cases {
		res.Units[c.Unit].Count++
	}
	nb := DistanceBand(units, band)
	switch opt.Method {
	case MethodGi:
		res.BandM = band
		gi(res, nb, opt.Alpha)
	case MethodEHSA:
		res.BandM, res.StepHours, res.Steps = band, opt.Step.Hours(), steps
		emergingInto(res, cases, steps, nb, opt.Alpha)
	case MethodScan:
		res.StepHours, res.Steps = opt.Step.Hours(), steps
		sr, err := Scan(ctx, units, steps, cases, opt.Scan)
		if err != nil {
			return nil, err
		}
		for _, c := range sr.Clusters {
			cr := ClusterResult{Rank: c.Rank, RadiusM: round(c.RadiusM, 1), Observed: c.Observed, Expected: round(c.Expected, 3), LLR: round(c.LLR, 4), P: c.P,
				From: in.From.Add(time.Duration(c.FromStep) * opt.Step), To: in.From.Add(time.Duration(c.ToStep+1) * opt.Step)}
			for _, u := range c.Units {
				cr.Units = append(cr.Units, units[u].ID)
				res.Units[u].Significant = res.Units[u].Significant || c.P <= opt.Alpha
			}
			res.Clusters = append(res.Clusters, cr)
		}
	default:
		return nil, fmt.Errorf("hotspot: unknown method %q: want gi, ehsa or scan", opt.Method)
	}
	ordered := make([]UnitResult, 0, len(res.Units))
	for _, i := range sortedUnits(units) {
		ordered = append(ordered, res.Units[i])
	}
	res.Units = ordered
	return res, nil
}

// gi is Gi* over the whole period with two-sided p-values and BH.
func gi(res *Result, nb [][]int, alpha float64) {
	y := make([]float64, len(res.Units))
	for i, u := range res.Units {
		y[i] = float64(u.Count)
	}
	z, p, keep := GiStarTest(y, nb, alpha)
	for i := range res.Units {
		u := &res.Units[i]
		u.Z, u.P = finite(z[i], 6), finite(p[i], 8)
		u.Significant = keep[i]
		if keep[i] {
			u.Spot = "hot"
			if z[i] < 0 {
				u.Spot = "cold"
			}
		}
	}
}

func emergingInto(res *Result, cases []Case, steps int, nb [][]int, alpha float64) {
	y := make([][]float64, steps)
	for t := range y {
		y[t] = make([]float64, len(res.Units))
	}
	for _, c := range cases {
		y[c.Step][c.Unit]++
	}
	e := EmergingHotSpots(y, nb, alpha)
	for i := range res.Units {
		u := &res.Units[i]
		u.Class = e.Class[i].String()
		u.Significant = e.Class[i].Pattern != NoPattern
		u.TrendZ, u.TrendP = finite(e.MKZ[i], 6), finite(e.MKP[i], 8)
		for t := range steps {
			if e.Sig[t][i] {
				if e.Z[t][i] > 0 {
					u.StepsHot++
				} else {
					u.StepsCold++
				}
			}
		}
		last := steps - 1
		u.Z, u.P = finite(e.Z[last][i], 6), finite(TwoSided(e.Z[last][i]), 8)
	}
}

// finite rounds v, nil when it is NaN or infinite (JSON has no NaN).
func finite(v float64, places int) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	r := round(v, places)
	return &r
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
