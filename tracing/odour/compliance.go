package odour

import (
	"time"

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

// Compliance is a candidate's permit and compliance record, and the factor
// it contributes to its votes.
type Compliance struct {
	Permits []PermitRef `json:"permits"`
	// High, Medium and Low count the permit rationality findings
	// (tracing/permits) by severity: exceedances, flows beyond capacity,
	// implausible reports.
	High   int `json:"findings_high"`
	Medium int `json:"findings_medium"`
	Low    int `json:"findings_low"`
	// Multiplier is 1 + 0.1·min(High, 3) + 0.05·min(Medium, 3): a record
	// of violations raises a facility's votes by at most 45 %, enough to
	// order two plausible sources, never enough to outvote the wind.
	Multiplier float64 `json:"multiplier"`
}

func complianceOf(ds *model.Dataset, f *model.Facility, findings []permits.Finding) Compliance {
	c := Compliance{Permits: []PermitRef{}}
	for _, pm := range ds.PermitsOf(f.EmsNo) {
		c.Permits = append(c.Permits, PermitRef{PerNo: pm.PerNo, Type: pm.Type, ValidFrom: pm.ValidFrom, ValidTo: pm.ValidTo})
	}
	for _, fd := range findings {
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
