package risk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/airrisk"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/industry"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/permits"
)

// Windows and caps of the term values (docs/inspection.md).
const (
	// FindingsWindow: permit findings count over the year before as-of.
	FindingsWindow = 365 * 24 * time.Hour
	// PetitionWindow and PetitionRadiusM: petitions within 2 km in the
	// year before as-of count.
	PetitionWindow  = 365 * 24 * time.Hour
	PetitionRadiusM = 2000
	// OdourWindow: odour attribution ranks the petitions of the 90 days
	// before as-of.
	OdourWindow = 90 * 24 * time.Hour
	// ComplianceQuarters is ECHO's window: the 12 quarters before the
	// as-of quarter.
	ComplianceQuarters = 12
	// MaxYearsSince caps years since the last inspection (and is the value
	// of a facility never inspected on record).
	MaxYearsSince = 5.0
	// OdourVotesCap caps the odour votes counted.
	OdourVotesCap = 10.0
)

// Input is what the features are computed from: a data directory, the
// recorded outcomes, and the signals a caller brings from outside the
// directory's files. Each is dated, so a ranking as of any date counts
// only what was known before it.
type Input struct {
	Dir      *datadir.Dir
	Outcomes []Outcome
	// Traces are the water traces of the directory's readings
	// (TraceReadings); nil when there is no network to trace them on.
	Traces *Traces
	// Dumping are the dumping desk's reports (one per dump); none is
	// "no data".
	Dumping []DumpingReport
}

// Compute returns every facility's features as of asOf, using only data
// dated before it.
func Compute(ctx context.Context, in Input, asOf time.Time) (map[string]Features, error) {
	if in.Dir == nil || in.Dir.Water == nil {
		return nil, errors.New("risk: no data directory")
	}
	ds := before(in.Dir.Water, asOf)
	findings := permitFindings(ds, asOf)
	airF, airDated := airFindings(in.Dir.AirPermits, asOf)
	odourV, odourDate, odourNote, err := odourVotes(ctx, in.Dir, asOf)
	if err != nil {
		return nil, err
	}
	airV, airDate, err := airVotes(ctx, in.Dir, asOf)
	if err != nil {
		return nil, err
	}
	traced, untraced := waterTraces(in.Traces, asOf)
	out := map[string]Features{}
	for i := range ds.Facilities {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("risk: features: %w", err)
		}
		f := &ds.Facilities[i]
		lon, lat, located := f.Position()
		fs := Features{
			TermIndustry:        industryClass(f, asOf),
			TermWaterPermit:     findings[f.EmsNo],
			TermCompliance:      compliance(ds, in.Outcomes, f.EmsNo, asOf),
			TermSinceInspection: sinceInspection(in.Outcomes, f.EmsNo, asOf),
			TermPetitions:       petitions(in.Dir.Petitions, f, asOf),
			TermDumping:         dumpingNear(in.Dumping, lon, lat, located, asOf),
		}
		if v, ok := traced[f.EmsNo]; ok {
			fs[TermWaterTrace] = v
		} else {
			fs[TermWaterTrace] = untraced
		}
		if v, ok := airF[f.EmsNo]; ok {
			fs[TermAirPermit] = v
		} else if airDated {
			fs[TermAirPermit] = Value{Note: "no air permit of this facility on file"}
		} else {
			fs[TermAirPermit] = Value{Note: "no data: no air-permit files"}
		}
		fs[TermOdourAir] = odourAir(f.EmsNo, odourV, odourDate, odourNote, airV, airDate)
		out[f.EmsNo] = fs
	}
	return out, nil
}

// before is the water dataset as it stood before t: reports whose period
// ended and effluent readings taken before t. Facilities and permits are
// the register as read.
func before(ds *model.Dataset, t time.Time) *model.Dataset {
	out := &model.Dataset{Facilities: ds.Facilities, Outfalls: ds.Outfalls, Permits: ds.Permits, Limits: ds.Limits,
		Stations: ds.Stations}
	for _, r := range ds.Reports {
		if r.Period.End.Before(t) {
			out.Reports = append(out.Reports, r)
		}
	}
	for _, e := range ds.Effluent {
		if e.Time.Before(t) {
			out.Effluent = append(out.Effluent, e)
		}
	}
	return out
}

