package airpermit

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/permits"
)

// Thresholds of the rules.
const (
	// PermitPadding: a permitted rate above this multiple of the process's
	// uncontrolled potential (capacity × factor) is implausible.
	PermitPadding = 2.0
	// UnderReport: reported SO2 below this share of fuel × sulphur ×
	// factor × (1 − control efficiency) is implausible.
	UnderReport = 0.5
	// MinAvailability is the CEMS share of valid records required (85 %).
	MinAvailability = 0.85
	// FlatLineRecords: a day flat-lines when at least this many valid
	// records (20 h of 15-minute values) all carry one value.
	FlatLineRecords = 80
	// StealthRatio: a mean at night, at weekends or in the rain above this
	// multiple of the working-hours mean is an excess.
	StealthRatio = 1.5
	// StealthMinRecords: each side of a stealth comparison needs at least
	// this many valid records (4 h).
	StealthMinRecords = 16
	// recordHours is the length of one CEMS record (15 minutes, the
	// transmission interval of the CEMS rules).
	recordHours = 0.25
)

// Rules, as they appear in findings.
const (
	RulePermitCapacity = "permit-capacity"
	RuleFuelSulphur    = "fuel-sulphur"
	RuleFlatLine       = "cems-flat-line"
	RuleAvailability   = "cems-availability"
	RulePeer           = "production-peer"
	RuleStealth        = "stealth-emission"
)

// Report is the air-permit rationality report: `envtrace check
// air-permits --json` and GET /api/v1/checks/air-permits.
type Report struct {
	Facilities int               `json:"facilities"`
	Findings   []permits.Finding `json:"findings"`
	Notes      []string          `json:"notes"`
}

// Check runs every rule.
func Check(d *Data) *Report {
	r := &Report{Findings: []permits.Finding{}, Notes: []string{}}
	fac := map[string]bool{}
	for _, p := range d.Permits {
		fac[p.Facility] = true
	}
	for _, dc := range d.Declarations {
		fac[dc.Facility] = true
	}
	for _, c := range d.CEMS {
		fac[c.Facility] = true
	}
	r.Facilities = len(fac)
	st := newStacks(d.CEMS)
	r.Findings = append(r.Findings, permitCapacity(d)...)
	fs, notes := fuelSulphur(d, st)
	r.Findings = append(r.Findings, fs...)
	r.Notes = append(r.Notes, notes...)
	r.Findings = append(r.Findings, flatLines(st)...)
	r.Findings = append(r.Findings, availability(st)...)
	r.Findings = append(r.Findings, peers(d)...)
	r.Findings = append(r.Findings, stealth(st, d.Rain)...)
	rank := map[permits.Severity]int{permits.High: 0, permits.Medium: 1, permits.Low: 2}
	sort.SliceStable(r.Findings, func(a, b int) bool {
		fa, fb := r.Findings[a], r.Findings[b]
		if rank[fa.Severity] != rank[fb.Severity] {
			return rank[fa.Severity] < rank[fb.Severity]
		}
		if fa.Facility != fb.Facility {
			return fa.Facility < fb.Facility
		}
		return fa.Check < fb.Check
	})
	return r
}

// permitCapacity: permitted rate > PermitPadding × capacity × factor at
// the permitted sulphur content.
func permitCapacity(d *Data) []permits.Finding {
	var out []permits.Finding
	for _, p := range d.Permits {
		fa, kg, ok := d.Factors.Lookup(p.Fuel, p.Pollutant, p.SulphurPct)
		if !ok || p.Capacity <= 0 {
			continue
		}
		potential := p.Capacity * kg
		if potential <= 0 || p.PermittedKgH <= PermitPadding*potential {
			continue
		}
		out = append(out, permits.Finding{Facility: p.Facility, Permit: p.PerNo, Check: RulePermitCapacity, Severity: permits.Medium,
			Message: fmt.Sprintf("stack %s: permitted %s %.3g kg/h is %.1f× what the process can emit uncontrolled (capacity × factor = %.3g kg/h; factor: %s)",
				p.Stack, p.Pollutant, p.PermittedKgH, p.PermittedKgH/potential, potential, fa.Source),
			Numbers: map[string]float64{"permitted_kg_h": round(p.PermittedKgH, 4), "capacity_per_h": round(p.Capacity, 4),
				"factor_kg_per_unit": round(kg, 6), "potential_kg_h": round(potential, 4), "ratio": round(p.PermittedKgH/potential, 3)}})
	}
	return out
}

