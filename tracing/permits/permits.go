// Package permits judges whether water permits are rational and kept: the
// questions a permit reviewer asks before renewing one, and an inspector
// asks before a visit. Each finding carries a severity and the numbers
// behind it, so the report can be argued with.
//
// Checks:
//   - limit: every reported value against its permit limit, with ECHO's
//     exceedance percentage ((reported − limit) / limit × 100);
//   - capacity: permitted daily discharge above the treatment plant's design
//     capacity (the permit allows more than the plant can treat);
//   - water-balance: reported discharge above permitted intake (water
//     cannot leave a plant that never entered it);
//   - constant-flow: reported flows that barely vary (a coefficient of
//     variation under 1% over four or more reports suggests copied numbers,
//     not meter readings);
//   - peer: reported discharge per unit of treatment capacity, compared
//     among plants of the same industry with a robust z-score
//     (0.6745·(x − median)/MAD, outlier beyond 3.5, after Iglewicz and
//     Hoaglin);
//   - effluent-spike, effluent-shift, effluent-stuck, effluent-impossible:
//     each online effluent monitoring series (effluent.csv: a facility's
//     outfall and parameter, day by day) screened by tracing/anomaly for
//     isolated spikes, level shifts, flat lines and physically impossible
//     values, with the value, the local median or the level before, the
//     robust score and the dates. Monthly discharge monitoring reports
//     are too short a series for this screen and are not part of it.
package permits

import (
	"fmt"
	"math"
	"sort"

	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// Severity ranks findings for triage.
type Severity string

// The severities, most serious first.
const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
)

var severityRank = map[Severity]int{High: 0, Medium: 1, Low: 2}

// Finding is one result of one check.
type Finding struct {
	Facility string `json:"facility"`
	Permit   string `json:"permit,omitempty"`
	// Outfall and Parameter name the monitored series of an effluent
	// finding; empty for the other checks.
	Outfall   string             `json:"outfall,omitempty"`
	Parameter string             `json:"parameter,omitempty"`
	Check     string             `json:"check"`
	Severity  Severity           `json:"severity"`
	Message   string             `json:"message"`
	Numbers   map[string]float64 `json:"numbers"`
	Period    string             `json:"period,omitempty"`
}

// Report is the rationality report of a dataset.
type Report struct {
	Findings []Finding `json:"findings"`
	// Facilities counts the facilities checked.
	Facilities int `json:"facilities"`
}

// Check runs every check over the dataset.
func Check(ds *model.Dataset) *Report {
	r := &Report{Facilities: len(ds.Facilities), Findings: []Finding{}}
	for i := range ds.Facilities {
		f := &ds.Facilities[i]
		r.Findings = append(r.Findings, limitFindings(ds, f)...)
		for _, pm := range ds.PermitsOf(f.EmsNo) {
			r.Findings = append(r.Findings, capacityFindings(pm)...)
			r.Findings = append(r.Findings, balanceFindings(ds, f, pm)...)
		}
		r.Findings = append(r.Findings, constantFlowFindings(ds, f)...)
		r.Findings = append(r.Findings, effluentFindings(ds, f)...)
	}
	r.Findings = append(r.Findings, peerFindings(ds)...)
	sort.SliceStable(r.Findings, func(a, b int) bool {
		fa, fb := r.Findings[a], r.Findings[b]
		if severityRank[fa.Severity] != severityRank[fb.Severity] {
			return severityRank[fa.Severity] < severityRank[fb.Severity]
		}
		return fa.Facility < fb.Facility
	})
	return r
}

// ForFacility filters a report to one facility.
func (r *Report) ForFacility(ems string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Facility == ems {
			out = append(out, f)
		}
	}
	return out
}

// Compared is one reported value judged against one permit limit: a point
// of a facility's effluent chart (as ECHO draws it).
type Compared struct {
	Permit string
	Limit  model.PermitLimit
	Report model.Report
	dmr.Comparison
}

