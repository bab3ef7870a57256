package inspection

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/permits"
	"github.com/envtrace/envtrace/tracing/risk"
)

// Principal is who asks for a facility portal, as the portal needs it.
// The identity layer (access/) implements it; the portal asks nothing
// else of it.
type Principal interface {
	// FacilityID is the facility the principal acts for; ok is false for
	// anyone who does not act for a facility.
	FacilityID() (id string, ok bool)
}

// ErrNotAFacility is returned when a principal who does not act for a
// facility asks for a portal; ErrUnknownFacility when its facility is not
// in the data.
var (
	ErrNotAFacility    = errors.New("inspection: the principal does not act for a facility")
	ErrUnknownFacility = errors.New("inspection: unknown facility")
)

// OwnTerms are the terms a facility may see of its own score: those
// computed from its own compliance record (register, reports against
// limits, permit findings, inspections). Water traces, odour attribution,
// petitions and dumping reports are suspicion that could tip off an
// unannounced inspection or expose a petitioner; the portal never shows
// them, nor the score, rank or probability they are part of.
var OwnTerms = map[string]bool{
	risk.TermIndustry: true, risk.TermWaterPermit: true, risk.TermAirPermit: true,
	risk.TermCompliance: true, risk.TermSinceInspection: true,
}

// Portal is what a facility sees of itself (ECHO's Detailed Facility
// Report): its permits, its reports against limits, its compliance
// quarters, its inspections, and the part of its risk it may see.
type Portal struct {
	AsOf       string         `json:"as_of"`
	FacilityID string         `json:"facility_id"`
	Name       string         `json:"name"`
	Industry   string         `json:"industry"`
	Permits    []PortalPermit `json:"permits"`
	// Effluent is every reported value judged against its limit.
	Effluent []EffluentPoint `json:"effluent"`
	// Quarters are the 12 quarters before as-of, oldest first.
	Quarters []Quarter `json:"quarters"`
	// Status is "significant non-compliance" with 3 or more of the 12
	// quarters in non-compliance (EEW's report-card rule), else
	// "in compliance" or "some non-compliance".
	Status      string             `json:"status"`
	Inspections []PortalInspection `json:"inspections"`
	// Why lists the own-record terms of the facility's risk; Withheld
	// says that other signals exist in the model and are not shown.
	Why      []risk.Term `json:"why"`
	Withheld string      `json:"withheld"`
	// Nearby is the public monitoring near the facility as of as-of.
	Nearby Nearby `json:"nearby"`
	// SelfReports are every self-report and corrective action the
	// facility submitted, whatever as-of, oldest first, with their
	// decisions.
	SelfReports []*SelfReport `json:"self_reports"`
}

// PortalPermit is a permit as the facility holds it.
type PortalPermit struct {
	PerNo      string  `json:"per_no"`
	ValidFrom  string  `json:"valid_from"`
	ValidTo    string  `json:"valid_to"`
	MaxDailyM3 float64 `json:"max_daily_m3"`
}

// EffluentPoint is one point of the ECHO-style effluent chart.
type EffluentPoint struct {
	Permit        string  `json:"permit"`
	Outfall       string  `json:"outfall,omitempty"`
	Parameter     string  `json:"parameter"`
	PeriodStart   string  `json:"period_start"`
	PeriodEnd     string  `json:"period_end"`
	Reported      float64 `json:"reported"`
	Limit         float64 `json:"limit"`
	Unit          string  `json:"unit"`
	Status        string  `json:"status"`
	ExceedancePct float64 `json:"exceedance_pct"`
}

// Quarter is one quarter of the compliance timeline.
type Quarter struct {
	Start         string `json:"start"`
	NonCompliance bool   `json:"non_compliance"`
}

// PortalInspection is an inspection of the facility as the facility sees
// it: without how it was chosen or by whom.
type PortalInspection struct {
	ID         string      `json:"id"`
	Date       time.Time   `json:"date"`
	Findings   []Finding   `json:"findings"`
	Samples    []Sample    `json:"samples"`
	Violations []Violation `json:"violations"`
	Penalties  []Penalty   `json:"penalties"`
}