// IndustryClass is a facility's industry risk class, 1–3: 3 for the
// water high-risk categories (tracing/industry: heavy metals reaching
// irrigation canals) and air class 3 (tracing/airrisk), else the air
// class.
func IndustryClass(name string) int {
	if p, _ := industry.Resolve(name); p.HighRisk {
		return 3
	}
	return airrisk.RiskClass(name)
}

func industryClass(f *model.Facility, asOf time.Time) Value {
	return Value{V: float64(IndustryClass(f.Industry)), Date: asOf,
		Note: "industry " + f.Industry + " (facility register, undated: dated as of the ranking)"}
}

// severityWeight counts a finding by severity.
var severityWeight = map[permits.Severity]float64{permits.High: 1, permits.Medium: 0.5, permits.Low: 0.25}

// permitFindings runs the water-permit rationality checks on the reports
// of the year before asOf: each finding counts by severity (high 1,
// medium 0.5, low 0.25).
func permitFindings(ds *model.Dataset, asOf time.Time) map[string]Value {
	win := &model.Dataset{Facilities: ds.Facilities, Outfalls: ds.Outfalls, Permits: ds.Permits, Limits: ds.Limits}
	newest := map[string]time.Time{}
	for _, r := range ds.Reports {
		if !r.Period.End.Before(asOf.Add(-FindingsWindow)) {
			win.Reports = append(win.Reports, r)
			newest[r.Facility] = later(newest[r.Facility], r.Period.End)
		}
	}
	for _, e := range ds.Effluent {
		if !e.Time.Before(asOf.Add(-FindingsWindow)) {
			win.Effluent = append(win.Effluent, e)
			newest[e.Facility] = later(newest[e.Facility], e.Time)
		}
	}
	out := map[string]Value{}
	for _, f := range ds.Facilities {
		if d, ok := newest[f.EmsNo]; ok {
			out[f.EmsNo] = Value{Date: d, Note: "water-permit findings of the last year"}
		} else {
			out[f.EmsNo] = Value{Note: "no data: no reports or effluent readings in the last year"}
		}
	}
	for _, fd := range permits.Check(win).Findings {
		if v, ok := out[fd.Facility]; ok && !v.Date.IsZero() {
			v.V += severityWeight[fd.Severity]
			out[fd.Facility] = v
		}
	}
	return out
}

// airFindings runs the air-permit rules on the CEMS records and
// declarations of the year before asOf, counted as permitFindings counts.
// dated says whether any air-permit data exists.
func airFindings(d *airpermit.Data, asOf time.Time) (map[string]Value, bool) {
	out := map[string]Value{}
	if d == nil || len(d.Permits)+len(d.Declarations)+len(d.CEMS) == 0 {
		return out, false
	}
	from := asOf.Add(-FindingsWindow)
	win := &airpermit.Data{Permits: d.Permits, Rain: d.Rain, Factors: d.Factors}
	for _, c := range d.CEMS {
		if c.Time.Before(asOf) && !c.Time.Before(from) {
			win.CEMS = append(win.CEMS, c)
			out[c.Facility] = Value{Date: later(out[c.Facility].Date, c.Time)}
		}
	}
	for _, dc := range d.Declarations {
		if dc.To.Before(asOf) && !dc.To.Before(from) {
			win.Declarations = append(win.Declarations, dc)
			out[dc.Facility] = Value{Date: later(out[dc.Facility].Date, dc.To)}
		}
	}
	for _, p := range d.Permits {
		if _, ok := out[p.Facility]; !ok {
			out[p.Facility] = Value{Note: "no data: no CEMS or declarations in the last year"}
		}
	}
	for _, fd := range airpermit.Check(win).Findings {
		if v, ok := out[fd.Facility]; ok && !v.Date.IsZero() {
			v.V += severityWeight[fd.Severity]
			v.Note = "air-permit findings of the last year"
			out[fd.Facility] = v
		}
	}
	return out, true
}