// Comparisons judges every report of a facility against every limit of its
// permits that applies to it (same permit when the report names one, same
// outfall when both name one, same parameter and statistical base), in
// report order. It is the one pairing rule behind the limit findings and
// the effluent charts.
func Comparisons(ds *model.Dataset, ems string) []Compared {
	var out []Compared
	for _, rep := range ds.ReportsOf(ems) {
		for _, pm := range ds.PermitsOf(ems) {
			if rep.Permit != "" && rep.Permit != pm.PerNo {
				continue
			}
			for _, l := range ds.LimitsOf(pm.PerNo) {
				if l.Outfall != "" && rep.Outfall != "" && l.Outfall != rep.Outfall {
					continue
				}
				c, err := dmr.Compare(l.Limit, rep.Report)
				if err != nil {
					continue
				}
				out = append(out, Compared{Permit: pm.PerNo, Limit: *l, Report: *rep, Comparison: c})
			}
		}
	}
	return out
}

func limitFindings(ds *model.Dataset, f *model.Facility) []Finding {
	var out []Finding
	for _, c := range Comparisons(ds, f.EmsNo) {
		if c.Status != dmr.StatusExceeded {
			continue
		}
		rep, l := c.Report, c.Limit
		sev := Medium
		if c.ExceedancePct >= 100 {
			sev = High
		}
		out = append(out, Finding{
			Facility: f.EmsNo, Permit: c.Permit, Check: "limit", Severity: sev,
			Message: fmt.Sprintf("%s %s %.4g %s exceeds the %s limit %.4g %s by %.0f%%",
				rep.Period.Start.Format("2006-01-02"), rep.Parameter, c.Reported, l.Unit, l.StatBase, l.Value, l.Unit, c.ExceedancePct),
			Numbers: map[string]float64{"reported": c.Reported, "limit": l.Value, "exceedance_pct": math.Round(c.ExceedancePct*10) / 10},
			Period:  rep.Period.Start.Format("2006-01-02"),
		})
	}
	return out
}

func capacityFindings(pm *model.Permit) []Finding {
	if pm.TreatmentCapacityM3PerDay == nil || *pm.TreatmentCapacityM3PerDay <= 0 {
		return nil
	}
	capy := *pm.TreatmentCapacityM3PerDay
	if pm.MaxDailyM3 <= capy {
		return nil
	}
	ratio := pm.MaxDailyM3 / capy
	sev := Medium
	if ratio > 1.2 {
		sev = High
	}
	return []Finding{{
		Facility: pm.Facility, Permit: pm.PerNo, Check: "capacity", Severity: sev,
		Message: fmt.Sprintf("permitted discharge %.0f m³/day exceeds treatment capacity %.0f m³/day (%.0f%%)", pm.MaxDailyM3, capy, ratio*100),
		Numbers: map[string]float64{"permitted_m3_day": pm.MaxDailyM3, "capacity_m3_day": capy, "ratio": round(ratio, 3)},
	}}
}

// flows returns a facility's reported discharge flows in m³/day, one per
// reporting period.
func flows(ds *model.Dataset, ems string) []float64 {
	seen := map[string]bool{}
	var out []float64
	for _, r := range ds.ReportsOf(ems) {
		if r.FlowUnit == "" {
			continue
		}
		key := r.Period.Start.Format("2006-01-02") + "/" + r.Outfall
		if seen[key] {
			continue
		}
		q, err := param.Convert(r.Flow, r.FlowUnit, "m3/d")
		if err != nil {
			continue
		}
		seen[key] = true
		out = append(out, q)
	}
	return out
}

func balanceFindings(ds *model.Dataset, f *model.Facility, pm *model.Permit) []Finding {
	if pm.IntakeM3PerDay == nil || *pm.IntakeM3PerDay <= 0 {
		return nil
	}
	qs := flows(ds, f.EmsNo)
	if len(qs) == 0 {
		return nil
	}
	intake := *pm.IntakeM3PerDay
	mean := 0.0
	for _, q := range qs {
		mean += q
	}
	mean /= float64(len(qs))
	if mean <= intake*1.05 {
		return nil
	}
	sev := Medium
	if mean > intake*1.5 {
		sev = High
	}
	return []Finding{{
		Facility: f.EmsNo, Permit: pm.PerNo, Check: "water-balance", Severity: sev,
		Message: fmt.Sprintf("mean reported discharge %.0f m³/day exceeds permitted intake %.0f m³/day (%s): wastewater from an unrecorded source, or false reports",
			mean, intake, pm.IntakeSource),
		Numbers: map[string]float64{"mean_discharge_m3_day": round(mean, 1), "intake_m3_day": intake, "ratio": round(mean/intake, 3), "reports": float64(len(qs))},
	}}
}

