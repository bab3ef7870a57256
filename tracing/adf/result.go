package adf

import (
	"math"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/sensor"
)

// Device classes.
const (
	ClassIndoor   = "indoor"
	ClassEmission = "emission"
	ClassNormal   = "normal"
)

// Result is the screen's answer: one entry per device with readings, and
// every RED flag. Its JSON is the contract of `envtrace air anomalies
// --json` and GET /api/v1/air/anomalies.
type Result struct {
	From       time.Time  `json:"from"`
	To         time.Time  `json:"to"`
	Parameters ParamsJSON `json:"parameters"`
	Devices    []Device   `json:"devices"`
	RED        []REDFlag  `json:"red"`
	// events are every emission and RED slice, for wind-aware attribution
	// (Events); they are not part of the JSON, which lists the latest
	// flags per device and every RED flag already.
	events []Event
}

// Event is one slice flagged as a local source: an emission anomaly (the
// device above its neighbours), a RED rise, or both. Attribution traces
// these upwind; indoor slices point at no outdoor source and are left out.
type Event struct {
	DeviceID string
	Time     time.Time
	Emission bool
	RED      bool
	Value    float64
	// NeighbourMean is NaN when no neighbour reported; Previous is the
	// previous slice's value, NaN for a device's first slice.
	NeighbourMean, Previous float64
}

// Events returns every emission or RED slice of the screen, in time then
// device order.
func (r *Result) Events() []Event { return r.events }

// ParamsJSON documents the parameters a result was computed with.
type ParamsJSON struct {
	Distance     Distance  `json:"distance"`
	NeighbourM   float64   `json:"neighbour_m"`
	SliceMinutes float64   `json:"slice_minutes"`
	MinNeighbors int       `json:"min_neighbours"`
	WindowsDays  []int     `json:"windows_days"`
	Weights      []float64 `json:"weights"`
	MinShare     float64   `json:"min_share"`
	MDThreshold  float64   `json:"md_threshold"`
	REDFloor     float64   `json:"red_floor"`
	REDRise      float64   `json:"red_rise"`
}

// Device is one sensor's verdict. MD is the score of its class (the larger
// of the two scores for a normal device).
type Device struct {
	DeviceID string   `json:"device_id"`
	Class    string   `json:"class"`
	MD       float64  `json:"md"`
	Evidence Evidence `json:"evidence"`
}

// Evidence holds the numbers behind a device's class.
type Evidence struct {
	Neighbours     []string `json:"neighbours"`
	Slices         int      `json:"slices"`
	IndoorSlices   int      `json:"indoor_slices"`
	EmissionSlices int      `json:"emission_slices"`
	REDSlices      int      `json:"red_slices"`
	// Indoor and Emission give the share of flagged slices in each MD
	// window (already rounded and zeroed below MinShare) and the weighted
	// score compared with the threshold.
	Indoor      MDScore `json:"indoor"`
	Emission    MDScore `json:"emission"`
	MDThreshold float64 `json:"md_threshold"`
	// Flagged lists the latest flagged slices (at most Params.Evidence).
	Flagged []SliceFlag `json:"flagged"`
	// Rank is the device ranking, one entry per Taiwan calendar day.
	Rank []DayRank `json:"rank"`
}

// MDScore is one label's window shares and weighted score.
type MDScore struct {
	Shares []float64 `json:"shares"`
	Score  float64   `json:"score"`
}

// SliceFlag is one flagged slice with its numbers.
type SliceFlag struct {
	Time          time.Time `json:"time"`
	Label         string    `json:"label"` // indoor, emission or red
	Value         float64   `json:"value"`
	NeighbourMean *float64  `json:"neighbour_mean"`
	Neighbours    int       `json:"neighbours_reporting"`
	Threshold     float64   `json:"threshold"`
	Previous      *float64  `json:"previous,omitempty"`
}

// DayRank is a device's reliability on one day: 1 − anomalous / slices.
type DayRank struct {
	Date      string  `json:"date"`
	Slices    int     `json:"slices"`
	Anomalous int     `json:"anomalous"`
	Rank      float64 `json:"rank"`
}

// REDFlag is a real-time emission event: a slice whose value rose more than
// the RED rule allows over the previous slice.
type REDFlag struct {
	DeviceID string    `json:"device_id"`
	Time     time.Time `json:"time"`
	Value    float64   `json:"value"`
	Previous float64   `json:"previous"`
}

