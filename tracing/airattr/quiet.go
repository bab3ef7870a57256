package airattr

import (
	"math"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// QuietRule is the rule of the quiet-sensor term, as the evidence states
// it (see the package documentation, "Quiet sensors").
const QuietRule = "in each slice where the candidate's plume supports a flagged event (plume ≥ 0.5), take the event whose excess over the " +
	"slice's network median implies the weakest source; a sensor that reported, flagged nothing within one slice, and read " +
	"(a reading below the median counting as none) more than 3 noise SDs below half the least excess the candidate's plume would have put there (the event's excess scaled by the " +
	"plume couplings, the wind turned anywhere within its direction error) takes off one vote"

// Parameters of the quiet-sensor term (see the package documentation).
const (
	// supportPlume is the plume coupling from which an event supports a
	// candidate (odour's SupportVote default): only slices where the
	// candidate's plume is shown to reach a flagged sensor this strongly
	// say how strong its plume was.
	supportPlume = 0.5
	// QuietFactor: a quiet sensor counts when it read less than
	// 1/QuietFactor of the expected excess: 2, the factor-of-two band
	// (FAC2) within which a Gaussian plume model is expected to predict
	// observed concentrations.
	QuietFactor = 2.0
	// QuietSigmas: and by more than this many of the slice's noise SDs
	// (the network's robust spread, 1.4826 × MAD), so a sensor's own
	// noise and offset cannot make it count.
	QuietSigmas = 3.0
)

// quiet holds the slice means of every sensor and which ones flagged.
type quiet struct {
	slice  int64
	events map[string]Event
	// bySlice lists, per slice start (Unix seconds), the sensors that
	// reported PM2.5 and flagged nothing within one slice.
	bySlice map[int64][]reporter
	// background and noise are each slice's network median and robust
	// spread.
	background, noise map[int64]float64
}

// reporter is one sensor's PM2.5 mean in a slice.
type reporter struct {
	id       string
	lon, lat float64
	value    float64
}

// WithSensors returns the engine with the quiet-sensor term (see the
// package documentation): d's PM2.5 readings, averaged over slices of the
// given length (ADF's), say which sensors reported and what they read;
// those without an event within one slice are the quiet ones.
func (e *Engine) WithSensors(d *sensor.Data, slice time.Duration) *Engine {
	out := *e
	sec := int64(slice / time.Second)
	if sec <= 0 || d == nil {
		return &out
	}
	type key struct {
		dev string
		at  int64
	}
	flagged := map[key]bool{}
	q := &quiet{slice: sec, events: map[string]Event{}, bySlice: map[int64][]reporter{}, background: map[int64]float64{}, noise: map[int64]float64{}}
	for _, ev := range e.events {
		flagged[key{ev.DeviceID, floor(ev.Time.Unix(), sec)}] = true
		q.events[ev.ID] = ev
	}
	sum, n := map[key]float64{}, map[key]int{}
	for _, r := range d.Readings {
		if r.Parameter != "PM2.5" {
			continue
		}
		if s, ok := d.Sensor(r.Device); !ok || s.Kind == sensor.KindReference {
			continue
		}
		k := key{r.Device, floor(r.Time.Unix(), sec)}
		sum[k] += r.Value
		n[k]++
	}
	values := map[int64][]float64{}
	for k, s := range sum {
		v := s / float64(n[k])
		values[k.at] = append(values[k.at], v)
		if flagged[key{k.dev, k.at - sec}] || flagged[k] || flagged[key{k.dev, k.at + sec}] {
			continue
		}
		s, _ := d.Sensor(k.dev)
		q.bySlice[k.at] = append(q.bySlice[k.at], reporter{id: s.ID, lon: s.Lon, lat: s.Lat, value: v})
	}
	for at, vs := range values {
		q.background[at], q.noise[at] = medianMAD(vs)
	}
	for _, rs := range q.bySlice {
		sort.Slice(rs, func(i, j int) bool { return rs[i].id < rs[j].id })
	}
	out.quiet = q
	return &out
}

// medianMAD returns the median of vs and 1.4826 × their median absolute
// deviation (the normal SD for normal data).
func medianMAD(vs []float64) (med, sd float64) {
	med = median(vs)
	dev := make([]float64, len(vs))
	for i, v := range vs {
		dev[i] = math.Abs(v - med)
	}
	return med, 1.4826 * median(dev)
}

func median(vs []float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return math.NaN()
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func floor(v, step int64) int64 {
	f := v / step
	if v%step != 0 && v < 0 {
		f--
	}
	return f * step
}

// ref is the flagged event of a slice the quiet sensors are compared with.
type ref struct {
	ev            Event
	plume, excess float64
	weight        float64
}

// refs returns, per slice, the supporting event that implies the weakest
// source: the least excess over the greatest coupling. Each event the
// candidate caused bounds its strength from below; the least bound is the
// one every caused event agrees with, and an event the candidate did not
// cause can only lower it.
func (q *quiet) refs(c *odour.Candidate, plume odour.PlumeAt) map[int64]ref {
	out := map[int64]ref{}
	for _, v := range c.Evidence.Votes {
		ev, ok := q.events[v.PetitionID]
		if !ok || v.Plume < supportPlume {
			continue
		}
		s := floor(ev.Time.Unix(), q.slice)
		bg, ok := q.background[s]
		if !ok || ev.Value-bg <= 0 {
			continue
		}
		_, hi := plume(ev.Lon, ev.Lat, ev.Time)
		if hi <= 0 {
			continue
		}
		if r, ok := out[s]; !ok || (ev.Value-bg)/hi < r.excess/r.plume {
			out[s] = ref{ev: ev, plume: hi, excess: ev.Value - bg, weight: v.Profile * v.Compliance}
		}
	}
	return out
}

// against is the odour.AgainstFunc of the quiet-sensor term.
func (q *quiet) against(c *odour.Candidate, plume odour.PlumeAt) *odour.Against {
	refs := q.refs(c, plume)
	slices := make([]int64, 0, len(refs))
	for s := range refs {
		slices = append(slices, s)
	}
	sort.Slice(slices, func(i, j int) bool { return slices[i] < slices[j] })
	out := &odour.Against{Rule: QuietRule, Quiet: []odour.QuietReceptor{}}
	for _, s := range slices {
		f := refs[s]
		for _, r := range q.bySlice[s] {
			lo, _ := plume(r.lon, r.lat, f.ev.Time)
			expected := f.excess * lo / f.plume
			excess := r.value - q.background[s]
			if expected/QuietFactor-QuietSigmas*q.noise[s] <= math.Max(excess, 0) {
				continue
			}
			out.Penalty += f.weight
			out.Quiet = append(out.Quiet, odour.QuietReceptor{ID: r.id + "@" + f.ev.Time.In(sensor.Taipei).Format(time.RFC3339), Time: f.ev.Time,
				Flagged: f.ev.ID, FlaggedExcess: round2(f.excess), FlaggedPlume: round4(f.plume),
				Plume: round4(lo), Expected: round2(expected), Excess: round2(excess), Penalty: f.weight})
		}
	}
	return out
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