// fuelSulphur: declared fuel × sulphur × factor × (1 − control
// efficiency) against the SO2 the facility declared and, where the stack
// has CEMS, the SO2 mass the CEMS measured in the period.
func fuelSulphur(d *Data, st *stacks) ([]permits.Finding, []string) {
	var out []permits.Finding
	var notes []string
	for _, dc := range d.Declarations {
		fa, kg, ok := d.Factors.Lookup(dc.Fuel, "SO2", dc.SulphurPct)
		if !ok {
			continue
		}
		expected := dc.FuelAmount * kg * (1 - dc.ControlEfficiency)
		if expected <= 0 {
			continue
		}
		type reported struct {
			source string
			kg     float64
		}
		var rs []reported
		if dc.HasDeclaredSO2 {
			rs = append(rs, reported{"declared", dc.DeclaredSO2Kg})
		}
		from, to := dc.From, dc.To.AddDate(0, 0, 1)
		if m, n, skipped := st.massKg(dc.Facility, dc.Stack, "SO2", from, to); n > 0 {
			rs = append(rs, reported{"CEMS", m})
			if skipped > 0 {
				notes = append(notes, fmt.Sprintf("%s %s: %d SO2 records left out of the CEMS mass (wet basis, or no O₂ or flow at the same time)", dc.Facility, dc.Stack, skipped))
			}
		}
		for _, rp := range rs {
			if rp.kg >= UnderReport*expected {
				continue
			}
			out = append(out, permits.Finding{Facility: dc.Facility, Check: RuleFuelSulphur, Severity: permits.High,
				Period: dc.From.Format("2006-01-02") + "/" + dc.To.Format("2006-01-02"),
				Message: fmt.Sprintf("stack %s: %s SO2 %.4g kg is %.0f%% of what the declared fuel implies (%.4g %s of %s at %.2f%% S × %.4g kg/unit·%%S × (1 − %.0f%% control) = %.4g kg; factor: %s)",
					dc.Stack, rp.source, rp.kg, 100*rp.kg/expected, dc.FuelAmount, mustBase(d.Factors, dc.Fuel), dc.Fuel, dc.SulphurPct, fa.KgPerBase, 100*dc.ControlEfficiency, expected, fa.Source),
				Numbers: map[string]float64{"reported_kg": round(rp.kg, 3), "expected_kg": round(expected, 3), "ratio": round(rp.kg/expected, 3),
					"fuel_amount": round(dc.FuelAmount, 3), "sulphur_pct": dc.SulphurPct, "control_efficiency": dc.ControlEfficiency, "from_cems": b2f(rp.source == "CEMS")}})
		}
	}
	return out, notes
}

func mustBase(f *Factors, fuel string) string {
	b, _ := f.base(fuel)
	return b
}

// flatLines: a day with ≥ FlatLineRecords valid records all equal, for a
// stack parameter (excused records — shutdown, calibration, start-up —
// are left out: they flat-line legitimately).
func flatLines(st *stacks) []permits.Finding {
	var out []permits.Finding
	for _, k := range st.keys() {
		days := map[string][]float64{}
		var order []string
		for _, r := range st.series[k] {
			if !r.Status.Valid() {
				continue
			}
			day := r.Time.In(taipei).Format("2006-01-02")
			if _, ok := days[day]; !ok {
				order = append(order, day)
			}
			days[day] = append(days[day], r.Value)
		}
		for _, day := range order {
			vs := days[day]
			if len(vs) < FlatLineRecords {
				continue
			}
			lo, hi := minMax(vs)
			if hi != lo {
				continue
			}
			out = append(out, permits.Finding{Facility: k.facility, Check: RuleFlatLine, Severity: permits.High, Period: day,
				Message: fmt.Sprintf("stack %s %s: %d valid records on %s all read %g (zero variance over the day while the status says the unit operated normally)",
					k.stack, k.param, len(vs), day, lo),
				Numbers: map[string]float64{"records": float64(len(vs)), "value": lo, "variance": 0}})
		}
	}
	return out
}