// odourVotes ranks the odour petitions of the 90 days before asOf; note
// is non-empty when there is no data to rank.
func odourVotes(ctx context.Context, d *datadir.Dir, asOf time.Time) (map[string]float64, time.Time, string, error) {
	var newest time.Time
	n := 0
	for _, p := range d.Petitions {
		if p.Time.Before(asOf) && !p.Time.Before(asOf.Add(-OdourWindow)) {
			newest = later(newest, p.Time)
			n++
		}
	}
	if len(d.Petitions) == 0 {
		return nil, newest, "no data: no odour petitions", nil
	}
	if n == 0 {
		return map[string]float64{}, asOf, "", nil
	}
	eng, err := d.OdourEngine(odour.Options{})
	if errors.Is(err, odour.ErrNoWindData) {
		return nil, newest, "no data: no wind to attribute petitions", nil
	}
	if err != nil {
		return nil, newest, "", fmt.Errorf("risk: odour attribution: %w", err)
	}
	res, err := eng.Rank(ctx, asOf.Add(-OdourWindow), asOf)
	if err != nil {
		return nil, newest, "", fmt.Errorf("risk: odour attribution: %w", err)
	}
	out := map[string]float64{}
	for _, c := range res.Candidates {
		if c.Rank > 0 { // an abstaining result ranks nobody
			out[c.FacilityID] = c.Score
		}
	}
	return out, newest, "", nil
}

// airVotes attributes the micro-sensor emission and RED events of the
// OdourWindow before asOf upwind to the facilities (tracing/airattr, the
// answer of `envtrace air attribute`): each facility's votes, and the
// newest event. Without sensors, wind or events it is empty.
func airVotes(ctx context.Context, d *datadir.Dir, asOf time.Time) (map[string]float64, time.Time, error) {
	if d.Sensors == nil || len(d.Sensors.Sensors) == 0 || len(d.Wind) == 0 {
		return nil, time.Time{}, nil
	}
	res, err := airquery.RunAttribution(ctx, airquery.FromDir(d),
		airquery.Attribution{Anomalies: airquery.Anomalies{From: asOf.Add(-OdourWindow), To: asOf}})
	if errors.Is(err, odour.ErrNoWindData) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("risk: air attribution: %w", err)
	}
	var newest time.Time
	for _, e := range res.Events {
		newest = later(newest, e.Time)
	}
	out := map[string]float64{}
	if res.Attribution != nil {
		for _, c := range res.Attribution.Candidates {
			if c.Rank > 0 { // an abstaining result ranks nobody
				out[c.FacilityID] = c.Score
			}
		}
	}
	return out, newest, nil
}

// odourAir is the odour-and-air attribution term: the facility's votes
// from the odour petitions and from the micro-sensor events of the last
// 90 days, added and capped at OdourVotesCap, dated by the newest
// petition or event.
func odourAir(id string, odourV map[string]float64, odourDate time.Time, odourNote string, airV map[string]float64, airDate time.Time) Value {
	if odourNote != "" && airDate.IsZero() {
		return Value{Note: odourNote}
	}
	v := Value{V: math.Min(odourV[id]+airV[id], OdourVotesCap), Note: "odour votes of the last 90 days' petitions"}
	if odourNote == "" {
		v.Date = odourDate
	}
	if !airDate.IsZero() {
		v.Date = later(v.Date, airDate)
		v.Note = fmt.Sprintf("votes of the last 90 days' odour petitions (%.3g) and micro-sensor events (%.3g)", odourV[id], airV[id])
	}
	return v
}

// petitions counts the petitions within PetitionRadiusM of the site in
// the year before asOf.
func petitions(ps []odour.Petition, f *model.Facility, asOf time.Time) Value {
	if len(ps) == 0 {
		return Value{Note: "no data: no petitions"}
	}
	lon, lat, ok := f.Position()
	if !ok {
		return Value{Note: "no data: the facility has no location"}
	}
	v := Value{Note: "petitions within 2 km in the last year"}
	for _, p := range ps {
		if !p.Time.Before(asOf) {
			continue
		}
		v.Date = later(v.Date, p.Time)
		if !p.Time.Before(asOf.Add(-PetitionWindow)) && Haversine(lon, lat, p.Lon, p.Lat) <= PetitionRadiusM {
			v.V++
		}
	}
	return v
}

