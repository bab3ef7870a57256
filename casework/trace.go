package casework

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/tracing/model"
)

// TraceItem is a saved water-pollution trace: the reading that was traced,
// the engine's whole answer as the API gave it, the map that was shown and
// the readings it rests on, each graded as evidence or screening.
type TraceItem struct {
	Inputs TraceInputs `json:"inputs"`
	// Verdict, DataVersion and MethodVersion repeat the result's, so a
	// list of cases shows them without decoding the result.
	Verdict       string `json:"verdict"`
	DataVersion   string `json:"data_version"`
	MethodVersion string `json:"method_version"`
	// Result is the trace exactly as GET /api/v1/trace answered it (the
	// JSON of `envtrace trace --json`), kept verbatim: it is what the
	// officer saw, whatever later versions of the engine would say.
	Result json.RawMessage `json:"result"`
	// Map is what the map showed: the station, the outfalls named and the
	// upstream reaches by status, in EPSG:4326.
	Map TraceMap `json:"map"`
	// Readings are the river readings the verdict rests on.
	Readings []EvidenceReading `json:"readings"`
}

// Kind implements Body.
func (*TraceItem) Kind() Kind { return KindTrace }

// Validate implements Body.
func (t *TraceItem) Validate() error {
	switch {
	case t.Inputs.Station == "" || t.Inputs.Parameter == "" || t.Inputs.Unit == "" || t.Inputs.Time.IsZero():
		return fmt.Errorf("inputs need station, parameter, value, unit and time")
	case !json.Valid(t.Result):
		return fmt.Errorf("result is not a JSON document")
	case t.Verdict == "":
		return fmt.Errorf("verdict is empty")
	}
	for _, r := range t.Map.Reaches {
		if !r.Status.valid() {
			return fmt.Errorf("reach %s has unknown status %q", r.ID, r.Status)
		}
	}
	return nil
}

