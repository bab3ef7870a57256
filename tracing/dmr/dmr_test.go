package dmr

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/param"
)

func TestCompare(t *testing.T) {
	flowMax := Limit{Parameter: "FLOW", Value: 1.5, Unit: "MGD", StatBase: DailyMax}
	cuMax := Limit{Parameter: "Cu", Value: 3.0, Unit: "mg/L", StatBase: SingleSample}
	doMin := Limit{Parameter: "DO", Value: 5, Unit: "mg/L", StatBase: DailyMin, Bound: Lower}
	tests := []struct {
		name   string
		l      Limit
		r      Report
		status Status
		pct    float64
	}{
		{"below", flowMax, Report{Parameter: "FLOW", Value: 0.474, Unit: "MGD", StatBase: DailyMax}, StatusCompliant, 0},
		{"at limit", flowMax, Report{Parameter: "FLOW", Value: 1.5, Unit: "MGD", StatBase: DailyMax}, StatusCompliant, 0},
		{"20 percent over", flowMax, Report{Parameter: "FLOW", Value: 1.8, Unit: "MGD", StatBase: DailyMax}, StatusExceeded, 20},
		{"other unit converted", flowMax, Report{Parameter: "flow", Value: 3785.411784 * 3, Unit: "m3/d", StatBase: DailyMax}, StatusExceeded, 100},
		{"copper ug/L", cuMax, Report{Parameter: "銅", Value: 3600, Unit: "µg/L", StatBase: SingleSample}, StatusExceeded, 20},
		{"censored below", cuMax, Report{Parameter: "Cu", Value: 0.02, Unit: "mg/L", StatBase: SingleSample, Censored: true}, StatusCompliant, 0},
		{"censored above limit", cuMax, Report{Parameter: "Cu", Value: 5, Unit: "mg/L", StatBase: SingleSample, Censored: true}, StatusUndecidable, 0},
		{"no discharge", flowMax, Report{Parameter: "FLOW", StatBase: DailyMax, NoData: "C"}, StatusNoData, 0},
		{"report only", Limit{Parameter: "FLOW", Unit: "MGD", StatBase: DailyAvg, ReportOnly: true}, Report{Parameter: "FLOW", Value: 9, Unit: "MGD", StatBase: DailyAvg}, StatusReportOnly, 0},
		{"minimum met", doMin, Report{Parameter: "DO", Value: 6, Unit: "mg/L", StatBase: DailyMin}, StatusCompliant, 0},
		{"minimum missed", doMin, Report{Parameter: "DO", Value: 4, Unit: "mg/L", StatBase: DailyMin}, StatusExceeded, 20},
		{"minimum censored", doMin, Report{Parameter: "DO", Value: 1, Unit: "mg/L", StatBase: DailyMin, Censored: true}, StatusUndecidable, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compare(tc.l, tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != tc.status || math.Abs(c.ExceedancePct-tc.pct) > 1e-9 {
				t.Fatalf("got %v %.6f%%, want %v %v%%", c.Status, c.ExceedancePct, tc.status, tc.pct)
			}
		})
	}
}

