package odour

import (
	"time"

	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
)

// PermitRef is one of a candidate's permits.
type PermitRef struct {
	PerNo     string    `json:"per_no"`
	Type      string    `json:"type,omitempty"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
}

// AirPermitRef is one emission a candidate's air permit (固定污染源操作許可證,
// air_permits.csv) allows: a pollutant from one stack of one process, at
// a permitted rate.
type AirPermitRef struct {
	PerNo        string     `json:"per_no"`
	Process      string     `json:"process,omitempty"`
	Stack        string     `json:"stack"`
	Pollutant    string     `json:"pollutant"`
	PermittedKgH float64    `json:"permitted_kg_h"`
	ValidFrom    *time.Time `json:"valid_from,omitempty"`
	ValidTo      *time.Time `json:"valid_to,omitempty"`
}

// Compliance is a candidate's permit and compliance record, and the factor
// it contributes to its votes.
type Compliance struct {
	// Permits are its water permits, AirPermits its air permit's
	// emissions.
	Permits    []PermitRef    `json:"permits"`
	AirPermits []AirPermitRef `json:"air_permits"`
	// AirFindings are the air-permit rationality findings
	// (tracing/airpermit: permitted rates beyond capacity, fuel sulphur,
	// flat or missing CEMS, emissions against peers, rain-hour stealth).
	AirFindings []permits.Finding `json:"air_findings"`
	// High, Medium and Low count the permit rationality findings by
	// severity, water (tracing/permits: exceedances, flows beyond
	// capacity, implausible reports) and air alike.
	High   int `json:"findings_high"`
	Medium int `json:"findings_medium"`
	Low    int `json:"findings_low"`
	// Multiplier is 1 + 0.1·min(High, 3) + 0.05·min(Medium, 3): a record
	// of violations raises a facility's votes by at most 45 %, enough to
	// order two plausible sources, never enough to outvote the wind.
	Multiplier float64 `json:"multiplier"`
	// Redacted is set when the record was left out for a reader who may
	// not see the facility's records (another county's officer).
	Redacted bool `json:"redacted,omitempty"`
}

// airRecord is the air-permit part of the data, by facility.
type airRecord struct {
	permits  map[string][]AirPermitRef
	findings map[string][]permits.Finding
}

// newAirRecord indexes the air permits and their findings (those given,
// else airpermit.Check's) by facility; empty without air-permit data.
func newAirRecord(d *airpermit.Data, findings []permits.Finding) airRecord {
	r := airRecord{permits: map[string][]AirPermitRef{}, findings: map[string][]permits.Finding{}}
	if d == nil {
		return r
	}
	if findings == nil {
		findings = airpermit.Check(d).Findings
	}
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	for _, p := range d.Permits {
		r.permits[p.Facility] = append(r.permits[p.Facility], AirPermitRef{PerNo: p.PerNo, Process: p.Process, Stack: p.Stack,
			Pollutant: p.Pollutant, PermittedKgH: p.PermittedKgH, ValidFrom: at(p.ValidFrom), ValidTo: at(p.To)})
	}
	for _, f := range findings {
		r.findings[f.Facility] = append(r.findings[f.Facility], f)
	}
	return r
}

func complianceOf(ds *model.Dataset, f *model.Facility, findings []permits.Finding, air airRecord) Compliance {
	c := Compliance{Permits: []PermitRef{}, AirPermits: []AirPermitRef{}, AirFindings: []permits.Finding{}}
	for _, pm := range ds.PermitsOf(f.EmsNo) {
		c.Permits = append(c.Permits, PermitRef{PerNo: pm.PerNo, Type: pm.Type, ValidFrom: pm.ValidFrom, ValidTo: pm.ValidTo})
	}
	c.AirPermits = append(c.AirPermits, air.permits[f.EmsNo]...)
	c.AirFindings = append(c.AirFindings, air.findings[f.EmsNo]...)
	for _, fd := range append(append([]permits.Finding(nil), findings...), c.AirFindings...) {
		switch fd.Severity {
		case permits.High:
			c.High++
		case permits.Medium:
			c.Medium++
		case permits.Low:
			c.Low++
		}
	}
	c.Multiplier = 1 + 0.1*float64(min(c.High, 3)) + 0.05*float64(min(c.Medium, 3))
	return c
}