// availability: valid records ÷ (expected records − excused records) per
// stack parameter and calendar quarter, from the first to the last day
// with records; below MinAvailability is a finding.
func availability(st *stacks) []permits.Finding {
	var out []permits.Finding
	for _, k := range st.keys() {
		type q struct {
			first, last             time.Time
			valid, excused, present int
		}
		quarters := map[string]*q{}
		var order []string
		for _, r := range st.series[k] {
			t := r.Time.In(taipei)
			name := fmt.Sprintf("%dQ%d", t.Year(), (int(t.Month())-1)/3+1)
			a := quarters[name]
			if a == nil {
				a = &q{first: t}
				quarters[name] = a
				order = append(order, name)
			}
			a.last = t
			a.present++
			switch {
			case r.Status.Valid():
				a.valid++
			case r.Status.Excused():
				a.excused++
			}
		}
		for _, name := range order {
			a := quarters[name]
			start := time.Date(a.first.Year(), a.first.Month(), a.first.Day(), 0, 0, 0, 0, taipei)
			end := time.Date(a.last.Year(), a.last.Month(), a.last.Day(), 0, 0, 0, 0, taipei).AddDate(0, 0, 1)
			expected := int(end.Sub(start).Hours() / recordHours)
			denom := expected - a.excused
			if denom <= 0 {
				continue
			}
			share := float64(a.valid) / float64(denom)
			if share >= MinAvailability {
				continue
			}
			out = append(out, permits.Finding{Facility: k.facility, Check: RuleAvailability, Severity: permits.Medium, Period: name,
				Message: fmt.Sprintf("stack %s %s: %.1f%% of the %d expected 15-minute records are valid in %s (%d valid, %d missing, %d excused; the rule asks ≥ 85%%)",
					k.stack, k.param, 100*share, denom, name, a.valid, expected-a.present, a.excused),
				Numbers: map[string]float64{"availability": round(share, 4), "valid": float64(a.valid), "expected": float64(denom),
					"missing": float64(expected - a.present), "excused": float64(a.excused)}})
		}
	}
	return out
}

// peers: declared SO2 per unit of production, per facility over all its
// declarations, against the facilities of the same industry and
// production unit (robust z-score, permits.RobustZ).
func peers(d *Data) []permits.Finding {
	type acc struct {
		so2, prod float64
	}
	groups := map[string]map[string]*acc{}
	for _, dc := range d.Declarations {
		if !dc.HasDeclaredSO2 || dc.Production <= 0 || dc.Industry == "" {
			continue
		}
		g := dc.Industry + " per " + dc.ProductionUnit
		if groups[g] == nil {
			groups[g] = map[string]*acc{}
		}
		a := groups[g][dc.Facility]
		if a == nil {
			a = &acc{}
			groups[g][dc.Facility] = a
		}
		a.so2 += dc.DeclaredSO2Kg
		a.prod += dc.Production
	}
	var out []permits.Finding
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		var facs []string
		for f := range groups[g] {
			facs = append(facs, f)
		}
		if len(facs) < 4 {
			continue
		}
		sort.Strings(facs)
		xs := make([]float64, len(facs))
		for i, f := range facs {
			xs[i] = groups[g][f].so2 / groups[g][f].prod
		}
		zs, med, ok := permits.RobustZ(xs)
		if !ok {
			continue
		}
		for i, f := range facs {
			if zs[i] <= permits.PeerOutlierZ {
				continue
			}
			out = append(out, permits.Finding{Facility: f, Check: RulePeer, Severity: permits.Medium,
				Message: fmt.Sprintf("SO2 per unit of production %.4g kg is an outlier among %d facilities (%s): median %.4g, robust z %.1f",
					xs[i], len(facs), g, med, zs[i]),
				Numbers: map[string]float64{"kg_per_unit": round(xs[i], 6), "peer_median": round(med, 6), "robust_z": round(zs[i], 2), "peers": float64(len(facs))}})
		}
	}
	return out
}

// stealth: the mean of valid values at night (22:00–06:00), at weekends
// and in rainy hours against working hours (weekdays 08:00–18:00 without
// rain), Taiwan time, per stack pollutant.
func stealth(st *stacks, rain map[int64]bool) []permits.Finding {
	var out []permits.Finding
	for _, k := range st.keys() {
		if k.param == "O2" || k.param == "STACK_FLOW" {
			continue
		}
		var work, night, weekend, wet []float64
		for _, r := range st.series[k] {
			if !r.Status.Valid() {
				continue
			}
			t := r.Time.In(taipei)
			h, wd := t.Hour(), t.Weekday()
			isWeekend := wd == time.Saturday || wd == time.Sunday
			isRain := rain[t.Truncate(time.Hour).Unix()]
			switch {
			case isRain:
				wet = append(wet, r.Value)
			case isWeekend:
				weekend = append(weekend, r.Value)
			case h >= 22 || h < 6:
				night = append(night, r.Value)
			case h >= 8 && h < 18:
				work = append(work, r.Value)
			}
		}
		if len(work) < StealthMinRecords {
			continue
		}
		base := mean(work)
		if base <= 0 {
			continue
		}
		for _, side := range []struct {
			name string
			vs   []float64
		}{{"night", night}, {"weekend", weekend}, {"rain", wet}} {
			if len(side.vs) < StealthMinRecords {
				continue
			}
			m := mean(side.vs)
			if m <= StealthRatio*base {
				continue
			}
			out = append(out, permits.Finding{Facility: k.facility, Check: RuleStealth, Severity: permits.Medium,
				Message: fmt.Sprintf("stack %s %s: the %s mean %.4g is %.1f× the working-hours mean %.4g (%d and %d valid records)",
					k.stack, k.param, side.name, m, m/base, base, len(side.vs), len(work)),
				Numbers: map[string]float64{side.name + "_mean": round(m, 4), "working_mean": round(base, 4), "ratio": round(m/base, 3),
					side.name + "_records": float64(len(side.vs)), "working_records": float64(len(work))}})
		}
	}
	return out
}

