package airattr_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/fixtures/odoursynth"
	"github.com/envtrace/envtrace/fixtures/sensorsynth"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airattr"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
)

// outcome is one scenario's result.
type outcome struct {
	affected, flagged, events int
	first, top, abstained     bool
	baseline                  bool
	level                     string
}

// run generates the scenario of seed, screens it with ADF and attributes
// its events.
func run(tb testing.TB, st atmos.Monitor, wind []atmos.Observation, seed uint64) outcome {
	tb.Helper()
	ctx := context.Background()
	sc, err := sensorsynth.Generate(ctx, sensorsynth.Config{Station: st, Wind: wind, Centre: odoursynth.TaichungCoast}, seed)
	if err != nil {
		tb.Fatal(err)
	}
	screen, err := adf.Run(ctx, sc.Data, sc.From, sc.To, adf.Default())
	if err != nil {
		tb.Fatal(err)
	}
	events := airattr.Events(screen, sc.Data)
	var o outcome
	o.events = len(events)
	o.affected = len(sc.Affected)
	flaggedAt := map[string][]time.Time{}
	for _, e := range events {
		flaggedAt[e.DeviceID] = append(flaggedAt[e.DeviceID], e.Time)
	}
	for dev, slices := range sc.Affected {
		if within(slices, flaggedAt[dev], 5*time.Minute) {
			o.flagged++
		}
	}
	ds := &model.Dataset{}
	for _, f := range sc.Factories {
		p := model.FromLonLat(f.Lon, f.Lat)
		ds.Facilities = append(ds.Facilities, model.Facility{EmsNo: f.ID, Name: f.Name, Industry: f.Industry, Location: &p})
	}
	if err := ds.Index(); err != nil {
		tb.Fatal(err)
	}
	e, err := airattr.NewWithField(ds, events, sc.Grid, sc.Measured, odour.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	res, err := e.Rank(ctx, sc.From, sc.To)
	if err != nil {
		tb.Fatal(err)
	}
	a := res.Attribution
	o.level = a.Confidence.Level
	o.abstained = a.Confidence.Level == odour.LevelAbstain
	if len(a.Baseline.Ranking) > 0 {
		o.baseline = a.Baseline.Ranking[0].FacilityID == sc.Factories[sc.Source].ID
	}
	if len(a.Candidates) > 0 {
		o.top = a.Candidates[0].FacilityID == sc.Factories[sc.Source].ID
		o.first = o.top && a.Candidates[0].Rank == 1
	}
	if testing.Verbose() {
		top, truthAt := "", 0
		for i, c := range a.Candidates {
			if i == 0 {
				top = c.FacilityID
			}
			if c.FacilityID == sc.Factories[sc.Source].ID {
				truthAt = i + 1
			}
		}
		cross := ""
		if x := a.Confidence.Crossing; x != nil {
			cross = fmt.Sprintf(" [crossing %s: %d hours, spread %.0f° against %.0f°, passed %v]", x.FacilityID, x.Hours, x.SpreadDeg, x.MinSpreadDeg, x.Passed)
		}
		tb.Logf("seed %d: %d affected, %d flagged, %d events; top %s (truth %s, listed %d of %d) %s: %s%s", seed, o.affected, o.flagged, o.events,
			top, sc.Factories[sc.Source].ID, truthAt, len(a.Candidates), a.Confidence.Level, a.Confidence.Reason, cross)
	}
	return o
}

// within reports whether some flag lies within tol of some affected slice.
func within(affected, flagged []time.Time, tol time.Duration) bool {
	for _, a := range affected {
		for _, f := range flagged {
			if d := f.Sub(a); d >= -tol && d <= tol {
				return true
			}
		}
	}
	return false
}

// rates: flagged is the share of affected sensors flagged within one
// slice; first the share of scenarios whose ranking (not abstaining) puts
// the injected factory first; top the share whose best candidate is the
// injected factory even where the ranking abstains; abstained the share
// that abstained; baseline the share whose no-wind nearest-facility
// baseline puts the injected factory first; wrong the share whose ranking
// (not abstaining) puts another factory first, and wrongSure those of
// them that claim medium or high confidence.
type rates struct {
	flagged, first, top, abstained, baseline, wrong, wrongSure float64
	n                                                          int
}

func evaluate(tb testing.TB, base uint64, n int) rates {
	st, wind := odoursynth.WuqiWind(tb)
	var affected, flagged, first, top, abstained, baseline, wrong, wrongSure int
	for seed := base; seed < base+uint64(n); seed++ {
		o := run(tb, st, wind, seed)
		affected += o.affected
		flagged += o.flagged
		first += b2i(o.first)
		top += b2i(o.top)
		abstained += b2i(o.abstained)
		baseline += b2i(o.baseline)
		w := !o.abstained && !o.first
		wrong += b2i(w)
		wrongSure += b2i(w && (o.level == odour.LevelMedium || o.level == odour.LevelHigh))
	}
	f := float64(n)
	return rates{flagged: float64(flagged) / float64(affected), first: float64(first) / f, top: float64(top) / f, abstained: float64(abstained) / f, baseline: float64(baseline) / f,
		wrong: float64(wrong) / f, wrongSure: float64(wrongSure) / f, n: n}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSyntheticPlume is acceptance test A-T4 on a small seeded sample (the
// full 200 scenarios are BenchmarkSyntheticPlume): a PM2.5 plume of at
// least +30 µg/m³ generated by the puff model under the perturbed real
// Wuqi wind, screened by ADF and attributed by the plume model on the
// measured wind. Targets: ≥ 90 % of the affected sensors flagged emission
// or RED within one slice; the injected factory ranked first in ≥ 80 % of
// the scenarios. The thresholds sit below the targets by the sampling
// error of 12 scenarios.
func TestSyntheticPlume(t *testing.T) {
	if testing.Short() {
		t.Skip("the synthetic plume runs the puff model; skipped in -short")
	}
	r := evaluate(t, 1, 12)
	t.Logf("12 scenarios: affected sensors flagged %.3f, injected factory first %.2f (best candidate, abstaining or not, %.2f; abstained %.2f)",
		r.flagged, r.first, r.top, r.abstained)
	if r.flagged < 0.85 {
		t.Errorf("affected sensors flagged: %.3f, below 0.85", r.flagged)
	}
	if r.first < 0.65 {
		t.Errorf("injected factory first: %.2f, below 0.65", r.first)
	}
}

// scenarios is the number of seeded scenarios BenchmarkSyntheticPlume runs
// (200, the acceptance test's; about a second each on one core).
var scenarios = flag.Int("scenarios", 200, "seeded scenarios of BenchmarkSyntheticPlume")

// seedBase is the first seed BenchmarkSyntheticPlume runs: 1 gives the
// acceptance test's seeds 1..200; methods are developed on another range
// (10001..) and checked on a third (20001..), so that the official seeds
// never choose a parameter.
var seedBase = flag.Uint64("seed-base", 1, "first seed of BenchmarkSyntheticPlume")

// BenchmarkSyntheticPlume runs the seeded scenarios of A-T4 (200 unless
// -scenarios says otherwise) and reports the rates against the targets and
// against the no-wind nearest-facility baseline of the same scenarios.
func BenchmarkSyntheticPlume(b *testing.B) {
	for range b.N {
		r := evaluate(b, *seedBase, *scenarios)
		b.ReportMetric(r.flagged, "affected_flagged_rate")
		b.ReportMetric(r.first, "injected_first_rate")
		b.ReportMetric(r.top, "injected_top_even_abstaining_rate")
		b.ReportMetric(r.abstained, "abstain_rate")
		b.ReportMetric(r.baseline, "baseline_first_rate")
		b.ReportMetric(r.wrong, "wrong_first_rate")
		b.ReportMetric(r.wrongSure, "wrong_first_medium_or_high_rate")
		if r.baseline > 0 {
			b.ReportMetric(r.first/r.baseline, "first_vs_baseline_ratio")
		}
		b.ReportMetric(float64(r.n), "scenarios")
	}
}

// farSouth moves the factories of a no-plume scenario this many degrees of
// latitude (about 330 km) south: farther than the puff model carries a
// puff (3 h), so the generated readings hold background and noise only.
const farSouth = 3.0

// nullOutcome is what a ranking named in a scenario where it should name
// nobody: named (it did not abstain), sure (medium or high confidence) and
// sureBefore (medium or high before the explanation gate, whose check the
// confidence records).
type nullOutcome struct {
	named, sure, sureBefore bool
	level                   string
	gate                    *odour.Explanation
}

func nullOf(tb testing.TB, res *airattr.Result) nullOutcome {
	tb.Helper()
	c := res.Attribution.Confidence
	o := nullOutcome{named: c.Level != odour.LevelAbstain, sure: sureLevel(c.Level), level: c.Level}
	o.sureBefore = o.sure
	if x := c.Explanation; x != nil {
		o.gate = x
		o.sureBefore = sureLevel(x.LevelBefore)
		if x.Passed != o.sure {
			tb.Errorf("the explanation gate passed %v, but the level is %s", x.Passed, c.Level)
		}
	}
	return o
}

// gateText gives the explanation gate's numbers for a log.
func (o nullOutcome) gateText() string {
	if o.gate == nil {
		return "no gate"
	}
	return fmt.Sprintf("gate share %.4f z %.2f hours %d", o.gate.Share, o.gate.Z, o.gate.Hours)
}

func sureLevel(l string) bool { return l == odour.LevelMedium || l == odour.LevelHigh }

// attribute screens sc with ADF and ranks the factories fs with its
// measured wind.
func attribute(tb testing.TB, sc *sensorsynth.Scenario, fs []odoursynth.Factory) *airattr.Result {
	tb.Helper()
	ctx := context.Background()
	screen, err := adf.Run(ctx, sc.Data, sc.From, sc.To, adf.Default())
	if err != nil {
		tb.Fatal(err)
	}
	ds := &model.Dataset{}
	for _, f := range fs {
		p := model.FromLonLat(f.Lon, f.Lat)
		ds.Facilities = append(ds.Facilities, model.Facility{EmsNo: f.ID, Name: f.Name, Industry: f.Industry, Location: &p})
	}
	if err := ds.Index(); err != nil {
		tb.Fatal(err)
	}
	e, err := airattr.NewWithField(ds, airattr.Events(screen, sc.Data), sc.Grid, sc.Measured, odour.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	res, err := e.Rank(ctx, sc.From, sc.To)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// nulls runs the two null scenarios of seed and, to price the
// explanation gate, the A-T4 scenario itself. Missing source: the A-T4
// scenario with the injected factory left out of the list, so that every
// ranking that names a factory names an innocent one. No plume: the same
// factories, sensors and wind, but the factories moved farSouth while the
// readings are generated (MinAffected −1 accepts a scenario with no
// affected sensor), so the sensors see background and noise only; the
// ranking is then asked about the factories at their real places. Truth:
// the A-T4 ranking with every factory; first is whether it puts the
// injected factory first (rank 1).
func nulls(tb testing.TB, st atmos.Monitor, wind []atmos.Observation, seed uint64) (missing, none, truth nullOutcome, first bool) {
	tb.Helper()
	ctx := context.Background()
	cfg := sensorsynth.Config{Station: st, Wind: wind, Centre: odoursynth.TaichungCoast}
	sc, err := sensorsynth.Generate(ctx, cfg, seed)
	if err != nil {
		tb.Fatal(err)
	}
	all := attribute(tb, sc, sc.Factories)
	truth = nullOf(tb, all)
	if cs := all.Attribution.Candidates; len(cs) > 0 {
		first = cs[0].FacilityID == sc.Factories[sc.Source].ID && cs[0].Rank == 1
	}
	var others []odoursynth.Factory
	for i, f := range sc.Factories {
		if i != sc.Source {
			others = append(others, f)
		}
	}
	missing = nullOf(tb, attribute(tb, sc, others))
	far := append([]odoursynth.Factory(nil), sc.Factories...)
	for i := range far {
		far[i].Lat -= farSouth
	}
	cfg.Factories, cfg.MinAffected = far, -1
	quiet, err := sensorsynth.Generate(ctx, cfg, seed)
	if err != nil {
		tb.Fatal(err)
	}
	if len(quiet.Affected) != 0 {
		tb.Fatalf("seed %d: the no-plume scenario has %d affected sensors", seed, len(quiet.Affected))
	}
	none = nullOf(tb, attribute(tb, quiet, sc.Factories))
	if testing.Verbose() {
		tb.Logf("null seed %d: missing source (%s left out): %s (before the gate %v, %s); no plume: %s (%v, %s); truth: first %v, %s (%v, %s)", seed,
			sc.Factories[sc.Source].ID, missing.level, missing.sureBefore, missing.gateText(), none.level, none.sureBefore, none.gateText(),
			first, truth.level, truth.sureBefore, truth.gateText())
	}
	return missing, none, truth, first
}

// nullRates are the shares of seeds whose null ranking named a factory
// (did not abstain) and named one with medium or high confidence, after
// and before the explanation gate; first is the share whose A-T4 ranking
// puts the injected factory first, firstSure those of them with medium or
// high confidence before the gate, and lowered those the gate lowered to
// low: its cost.
type nullRates struct {
	missingNamed, missingSure, missingSureBefore float64
	noneNamed, noneSure, noneSureBefore          float64
	first, firstSure, lowered                    float64
}

func evaluateNull(tb testing.TB, base uint64, n int) nullRates {
	st, wind := odoursynth.WuqiWind(tb)
	var r nullRates
	add := func(v *float64, ok bool) { *v += float64(b2i(ok)) / float64(n) }
	for seed := base; seed < base+uint64(n); seed++ {
		m, z, t, first := nulls(tb, st, wind, seed)
		add(&r.missingNamed, m.named)
		add(&r.missingSure, m.sure)
		add(&r.missingSureBefore, m.sureBefore)
		add(&r.noneNamed, z.named)
		add(&r.noneSure, z.sure)
		add(&r.noneSureBefore, z.sureBefore)
		add(&r.first, first)
		add(&r.firstSure, first && t.sureBefore)
		add(&r.lowered, first && t.sureBefore && !t.sure)
	}
	return r
}

// TestSyntheticPlumeNull runs the null scenarios (nulls) of seeds 1–8.
// With no plume at all, no ranking may name a factory with medium or high
// confidence. With the injected factory missing from the list, the
// explanation gate must bring the medium-or-high namings of an innocent
// factory to at most 1 of 8 (the gate's 2 % target plus twice its sampling
// error at 8 scenarios), must lower some of those the other rules gave,
// and may never raise a level.
func TestSyntheticPlumeNull(t *testing.T) {
	if testing.Short() {
		t.Skip("the null scenarios run the puff model; skipped in -short")
	}
	const n = 8
	r := evaluateNull(t, 1, n)
	t.Logf("%d null scenarios: missing source named %.2f, medium or high %.2f (%.2f before the explanation gate); no plume named %.2f, medium or high %.2f (%.2f before); injected factory first %.2f, lowered to low by the gate %.2f",
		n, r.missingNamed, r.missingSure, r.missingSureBefore, r.noneNamed, r.noneSure, r.noneSureBefore, r.first, r.lowered)
	if r.noneSure > 0 {
		t.Errorf("with no plume, %.2f of the rankings name a factory with medium or high confidence", r.noneSure)
	}
	if r.missingSure*n > 1.5 {
		t.Errorf("with the source missing, %.2f of the rankings name an innocent factory with medium or high confidence, above 1 of %d", r.missingSure, n)
	}
	if r.missingSure > r.missingSureBefore || r.noneSure > r.noneSureBefore {
		t.Errorf("the explanation gate raised a confidence: %+v", r)
	}
	// Seeds 1–8 hold one innocent factory named with medium confidence by
	// the other rules (seed 3: share of the surface maximum 0.74).
	if r.missingSureBefore > 0 && r.missingSure >= r.missingSureBefore {
		t.Errorf("the explanation gate lowered none of the %.0f medium or high namings of an innocent factory", r.missingSureBefore*n)
	}
}

// BenchmarkSyntheticPlumeNull runs the null scenarios (nulls) of the
// seeds BenchmarkSyntheticPlume runs and reports how often a ranking
// named a factory where none, or no listed one, emitted, after and before
// the explanation gate, and what the gate costs on the A-T4 scenarios of
// the same seeds.
func BenchmarkSyntheticPlumeNull(b *testing.B) {
	for range b.N {
		r := evaluateNull(b, *seedBase, *scenarios)
		b.ReportMetric(r.missingNamed, "missing_source_named_rate")
		b.ReportMetric(r.missingSure, "missing_source_medium_or_high_rate")
		b.ReportMetric(r.missingSureBefore, "missing_source_medium_or_high_before_gate_rate")
		b.ReportMetric(r.noneNamed, "no_plume_named_rate")
		b.ReportMetric(r.noneSure, "no_plume_medium_or_high_rate")
		b.ReportMetric(r.noneSureBefore, "no_plume_medium_or_high_before_gate_rate")
		b.ReportMetric(r.first, "injected_first_rate")
		b.ReportMetric(r.firstSure, "injected_first_medium_or_high_before_gate_rate")
		b.ReportMetric(r.lowered, "injected_first_lowered_by_gate_rate")
		b.ReportMetric(float64(*scenarios), "scenarios")
	}
}