// FacilityPortal builds the portal of the principal's own facility as of
// asOf; a principal who does not act for a facility gets
// ErrNotAFacility. There is no parameter naming another facility: a
// facility can only ever see itself.
func FacilityPortal(ctx context.Context, s *Source, who Principal, asOf time.Time) (*Portal, error) {
	id, ok := who.FacilityID()
	if !ok || id == "" {
		return nil, ErrNotAFacility
	}
	ds := s.Dir.Water
	f, ok := ds.Facility(id)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownFacility, id)
	}
	in, err := s.input(ctx)
	if err != nil {
		return nil, err
	}
	m, err := risk.Calibrate(ctx, in, asOf)
	if err != nil {
		return nil, err
	}
	fs, err := risk.Compute(ctx, in, asOf)
	if err != nil {
		return nil, err
	}
	p := &Portal{AsOf: asOf.Format(time.RFC3339), FacilityID: id, Name: f.Name, Industry: f.Industry,
		Permits: []PortalPermit{}, Effluent: []EffluentPoint{}, Inspections: []PortalInspection{}, Why: []risk.Term{},
		Withheld: "other signals (water traces, odour attribution, petitions, dumping reports) count in the model and are not shown here"}
	for _, pm := range ds.PermitsOf(id) {
		p.Permits = append(p.Permits, PortalPermit{PerNo: pm.PerNo, ValidFrom: pm.ValidFrom.Format(time.DateOnly),
			ValidTo: pm.ValidTo.Format(time.DateOnly), MaxDailyM3: pm.MaxDailyM3})
	}
	bad := map[time.Time]bool{}
	for _, c := range permits.Comparisons(ds, id) {
		if !c.Report.Period.End.Before(asOf) || c.Limit.ReportOnly {
			continue
		}
		p.Effluent = append(p.Effluent, EffluentPoint{Permit: c.Permit, Outfall: c.Report.Outfall, Parameter: c.Limit.Parameter,
			PeriodStart: c.Report.Period.Start.Format(time.DateOnly), PeriodEnd: c.Report.Period.End.Format(time.DateOnly),
			Reported: c.Reported, Limit: c.Limit.Value, Unit: c.Limit.Unit, Status: c.Status.String(), ExceedancePct: c.ExceedancePct})
		if c.Status == dmr.StatusExceeded {
			bad[risk.QuarterStart(c.Report.Period.End)] = true
		}
	}
	for _, o := range in.Outcomes {
		if o.Facility == id && o.Date.Before(asOf) && o.Violation {
			bad[risk.QuarterStart(o.Date)] = true
		}
	}
	p.Quarters, p.Status = timeline(bad, asOf)
	own, err := s.ownRecords(ctx, id, asOf)
	if err != nil {
		return nil, err
	}
	for _, r := range own {
		p.Inspections = append(p.Inspections, PortalInspection{ID: r.ID, Date: r.Date, Findings: r.Findings,
			Samples: r.Samples, Violations: r.Violations, Penalties: r.Penalties})
	}
	for _, t := range m.Score(id, fs[id]).Terms {
		if OwnTerms[t.Name] {
			p.Why = append(p.Why, t)
		}
	}
	if p.Nearby, err = s.nearby(ctx, id, asOf); err != nil {
		return nil, err
	}
	p.SelfReports = []*SelfReport{}
	if s.SelfReports != nil {
		if p.SelfReports, err = s.SelfReports.SelfReportsOf(ctx, id); err != nil {
			return nil, fmt.Errorf("inspection: self-reports of %s: %w", id, err)
		}
	}
	return p, nil
}

// timeline is the 12 quarters before asOf's quarter and the status.
func timeline(bad map[time.Time]bool, asOf time.Time) ([]Quarter, string) {
	q0 := risk.QuarterStart(asOf)
	var out []Quarter
	n := 0
	for k := risk.ComplianceQuarters; k >= 1; k-- {
		q := q0.AddDate(0, -3*k, 0)
		out = append(out, Quarter{Start: q.Format(time.DateOnly), NonCompliance: bad[q]})
		if bad[q] {
			n++
		}
	}
	switch {
	case n >= 3:
		return out, "significant non-compliance"
	case n > 0:
		return out, "some non-compliance"
	}
	return out, "in compliance"
}

// ownRecords are the facility's inspection records before asOf, oldest
// first (the file's and the repository's).
func (s *Source) ownRecords(ctx context.Context, id string, asOf time.Time) ([]*Record, error) {
	var out []*Record
	seen := map[string]bool{}
	if s.Repo != nil {
		rs, err := s.Repo.Inspections(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("inspection: records of %s: %w", id, err)
		}
		for _, r := range rs {
			seen[r.ID] = true
			if r.Date.Before(asOf) {
				out = append(out, r)
			}
		}
	}
	for _, r := range s.Records {
		if r.Facility == id && r.Date.Before(asOf) && !seen[r.ID] {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Date.Before(out[b].Date) })
	return out, nil
}