func mean(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s / float64(len(vs))
}

func minMax(vs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// taipei is Taiwan time (atmos.TaipeiTime), for days, quarters and
// working hours.
var taipei = atmos.TaipeiTime

// stackKey identifies one CEMS series.
type stackKey struct{ facility, stack, param string }

// stacks holds CEMS records by series, in time order.
type stacks struct {
	series map[stackKey][]CEMSRecord
	at     map[stackKey]map[int64]CEMSRecord
}

func newStacks(rs []CEMSRecord) *stacks {
	s := &stacks{series: map[stackKey][]CEMSRecord{}, at: map[stackKey]map[int64]CEMSRecord{}}
	for _, r := range rs {
		k := stackKey{r.Facility, r.Stack, r.Parameter}
		s.series[k] = append(s.series[k], r)
		if s.at[k] == nil {
			s.at[k] = map[int64]CEMSRecord{}
		}
		s.at[k][r.Time.Unix()] = r
	}
	for k := range s.series {
		sort.SliceStable(s.series[k], func(i, j int) bool { return s.series[k][i].Time.Before(s.series[k][j].Time) })
	}
	return s
}

func (s *stacks) keys() []stackKey {
	out := make([]stackKey, 0, len(s.series))
	for k := range s.series {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.facility != b.facility {
			return a.facility < b.facility
		}
		if a.stack != b.stack {
			return a.stack < b.stack
		}
		return a.param < b.param
	})
	return out
}

// massKg is the pollutant mass a stack's CEMS measured in [from, to): each
// valid record's concentration, brought to mg/Nm³ on a dry basis at the
// measured O₂ (MassConcentration), times the dry flow at the same instant,
// times the record's 15 minutes. It returns the mass, the records used
// and the records skipped.
func (s *stacks) massKg(facility, stack, pollutant string, from, to time.Time) (kg float64, used, skipped int) {
	flows := s.at[stackKey{facility, stack, "STACK_FLOW"}]
	o2 := s.at[stackKey{facility, stack, "O2"}]
	for _, r := range s.series[stackKey{facility, stack, pollutant}] {
		if r.Time.Before(from) || !r.Time.Before(to) || !r.Status.Valid() {
			continue
		}
		q, ok := flows[r.Time.Unix()]
		if !ok || !q.Status.Valid() {
			skipped++
			continue
		}
		var o2Meas *float64
		if m, ok := o2[r.Time.Unix()]; ok && m.Status.Valid() {
			v, _ := param.Convert(m.Value, m.Unit, "%vol")
			o2Meas = &v
		}
		c, ok := MassConcentration(r, o2Meas)
		if !ok {
			skipped++
			continue
		}
		flow, _ := param.Convert(q.Value, q.Unit, "Nm³/h")
		kg += c * flow * recordHours * 1e-6
		used++
	}
	return kg, used, skipped
}

// MassConcentration brings a CEMS value to mg/Nm³, dry, at the O₂
// actually measured: a mixing ratio by the registry's gas rule at normal
// conditions (param.MolarVolumeNormal, 22.414 L/mol); a value corrected to
// reference O₂ back by (21 − O₂ measured)/(21 − O₂ reference). A wet-basis value, or a corrected one without a measured
// O₂, cannot be brought there (false): the moisture or oxygen needed is
// unknown, and guessing would mix bases.
func MassConcentration(r CEMSRecord, o2Measured *float64) (float64, bool) {
	if !r.Dry {
		return 0, false
	}
	p, err := param.Lookup(r.Parameter)
	if err != nil {
		return 0, false
	}
	c, err := p.In(r.Value, r.Unit, "mg/Nm³")
	if err != nil {
		return 0, false
	}
	if r.O2Ref > 0 {
		if o2Measured == nil || *o2Measured >= 21 {
			return 0, false
		}
		c *= (21 - *o2Measured) / (21 - r.O2Ref)
	}
	return c, true
}
