package dmr

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ECHORow is one row of a US EPA ECHO effluent chart export (one limit
// value against one DMR value of one monitoring period). It keeps ECHO's
// own exceedance so that Compare can be checked against it.
type ECHORow struct {
	// Line is the row's line number in the file (header = 1).
	Line int
	// Permit is the NPDES id, Outfall the permitted feature number ("001").
	Permit, Outfall string
	// MonitoringLocation is ECHO's code ("1" effluent gross, "J"
	// intermediate treatment, ...).
	MonitoringLocation string
	// ParameterCode and ParameterDesc are ECHO's parameter (e.g. 50050).
	ParameterCode, ParameterDesc string
	// ValueType is the DMR form column ("Q1", "Q2", "C1", ...), which
	// pairs a limit with its reported value.
	ValueType string
	Limit     Limit
	Report    Report
	// ECHOExceedancePct is exceedence_pct as published, nil when blank.
	ECHOExceedancePct *float64
	// ViolationCode is ECHO's violation code ("" when none).
	ViolationCode string
}

// echoParameters maps ECHO parameter codes to tracing/param ids. Codes not
// listed keep ECHO's description as the parameter name.
var echoParameters = map[string]string{
	"50050": "FLOW",  // Flow, in conduit or thru treatment plant
	"00310": "BOD5",  // BOD, 5-day, 20 deg. C
	"00340": "COD",   // COD, oxygen demand
	"00530": "SS",    // Solids, total suspended
	"00610": "NH3-N", // Nitrogen, ammonia total (as N)
	"00300": "DO",    // Oxygen, dissolved
	"00400": "pH",
	"00010": "TEMP",
	"00095": "COND",
	"00665": "TP",
	"00600": "TN",
	"01042": "Cu",
	"01092": "Zn",
	"01067": "Ni",
	"01034": "Cr",
	"01032": "Cr6+",
	"01027": "Cd",
	"01051": "Pb",
	"71900": "Hg",
	"01002": "As",
	"00720": "CN",
}

// ErrECHOFormat is wrapped by every ReadECHO error.
var ErrECHOFormat = errors.New("dmr: ECHO effluent chart")

// ReadECHO parses an ECHO effluent chart CSV (as downloaded from the
// Effluent Charts page or its REST service) into rows of limit and report.
// Limits without a number become ReportOnly; reports with a NODI code get
// NoData set to that code, and reports with neither a value nor a NODI
// code get NoData "blank" (ECHO would count them as not received).
// ECHO charts give only the period's end date; Period.Start stays zero.
func ReadECHO(r io.Reader) ([]ECHORow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrECHOFormat, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	required := []string{"npdes_id", "perm_feature_nmbr", "monitoring_location_code", "parameter_code", "parameter_desc",
		"limit_value_type_code", "limit_value_nmbr", "limit_unit_desc", "statistical_base_short_desc", "statistical_base_type_code",
		"limit_value_qualifier_code", "monitoring_period_end_date", "value_type_code", "dmr_value_nmbr", "dmr_unit_desc",
		"dmr_value_qualifier_code", "nodi_code", "exceedence_pct", "violation_code"}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%w: missing column %q", ErrECHOFormat, c)
		}
	}
	var out []ECHORow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrECHOFormat, line, err)
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		fail := func(c string, err error) error {
			return fmt.Errorf("%w: line %d, column %s = %q: %w", ErrECHOFormat, line, c, get(c), err)
		}
		row := ECHORow{
			Line: line, Permit: get("npdes_id"), Outfall: get("perm_feature_nmbr"), MonitoringLocation: get("monitoring_location_code"),
			ParameterCode: get("parameter_code"), ParameterDesc: get("parameter_desc"), ValueType: get("value_type_code"),
			ViolationCode: get("violation_code"),
		}
		name := row.ParameterDesc
		if id, ok := echoParameters[row.ParameterCode]; ok {
			name = id
		}
		sb, err := ParseStatBase(get("statistical_base_short_desc"))
		if err != nil {
			return nil, fail("statistical_base_short_desc", err)
		}
		bound := Upper
		switch get("limit_value_qualifier_code") {
		case ">=", ">":
			bound = Lower
		case "", "<=", "<", "=":
		default:
			return nil, fail("limit_value_qualifier_code", errors.New("unknown qualifier"))
		}
		if get("limit_value_qualifier_code") == "" && get("statistical_base_type_code") == "MIN" {
			bound = Lower
		}
		row.Limit = Limit{Parameter: name, Unit: get("limit_unit_desc"), StatBase: sb, Bound: bound}
		if s := get("limit_value_nmbr"); s == "" {
			row.Limit.ReportOnly = true
		} else if row.Limit.Value, err = strconv.ParseFloat(s, 64); err != nil {
			return nil, fail("limit_value_nmbr", err)
		}
		end, err := time.Parse("01/02/2006", get("monitoring_period_end_date"))
		if err != nil {
			return nil, fail("monitoring_period_end_date", err)
		}
		row.Report = Report{Period: Period{End: end}, Parameter: name, Unit: get("dmr_unit_desc"), StatBase: sb, NoData: get("nodi_code")}
		if row.Report.Unit == "" {
			row.Report.Unit = row.Limit.Unit
		}
		switch s := get("dmr_value_nmbr"); {
		case s != "":
			if row.Report.Value, err = strconv.ParseFloat(s, 64); err != nil {
				return nil, fail("dmr_value_nmbr", err)
			}
			switch q := get("dmr_value_qualifier_code"); q {
			case "<", "<=":
				row.Report.Censored = true
			case "", "=", "E", ">", ">=":
			default:
				return nil, fail("dmr_value_qualifier_code", errors.New("unknown qualifier"))
			}
		case row.Report.NoData == "":
			row.Report.NoData = "blank"
		}
		if s := get("exceedence_pct"); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fail("exceedence_pct", err)
			}
			row.ECHOExceedancePct = &v
		}
		out = append(out, row)
	}
	return out, nil
}