// compliance counts, as ECHO does, the quarters of the 12 before asOf's
// quarter in which the facility was in non-compliance: a reported value
// above a permit limit, or a violation found by an inspection.
func compliance(ds *model.Dataset, outs []Outcome, ems string, asOf time.Time) Value {
	q0 := QuarterStart(asOf)
	from := q0.AddDate(0, -3*ComplianceQuarters, 0)
	bad := map[time.Time]bool{}
	var newest time.Time
	for _, c := range permits.Comparisons(ds, ems) {
		end := c.Report.Period.End
		if end.Before(from) || !end.Before(q0) {
			continue
		}
		newest = later(newest, end)
		if c.Status == dmr.StatusExceeded {
			bad[QuarterStart(end)] = true
		}
	}
	for _, o := range outs {
		if o.Facility != ems || o.Date.Before(from) || !o.Date.Before(q0) {
			continue
		}
		newest = later(newest, o.Date)
		if o.Violation {
			bad[QuarterStart(o.Date)] = true
		}
	}
	if newest.IsZero() {
		return Value{Note: "no data: no reports against limits or inspections in the last 12 quarters"}
	}
	return Value{V: float64(len(bad)), Date: newest, Note: fmt.Sprintf("%d of the last 12 quarters in non-compliance", len(bad))}
}

// sinceInspection is the years since the last inspection on record before
// asOf, capped at MaxYearsSince (the value of a facility never inspected
// on record).
func sinceInspection(outs []Outcome, ems string, asOf time.Time) Value {
	if len(outs) == 0 {
		return Value{Note: "no data: no inspection records"}
	}
	var last time.Time
	for _, o := range outs {
		if o.Facility == ems && o.Date.Before(asOf) {
			last = later(last, o.Date)
		}
	}
	if last.IsZero() {
		return Value{V: MaxYearsSince, Note: "never inspected on record"}
	}
	y := asOf.Sub(last).Hours() / 24 / 365.25
	return Value{V: math.Min(y, MaxYearsSince), Date: last, Note: "last inspected " + last.In(taipei).Format(time.DateOnly)}
}

// QuarterStart is the first instant of t's calendar quarter in Taiwan
// time.
func QuarterStart(t time.Time) time.Time {
	t = t.In(taipei)
	return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, taipei)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Haversine is the great-circle distance in metres between two lon/lat
// points.
func Haversine(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// Calibrate fits the model on the outcomes recorded before asOf, each
// with the features as of the first day of its inspection's quarter (one
// snapshot per quarter) and its inverse-propensity weight. Without
// outcomes it returns the prior.
func Calibrate(ctx context.Context, in Input, asOf time.Time) (*Model, error) {
	snap := map[time.Time]map[string]Features{}
	var ex []Example
	for _, o := range in.Outcomes {
		if !o.Date.Before(asOf) {
			continue
		}
		q := QuarterStart(o.Date)
		fs, ok := snap[q]
		if !ok {
			var err error
			if fs, err = Compute(ctx, in, q); err != nil {
				return nil, err
			}
			snap[q] = fs
		}
		f, ok := fs[o.Facility]
		if !ok {
			continue
		}
		ex = append(ex, Example{Features: f, Violation: o.Violation, Weight: o.IPW(), Date: o.Date})
	}
	if len(ex) == 0 {
		return Prior(), nil
	}
	return Fit(ex, FitOptions{})
}

// RankDir calibrates on the outcomes before asOf and ranks every facility
// of the directory as of asOf.
func RankDir(ctx context.Context, in Input, asOf time.Time) (*Ranking, error) {
	m, err := Calibrate(ctx, in, asOf)
	if err != nil {
		return nil, err
	}
	fs, err := Compute(ctx, in, asOf)
	if err != nil {
		return nil, err
	}
	return m.Rank(asOf, fs), nil
}
