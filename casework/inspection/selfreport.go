package inspection

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/param"
)

// A facility reports on itself through the portal: its own monitoring
// results against its permit limits, and the corrective actions it took
// for findings and violations of its own inspection records. The bureau
// accepts or rejects each with a reason; a decision is final.

// Kinds of self-report.
const (
	KindMonitoring = "monitoring"
	KindCorrective = "corrective_action"
)

// Statuses of a self-report: submitted, then accepted or rejected.
const (
	StatusSubmitted = "submitted"
	StatusAccepted  = "accepted"
	StatusRejected  = "rejected"
)

// maxText bounds the free text of a self-report or a decision (runes).
const maxText = 2000

// ErrDecided is returned (wrapped) when a decided self-report is decided
// again: the decision is final, so a rejected report is submitted anew.
var ErrDecided = errors.New("inspection: the self-report is already decided")

// SelfReport is what a facility submitted and what became of it.
type SelfReport struct {
	// ID is SR-YYYYMMDD-<16 hex>, assigned at submission.
	ID         string      `json:"id"`
	Facility   string      `json:"facility_id"`
	Kind       string      `json:"kind"`
	Monitoring *Monitoring `json:"monitoring,omitempty"`
	Corrective *Corrective `json:"corrective_action,omitempty"`
	Note       string      `json:"note,omitempty"`
	// Status is StatusSubmitted until the bureau decides.
	Status      string    `json:"status"`
	SubmittedAt time.Time `json:"submitted_at"`
	SubmittedBy string    `json:"submitted_by"`
	// History holds every step, the submission first: who did what when,
	// and the reason of a decision.
	History []Step `json:"history"`
}

// Monitoring is a facility's own measurement of one parameter at one
// outfall, judged against its permit's limits when it is submitted.
type Monitoring struct {
	Permit    string       `json:"permit"`
	Outfall   string       `json:"outfall,omitempty"`
	Parameter string       `json:"parameter"`
	StatBase  dmr.StatBase `json:"stat_base"`
	SampledAt time.Time    `json:"sampled_at"`
	// Value and Unit are in the parameter's canonical unit once
	// submitted (converted where they enter).
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Lab    string  `json:"lab,omitempty"`
	Method string  `json:"method,omitempty"`
	// Limits are the permit's numeric limits on the parameter at that
	// outfall and statistical base, each with the value's status.
	Limits  []LimitCheck `json:"limits"`
	Exceeds bool         `json:"exceeds"`
}

// LimitCheck is one limit and how the reported value stands against it
// (dmr.Compare, ECHO's exceedance %).
type LimitCheck struct {
	Value         float64 `json:"value"`
	Unit          string  `json:"unit"`
	Bound         string  `json:"bound"`
	Status        string  `json:"status"`
	ExceedancePct float64 `json:"exceedance_pct"`
}

// Corrective is what a facility fixed for a finding or a violation of
// one of its own inspection records, with its dates.
type Corrective struct {
	InspectionID string `json:"inspection_id"`
	// Finding and Violation index the record's findings and violations;
	// at least one is given.
	Finding   *int   `json:"finding,omitempty"`
	Violation *int   `json:"violation,omitempty"`
	Action    string `json:"action"`
	// StartedOn and CompletedOn are dates (Asia/Taipei); CompletedOn is
	// empty while the work goes on.
	StartedOn   string `json:"started_on"`
	CompletedOn string `json:"completed_on,omitempty"`
}

// Step is one step of a self-report's history.
type Step struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
}

// SelfReportInput is what a facility sends: the server adds the id, the
// facility, the times, the status and the judgement against limits.
type SelfReportInput struct {
	Kind       string      `json:"kind"`
	Monitoring *Monitoring `json:"monitoring,omitempty"`
	Corrective *Corrective `json:"corrective_action,omitempty"`
	Note       string      `json:"note,omitempty"`
}

// Decision is the bureau's answer to a self-report.
type Decision struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// SelfReports keeps self-reports. Package store implements it over
// PostGIS and in memory; both pass the same tests.
type SelfReports interface {
	// AddSelfReport stores a new self-report.
	AddSelfReport(ctx context.Context, r *SelfReport) error
	// SelfReport returns one; an unknown id wraps ErrNotFound.
	SelfReport(ctx context.Context, id string) (*SelfReport, error)
	// SelfReportsOf lists a facility's self-reports (every one when
	// facility is ""), oldest first.
	SelfReportsOf(ctx context.Context, facility string) ([]*SelfReport, error)
	// DecideSelfReport applies decide to the stored self-report and
	// stores the result, atomically: two decisions cannot both pass
	// (SelfReport.Decide refuses the second).
	DecideSelfReport(ctx context.Context, id string, decide func(*SelfReport) error) (*SelfReport, error)
}