func TestCompareErrors(t *testing.T) {
	l := Limit{Parameter: "Cu", Value: 3, Unit: "mg/L", StatBase: DailyMax}
	tests := []struct {
		name string
		l    Limit
		r    Report
		is   error
	}{
		{"parameter", l, Report{Parameter: "Zn", Value: 1, Unit: "mg/L", StatBase: DailyMax}, ErrMismatch},
		{"stat base", l, Report{Parameter: "Cu", Value: 1, Unit: "mg/L", StatBase: MonthlyAvg}, ErrMismatch},
		{"unit dimension", l, Report{Parameter: "Cu", Value: 1, Unit: "MGD", StatBase: DailyMax}, param.ErrIncompatibleUnit},
		{"unknown unit", l, Report{Parameter: "Cu", Value: 1, Unit: "grains/gal", StatBase: DailyMax}, param.ErrUnknownUnit},
		{"ppm is refused for water", l, Report{Parameter: "Cu", Value: 1, Unit: "ppm", StatBase: DailyMax}, param.ErrIncompatibleUnit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Compare(tc.l, tc.r); !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

func TestParseStatBase(t *testing.T) {
	tests := []struct {
		in   string
		want StatBase
	}{
		{"DAILY MX", DailyMax}, {"DAILY AV", DailyAvg}, {"MO AVG", MonthlyAvg}, {"30DA AVG", MonthlyAvg},
		{"7 DA AVG", WeeklyAvg}, {"INST MAX", InstantMax}, {"daily_max", DailyMax}, {"monthly average", MonthlyAvg},
		{"日最大值", DailyMax}, {"single_sample", SingleSample},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseStatBase(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	if _, err := ParseStatBase("fortnightly"); !errors.Is(err, ErrUnknownStatBase) {
		t.Fatalf("unknown: %v", err)
	}
}

// compareRows checks Compare against ECHO's own fields on every row and
// returns the status counts.
func compareRows(t *testing.T, rows []ECHORow) map[Status]int {
	t.Helper()
	counts := map[Status]int{}
	for _, row := range rows {
		c, err := Compare(row.Limit, row.Report)
		if err != nil {
			t.Fatalf("line %d: %v", row.Line, err)
		}
		counts[c.Status]++
		switch {
		case row.ECHOExceedancePct != nil:
			// ECHO publishes whole percents.
			if c.Status != StatusExceeded || math.Round(c.ExceedancePct) != math.Round(*row.ECHOExceedancePct) {
				t.Errorf("line %d: computed %v %.3f%%, ECHO %v%%", row.Line, c.Status, c.ExceedancePct, *row.ECHOExceedancePct)
			}
		case c.Status == StatusExceeded:
			t.Errorf("line %d: computed exceedance %.3f%% where ECHO gives none", row.Line, c.ExceedancePct)
		}
		if (row.ViolationCode != "") != (c.Status == StatusExceeded) && row.ECHOExceedancePct != nil {
			t.Errorf("line %d: violation code %q vs status %v", row.Line, row.ViolationCode, c.Status)
		}
	}
	return counts
}

// TestECHOEffluentChart reads the real ECHO chart for TX0124362 and checks
// every row. ECHO's exceedence_pct is blank on all 390 rows of this permit
// (violation_severity is "No Violation Identified" throughout): the only
// numeric limits are the outfall-001 flow limits (1.5 MGD daily maximum,
// 1.3 MGD daily average) and every reported flow is below them. So the
// equality check runs on zero rows here, and the test asserts instead that
// Compare finds no exceedance anywhere, and the exact split of rows into
// compared, report-only and no-data. TestECHOSyntheticExceedance runs the
// same check on rows that do carry ECHO exceedances.
func TestECHOEffluentChart(t *testing.T) {
	f, err := os.Open(realdata.Path(t, "loads/echo_effluent_chart_TX0124362.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadECHO(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 390 {
		t.Fatalf("%d rows, want 390", len(rows))
	}
	withECHO := 0
	for _, r := range rows {
		if r.ECHOExceedancePct != nil {
			withECHO++
		}
		if r.Limit.Parameter != "FLOW" || r.Limit.Unit != "MGD" {
			t.Fatalf("line %d: parameter %q unit %q", r.Line, r.Limit.Parameter, r.Limit.Unit)
		}
	}
	counts := compareRows(t, rows)
	t.Logf("rows with ECHO exceedance: %d; statuses: %v", withECHO, counts)
	want := map[Status]int{
		StatusCompliant:  78,  // outfall 001, 39 months × (daily max, daily average)
		StatusReportOnly: 78,  // outfall 301, reported flow with no limit
		StatusNoData:     234, // outfalls 101, 201, 401: NODI C (no discharge) or 9
	}
	for s, n := range want {
		if counts[s] != n {
			t.Errorf("%v: %d rows, want %d", s, counts[s], n)
		}
	}
	if counts[StatusExceeded] != 0 || counts[StatusUndecidable] != 0 {
		t.Errorf("unexpected statuses %v", counts)
	}
}

const syntheticECHO = `npdes_id,perm_feature_nmbr,monitoring_location_code,parameter_code,parameter_desc,limit_value_type_code,limit_value_nmbr,limit_unit_desc,statistical_base_short_desc,statistical_base_type_code,limit_value_qualifier_code,monitoring_period_end_date,value_type_code,dmr_value_nmbr,dmr_unit_desc,dmr_value_qualifier_code,nodi_code,exceedence_pct,violation_code
"TX0000001","001","1","50050","Flow","Q2",1.5,"MGD","DAILY MX","MAX","<=",01/31/2021,"Q2",1.8,"MGD","=","",20,"E90"
"TX0000001","001","1","00310","BOD, 5-day","C1",10,"mg/L","MO AVG","AVG","<=",01/31/2021,"C1",13.7,"mg/L","=","",37,"E90"
"TX0000001","001","1","00300","Oxygen, dissolved","C1",5,"mg/L","DAILY MN","MIN",">=",01/31/2021,"C1",4,"mg/L","=","",20,"E90"
"TX0000001","001","1","00310","BOD, 5-day","C1",10,"mg/L","MO AVG","AVG","<=",02/28/2021,"C1",2,"mg/L","<","","",""
"TX0000001","001","1","50050","Flow","Q1",,"MGD","DAILY AV","AVG","",02/28/2021,"Q1",,"","","C","",""
`

// TestECHOSyntheticExceedance exercises the reader and the equality check
// on rows written in ECHO's format that do carry exceedances.
func TestECHOSyntheticExceedance(t *testing.T) {
	rows, err := ReadECHO(strings.NewReader(syntheticECHO))
	if err != nil {
		t.Fatal(err)
	}
	counts := compareRows(t, rows)
	if counts[StatusExceeded] != 3 || counts[StatusCompliant] != 1 || counts[StatusNoData] != 1 {
		t.Fatalf("statuses %v", counts)
	}
	if rows[1].Limit.Parameter != "BOD5" || rows[2].Limit.Bound != Lower || !rows[3].Report.Censored || rows[4].Limit.ReportOnly != true {
		t.Fatalf("parsed %+v", rows)
	}
}

func TestReadECHOErrors(t *testing.T) {
	bad := strings.Replace(syntheticECHO, "DAILY MX", "FORTNIGHTLY", 1)
	_, err := ReadECHO(strings.NewReader(bad))
	if !errors.Is(err, ErrECHOFormat) || !errors.Is(err, ErrUnknownStatBase) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v", err)
	}
	if _, err := ReadECHO(strings.NewReader("a,b\n1,2\n")); !errors.Is(err, ErrECHOFormat) {
		t.Fatalf("missing columns: %v", err)
	}
}