func constantFlowFindings(ds *model.Dataset, f *model.Facility) []Finding {
	qs := flows(ds, f.EmsNo)
	if len(qs) < 4 {
		return nil
	}
	mean, sd := meanSD(qs)
	if mean <= 0 {
		return nil
	}
	cv := sd / mean
	if cv >= 0.01 {
		return nil
	}
	return []Finding{{
		Facility: f.EmsNo, Check: "constant-flow", Severity: Medium,
		Message: fmt.Sprintf("%d reported flows vary by only %.2f%% (mean %.1f m³/day): metered flows are never this steady", len(qs), cv*100, mean),
		Numbers: map[string]float64{"reports": float64(len(qs)), "mean_m3_day": round(mean, 2), "cv": round(cv, 5)},
	}}
}

func meanSD(xs []float64) (float64, float64) {
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	if len(xs) > 1 {
		v /= float64(len(xs) - 1)
	}
	return m, math.Sqrt(v)
}

func peerFindings(ds *model.Dataset) []Finding {
	type point struct {
		ems, permit string
		ratio       float64
	}
	groups := map[string][]point{}
	for i := range ds.Facilities {
		f := &ds.Facilities[i]
		qs := flows(ds, f.EmsNo)
		if len(qs) == 0 {
			continue
		}
		for _, pm := range ds.PermitsOf(f.EmsNo) {
			if pm.TreatmentCapacityM3PerDay == nil || *pm.TreatmentCapacityM3PerDay <= 0 {
				continue
			}
			groups[f.Industry] = append(groups[f.Industry], point{f.EmsNo, pm.PerNo, baseline.Median(qs) / *pm.TreatmentCapacityM3PerDay})
			break
		}
	}
	var out []Finding
	industries := make([]string, 0, len(groups))
	for k := range groups {
		industries = append(industries, k)
	}
	sort.Strings(industries)
	for _, ind := range industries {
		g := groups[ind]
		if len(g) < 4 {
			continue
		}
		rs := make([]float64, len(g))
		for i, p := range g {
			rs[i] = p.ratio
		}
		zs, med, ok := RobustZ(rs)
		if !ok {
			continue
		}
		for i, p := range g {
			z := zs[i]
			if math.Abs(z) <= PeerOutlierZ {
				continue
			}
			out = append(out, Finding{
				Facility: p.ems, Permit: p.permit, Check: "peer", Severity: Low,
				Message: fmt.Sprintf("discharge per unit of treatment capacity %.2f is an outlier among %d %s plants (median %.2f, robust z %.1f)",
					p.ratio, len(g), ind, med, z),
				Numbers: map[string]float64{"ratio": round(p.ratio, 3), "peer_median": round(med, 3), "robust_z": round(z, 2), "peers": float64(len(g))},
			})
		}
	}
	return out
}

// PeerOutlierZ is the robust z-score beyond which a facility is an
// outlier among its peers (Iglewicz and Hoaglin's 3.5).
const PeerOutlierZ = 3.5

// RobustZ returns each value's robust z-score 0.6745·(x − median)/MAD and
// the median; ok is false when the MAD is zero (no spread to judge
// against). Peer comparisons of water and air permits both use it.
func RobustZ(xs []float64) (z []float64, med float64, ok bool) {
	med = baseline.Median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	mad := baseline.Median(dev)
	if mad == 0 {
		return nil, med, false
	}
	z = make([]float64, len(xs))
	for i, x := range xs {
		z[i] = 0.6745 * (x - med) / mad
	}
	return z, med, true
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