// Submit checks a facility's self-report against its own data, converts
// its value to the canonical unit, judges it against the permit's limits
// and stores it as submitted. The facility is the principal's; nothing in
// the input can name another.
func Submit(ctx context.Context, s *Source, who Principal, in *SelfReportInput, now time.Time) (*SelfReport, error) {
	id, ok := who.FacilityID()
	if !ok || id == "" {
		return nil, ErrNotAFacility
	}
	if s.SelfReports == nil {
		return nil, errors.New("inspection: no self-report store")
	}
	if _, ok := s.Dir.Water.Facility(id); !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownFacility, id)
	}
	r := &SelfReport{Facility: id, Kind: in.Kind, Note: strings.TrimSpace(in.Note), Status: StatusSubmitted,
		SubmittedAt: now.In(Taipei), SubmittedBy: subject(who)}
	if utf8.RuneCountInString(r.Note) > maxText {
		return nil, &FieldError{Field: "note", Reason: fmt.Sprintf("longer than %d characters", maxText)}
	}
	var err error
	switch in.Kind {
	case KindMonitoring:
		if in.Monitoring == nil || in.Corrective != nil {
			return nil, &FieldError{Field: "monitoring", Reason: "a monitoring report carries monitoring and no corrective_action"}
		}
		m := *in.Monitoring
		r.Monitoring, err = s.checkMonitoring(id, &m, now)
	case KindCorrective:
		if in.Corrective == nil || in.Monitoring != nil {
			return nil, &FieldError{Field: "corrective_action", Reason: "a corrective action carries corrective_action and no monitoring"}
		}
		c := *in.Corrective
		r.Corrective, err = s.checkCorrective(ctx, id, &c, now)
	default:
		return nil, &FieldError{Field: "kind", Reason: fmt.Sprintf("%q is not %s or %s", in.Kind, KindMonitoring, KindCorrective)}
	}
	if err != nil {
		return nil, err
	}
	if r.ID, err = newSelfReportID(now); err != nil {
		return nil, err
	}
	r.History = []Step{{Status: StatusSubmitted, At: r.SubmittedAt, By: r.SubmittedBy}}
	if err := s.SelfReports.AddSelfReport(ctx, r); err != nil {
		return nil, fmt.Errorf("inspection: store self-report: %w", err)
	}
	return r, nil
}

// subject names the principal in a self-report's history: its audit
// subject when it has one, else its facility.
func subject(who Principal) string {
	if n, ok := who.(interface{ AuditSubject() string }); ok && n.AuditSubject() != "" {
		return n.AuditSubject()
	}
	id, _ := who.FacilityID()
	return "facility:" + id
}

// checkMonitoring validates a monitoring result of facility id: its own
// permit and outfall, a known parameter in an accepted unit (converted
// once, here), a plausible value, a sampling time not in the future.
func (s *Source) checkMonitoring(id string, m *Monitoring, now time.Time) (*Monitoring, error) {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: "monitoring." + field, Reason: fmt.Sprintf(format, a...)}
	}
	ds := s.Dir.Water
	pm, ok := ds.Permit(m.Permit)
	if !ok || pm.Facility != id {
		return nil, bad("permit", "%q is not a permit of facility %s", m.Permit, id)
	}
	if m.Outfall != "" {
		if _, ok := ds.Outfall(id, m.Outfall); !ok {
			return nil, bad("outfall", "%q is not an outfall of facility %s", m.Outfall, id)
		}
	}
	if m.SampledAt.IsZero() {
		return nil, bad("sampled_at", "required: RFC 3339 with a zone")
	}
	if m.SampledAt.After(now) {
		return nil, bad("sampled_at", "%s is in the future", m.SampledAt.Format(time.RFC3339))
	}
	if m.StatBase == "" {
		m.StatBase = dmr.SingleSample
	}
	b, err := dmr.ParseStatBase(string(m.StatBase))
	if err != nil {
		return nil, bad("stat_base", "%v", err)
	}
	m.StatBase = b
	p, err := param.Lookup(m.Parameter)
	if err != nil {
		return nil, bad("parameter", "%v", err)
	}
	v, err := p.Canonical(m.Value, m.Unit)
	if err != nil {
		return nil, bad("unit", "%v", err)
	}
	if err := p.Plausible(v); err != nil {
		return nil, bad("value", "%v", err)
	}
	if utf8.RuneCountInString(m.Lab) > maxText || utf8.RuneCountInString(m.Method) > maxText {
		return nil, bad("lab", "longer than %d characters", maxText)
	}
	m.Parameter, m.Value, m.Unit, m.SampledAt = p.ID, v, p.Unit, m.SampledAt.In(Taipei)
	m.Limits, m.Exceeds = []LimitCheck{}, false
	rep := dmr.Report{Period: dmr.Period{Start: m.SampledAt, End: m.SampledAt}, Parameter: m.Parameter, Value: v, Unit: m.Unit, StatBase: m.StatBase}
	for _, l := range ds.LimitsOf(pm.PerNo) {
		if l.ReportOnly || l.StatBase != m.StatBase || (l.Outfall != "" && m.Outfall != "" && l.Outfall != m.Outfall) {
			continue
		}
		c, err := dmr.Compare(l.Limit, rep)
		if errors.Is(err, dmr.ErrMismatch) {
			continue
		}
		if err != nil {
			return nil, bad("unit", "%v", err)
		}
		m.Limits = append(m.Limits, LimitCheck{Value: l.Value, Unit: l.Unit, Bound: l.Bound.String(), Status: c.Status.String(), ExceedancePct: c.ExceedancePct})
		m.Exceeds = m.Exceeds || c.Status == dmr.StatusExceeded
	}
	return m, nil
}