// UnmarshalSummary decodes from a stored body only the fields a list of
// cases shows (inputs and verdict), leaving the result and the map.
func (t *TraceItem) UnmarshalSummary(b []byte) error {
	var s struct {
		Inputs  TraceInputs `json:"inputs"`
		Verdict string      `json:"verdict"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("casework: trace item: %w", err)
	}
	t.Inputs, t.Verdict = s.Inputs, s.Verdict
	return nil
}

// TraceInputs is the reading a trace started from, as POST
// /api/v1/cases takes it.
type TraceInputs struct {
	Station   string    `json:"station"`
	Parameter string    `json:"parameter"`
	Value     float64   `json:"value"`
	Unit      string    `json:"unit"`
	Time      time.Time `json:"time"`
	// FlowM3s is the river flow given with the reading, 0 when the
	// station's own flows were used.
	FlowM3s  float64 `json:"flow_m3s,omitempty"`
	MaxHours float64 `json:"max_hours"`
}

// ReachStatus classifies a reach upstream of a traced station.
type ReachStatus string

// Reach statuses, drawn differently on the map and in the report.
const (
	// ReachSuspect: still under suspicion.
	ReachSuspect ReachStatus = "suspect"
	// ReachCleared: above a station that read clean when the same water
	// passed it, so no discharge there explains the reading.
	ReachCleared ReachStatus = "cleared"
	// ReachUnexplained: on the stretch between the two stations an
	// unexplained verdict names, where an unpermitted discharge is likely.
	ReachUnexplained ReachStatus = "unexplained"
)

func (s ReachStatus) valid() bool {
	return s == ReachSuspect || s == ReachCleared || s == ReachUnexplained
}

// TraceMap is the map of a trace in EPSG:4326 longitude/latitude.
type TraceMap struct {
	Station  orb.Point    `json:"station"`
	Outfalls []MapOutfall `json:"outfalls"`
	Reaches  []MapReach   `json:"reaches"`
}

// MapOutfall is an outfall the trace named.
type MapOutfall struct {
	FacilityID string `json:"facility_id"`
	Name       string `json:"name"`
	Outfall    string `json:"outfall"`
	// Role is suspect, ruled_out or insufficient; Rank is set for
	// suspects only.
	Role     string    `json:"role"`
	Rank     int       `json:"rank,omitempty"`
	Position orb.Point `json:"position"`
}

// MapReach is one upstream reach with its status.
type MapReach struct {
	ID     string         `json:"id"`
	Name   string         `json:"name,omitempty"`
	Status ReachStatus    `json:"status"`
	Line   orb.LineString `json:"line,omitempty"`
}

// Evidence grades of a reading.
const (
	// GradeEvidence: a laboratory sample with its chain of custody, fit to
	// support enforcement.
	GradeEvidence = "evidence"
	// GradeScreening: sensor or routine data that points where to look
	// but does not on its own support enforcement.
	GradeScreening = "screening"
)

// EvidenceReading is one river reading a trace rests on.
type EvidenceReading struct {
	// Role is traced (the reading the trace started from) or upstream (an
	// upstream station's reading at the matching time).
	Role        string            `json:"role"`
	Station     string            `json:"station"`
	StationKind model.StationKind `json:"station_kind"`
	Time        time.Time         `json:"time"`
	Parameter   string            `json:"parameter"`
	Value       float64           `json:"value"`
	Unit        string            `json:"unit"`
	Censored    bool              `json:"censored"`
	// Stored says the reading is in the data; a reading typed into the map
	// and traced without being stored has none of the lab's record.
	Stored        bool   `json:"stored"`
	SampleID      string `json:"sample_id"`
	Method        string `json:"method"`
	Lab           string `json:"lab"`
	Accreditation string `json:"accreditation"`
	QA            string `json:"qa_flag"`
	Grade         string `json:"grade"`
	// GradeReason says what a screening reading lacks.
	GradeReason string `json:"grade_reason"`
}

// nieaMethod matches the code of a method published by the Ministry of
// Environment's laboratory (環境部環境檢驗所), e.g. NIEA W515.55A.
var nieaMethod = regexp.MustCompile(`^NIEA [A-Z][0-9]{3}\.[0-9]{2}[A-Z]$`)

// Grade decides whether a reading is evidence fit for enforcement or
// screening data. A reading is evidence when it was sampled (not logged by
// a continuous sensor), carries its sample id, was analysed by an official
// NIEA method in a laboratory with an accreditation, and passed the
// laboratory's QA as valid. Anything less is screening, and the reason
// lists every missing element so that the officer knows what to collect.
func Grade(kind model.StationKind, s model.Sample) (grade, reason string) {
	var miss []string
	if kind == model.Continuous && s.ID == "" {
		miss = append(miss, "continuous sensor reading")
	}
	if s.ID == "" {
		miss = append(miss, "no sample id")
	}
	if !nieaMethod.MatchString(s.Method) {
		miss = append(miss, "no NIEA method")
	}
	if s.Lab == "" || s.Accreditation == "" {
		miss = append(miss, "no accredited laboratory")
	}
	if s.QA != model.QAValid {
		miss = append(miss, "QA not valid")
	}
	if len(miss) == 0 {
		return GradeEvidence, ""
	}
	return GradeScreening, strings.Join(miss, "; ")
}

// NewEvidenceReading grades one reading of a station of kind.
func NewEvidenceReading(role string, kind model.StationKind, r model.Reading, stored bool) EvidenceReading {
	e := EvidenceReading{Role: role, Station: r.Station, StationKind: kind, Time: r.Time, Parameter: r.Parameter,
		Value: r.Value, Unit: r.Unit, Censored: r.Censored, Stored: stored, SampleID: r.Sample.ID, Method: r.Sample.Method,
		Lab: r.Sample.Lab, Accreditation: r.Sample.Accreditation, QA: r.Sample.QA}
	e.Grade, e.GradeReason = Grade(kind, r.Sample)
	return e
}