func summarise(d *sensor.Data, series [][]slice, nb [][]int, to time.Time, p Params) *Result {
	res := &Result{Parameters: ParamsJSON{Distance: p.Distance, NeighbourM: p.NeighbourM, SliceMinutes: p.Slice.Minutes(),
		MinNeighbors: p.MinNeighbors, WindowsDays: p.Windows, Weights: p.weights(), MinShare: p.MinShare,
		MDThreshold: p.MDThreshold(), REDFloor: p.REDFloor, REDRise: p.REDRise}, Devices: []Device{}, RED: []REDFlag{}}
	thr := p.MDThreshold()
	for dev, ss := range series {
		if len(ss) == 0 {
			continue
		}
		id := d.Sensors[dev].ID
		ev := Evidence{MDThreshold: thr, Neighbours: []string{}, Flagged: []SliceFlag{}}
		for _, j := range nb[dev] {
			ev.Neighbours = append(ev.Neighbours, d.Sensors[j].ID)
		}
		ev.Slices = len(ss)
		for k, s := range ss {
			if s.emission || s.red {
				prev := math.NaN()
				if k > 0 {
					prev = s.prev
				}
				res.events = append(res.events, Event{DeviceID: id, Time: time.Unix(s.at, 0).In(sensor.Taipei), Emission: s.emission,
					RED: s.red, Value: s.value, NeighbourMean: s.avg, Previous: prev})
			}
			ev.IndoorSlices += b2i(s.indoor)
			ev.EmissionSlices += b2i(s.emission)
			if s.red {
				ev.REDSlices++
				res.RED = append(res.RED, REDFlag{DeviceID: id, Time: time.Unix(s.at, 0).In(sensor.Taipei), Value: s.value, Previous: s.prev})
			}
		}
		ev.Indoor = mdScore(ss, to, p, func(s slice) bool { return s.indoor })
		ev.Emission = mdScore(ss, to, p, func(s slice) bool { return s.emission })
		ev.Flagged = latestFlags(ss, p)
		ev.Rank = rank(ss)
		dv := Device{DeviceID: id, Class: ClassNormal, MD: math.Max(ev.Indoor.Score, ev.Emission.Score), Evidence: ev}
		switch {
		case ev.Indoor.Score > thr && ev.Indoor.Score >= ev.Emission.Score:
			dv.Class, dv.MD = ClassIndoor, ev.Indoor.Score
		case ev.Emission.Score > thr:
			dv.Class, dv.MD = ClassEmission, ev.Emission.Score
		}
		res.Devices = append(res.Devices, dv)
	}
	sort.Slice(res.Devices, func(i, j int) bool { return res.Devices[i].DeviceID < res.Devices[j].DeviceID })
	sort.SliceStable(res.RED, func(i, j int) bool { return res.RED[i].Time.Before(res.RED[j].Time) })
	sort.SliceStable(res.events, func(i, j int) bool {
		a, b := res.events[i], res.events[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.DeviceID < b.DeviceID
	})
	return res
}

// mdScore is the course's MD score for one label: per window the share of
// the device's slices flagged (rounded half to even at three decimals, as
// numpy rounds, and zero unless above MinShare), then the weighted sum.
func mdScore(ss []slice, to time.Time, p Params, flagged func(slice) bool) MDScore {
	out := MDScore{Shares: make([]float64, len(p.Windows))}
	for i, days := range p.Windows {
		start := to.Add(-time.Duration(days) * 24 * time.Hour).Unix()
		n, f := 0, 0
		for _, s := range ss {
			if s.at >= start {
				n++
				f += b2i(flagged(s))
			}
		}
		if n == 0 {
			continue
		}
		share := math.RoundToEven(float64(f)/float64(n)*1000) / 1000
		if share > p.MinShare {
			out.Shares[i] = share
		}
	}
	for i, w := range p.weights() {
		out.Score += w * out.Shares[i]
	}
	return out
}

func latestFlags(ss []slice, p Params) []SliceFlag {
	out := []SliceFlag{}
	for k := len(ss) - 1; k >= 0 && len(out) < p.Evidence; k-- {
		s := ss[k]
		label := ""
		switch {
		case s.indoor:
			label = ClassIndoor
		case s.emission:
			label = ClassEmission
		case s.red:
			label = "red"
		default:
			continue
		}
		f := SliceFlag{Time: time.Unix(s.at, 0).In(sensor.Taipei), Label: label, Value: s.value, Neighbours: s.n, Threshold: Threshold(s.value)}
		if !math.IsNaN(s.avg) {
			avg := s.avg
			f.NeighbourMean = &avg
		}
		if s.red {
			prev := s.prev
			f.Previous = &prev
		}
		out = append(out, f)
	}
	return out
}

// rank is DR per Taiwan calendar day: a slice is anomalous when it is
// indoor, emission or RED.
func rank(ss []slice) []DayRank {
	var out []DayRank
	for _, s := range ss {
		date := time.Unix(s.at, 0).In(sensor.Taipei).Format("2006-01-02")
		if len(out) == 0 || out[len(out)-1].Date != date {
			out = append(out, DayRank{Date: date})
		}
		r := &out[len(out)-1]
		r.Slices++
		r.Anomalous += b2i(s.indoor || s.emission || s.red)
	}
	for i := range out {
		out[i].Rank = 1 - float64(out[i].Anomalous)/float64(out[i].Slices)
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