// checkCorrective validates a corrective action of facility id: one of
// its own inspection records, a finding or violation that record holds,
// what was done, and dates in order and not in the future.
func (s *Source) checkCorrective(ctx context.Context, id string, c *Corrective, now time.Time) (*Corrective, error) {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: "corrective_action." + field, Reason: fmt.Sprintf(format, a...)}
	}
	own, err := s.ownRecords(ctx, id, now)
	if err != nil {
		return nil, err
	}
	var rec *Record
	for _, r := range own {
		if r.ID == c.InspectionID {
			rec = r
		}
	}
	if rec == nil {
		// Another facility's record and a missing one read the same.
		return nil, bad("inspection_id", "%q is not an inspection of facility %s", c.InspectionID, id)
	}
	switch {
	case c.Finding == nil && c.Violation == nil:
		return nil, bad("finding", "name the finding or the violation (an index into the record's lists) the action corrects")
	case c.Finding != nil && (*c.Finding < 0 || *c.Finding >= len(rec.Findings)):
		return nil, bad("finding", "%d is not a finding of %s (it has %d)", *c.Finding, rec.ID, len(rec.Findings))
	case c.Violation != nil && (*c.Violation < 0 || *c.Violation >= len(rec.Violations)):
		return nil, bad("violation", "%d is not a violation of %s (it has %d)", *c.Violation, rec.ID, len(rec.Violations))
	}
	c.Action = strings.TrimSpace(c.Action)
	if c.Action == "" || utf8.RuneCountInString(c.Action) > maxText {
		return nil, bad("action", "required, at most %d characters", maxText)
	}
	today, inspected := now.In(Taipei).Format(time.DateOnly), rec.Date.In(Taipei).Format(time.DateOnly)
	if _, err := ParseDate(c.StartedOn); err != nil {
		return nil, bad("started_on", "%v", err)
	}
	if c.StartedOn > today || c.StartedOn < inspected {
		return nil, bad("started_on", "%s is in the future or before the inspection of %s", c.StartedOn, inspected)
	}
	if c.CompletedOn != "" {
		if _, err := ParseDate(c.CompletedOn); err != nil {
			return nil, bad("completed_on", "%v", err)
		}
		if c.CompletedOn < c.StartedOn || c.CompletedOn > today {
			return nil, bad("completed_on", "%s is before started_on or in the future", c.CompletedOn)
		}
	}
	return c, nil
}

// Decide is the self-report lifecycle, the one place it is decided:
// submitted → accepted | rejected, a rejection needs its reason, and a
// decision is final.
func (r *SelfReport) Decide(d Decision, by string, at time.Time) error {
	if r.Status != StatusSubmitted {
		return fmt.Errorf("%w: %s was %s on %s", ErrDecided, r.ID, r.Status, r.History[len(r.History)-1].At.Format(time.RFC3339))
	}
	reason := strings.TrimSpace(d.Reason)
	switch {
	case d.Status != StatusAccepted && d.Status != StatusRejected:
		return &FieldError{Field: "status", Reason: fmt.Sprintf("%q is not %s or %s", d.Status, StatusAccepted, StatusRejected)}
	case d.Status == StatusRejected && reason == "":
		return &FieldError{Field: "reason", Reason: "a rejection must say why"}
	case utf8.RuneCountInString(reason) > maxText:
		return &FieldError{Field: "reason", Reason: fmt.Sprintf("longer than %d characters", maxText)}
	}
	r.Status = d.Status
	r.History = append(r.History, Step{Status: d.Status, At: at.In(Taipei), By: by, Reason: reason})
	return nil
}

// newSelfReportID is SR-<date in Taiwan>-<16 random hex digits>.
func newSelfReportID(now time.Time) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("inspection: self-report id: %w", err)
	}
	return "SR-" + now.In(Taipei).Format("20060102") + "-" + hex.EncodeToString(b[:]), nil
}

// SelfReportList is the answer of GET /api/v1/portal/self-reports and of
// `envtrace portal self-reports`.
type SelfReportList struct {
	SelfReports []*SelfReport `json:"self_reports"`
}

// SelfReportQuery selects self-reports: a facility ("" for all) and a
// status ("" for any).
type SelfReportQuery struct {
	Facility string
	Status   string
}

// ListSelfReports lists the self-reports q selects that keep accepts
// (nil keeps all), oldest first; the REST list and the CLI share it.
func ListSelfReports(ctx context.Context, repo SelfReports, q SelfReportQuery, keep func(facility string) bool) (*SelfReportList, error) {
	rs, err := repo.SelfReportsOf(ctx, q.Facility)
	if err != nil {
		return nil, err
	}
	out := &SelfReportList{SelfReports: make([]*SelfReport, 0, len(rs))}
	for _, r := range rs {
		if (q.Status == "" || r.Status == q.Status) && (keep == nil || keep(r.Facility)) {
			out.SelfReports = append(out.SelfReports, r)
		}
	}
	return out, nil
}
