package airpermit

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

// writeCEMS writes the seeded CEMS cases as cems.csv (15-minute records,
// MOENV fields: 管制編號, 排放管道編號, time, item, value, unit, status):
//
//   - E0001 P001 SO2 and STACK_FLOW: two normal days, values varying;
//   - E0005 P001 SO2: 2024-05-06 flat at 42 ppm with status 10 (seeded
//     flat line); 2024-05-07 varying;
//   - E0006 P001 SO2: 2024-05-06 shut down (40) at 0, 2024-05-07 calibrated
//     (20) at 50 all day: both flat, both excused;
//   - E0007 P001 NOx: two days, 40% of the records missing and 10% fault
//     (seeded availability 49.5%);
//   - E0008 P001 SO2: a week, 100 ppm at night and 40 ppm in working hours
//     (seeded night excess); weekends at 40.
func writeCEMS(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, model.FileCEMS))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"ems_no", "stack_id", "time", "parameter", "value", "unit", "status", "basis", "o2_ref_pct"})
	day := time.Date(2024, 5, 6, 0, 0, 0, 0, taipei) // a Monday
	rec := func(ems, param string, at time.Time, v float64, unit string, status Status) {
		w.Write([]string{ems, "P001", at.Format(time.RFC3339), param, fmt.Sprint(v), unit, fmt.Sprint(int(status)), "dry", ""})
	}
	for k := range 192 {
		at := day.Add(time.Duration(k) * 15 * time.Minute)
		wobble := float64(k%7) - 3
		rec("E0001", "SO2", at, 30+wobble, "ppm", Normal)
		rec("E0001", "STACK_FLOW", at, 20000+10*wobble, "Nm3/h", Normal)
		if k < 96 {
			rec("E0005", "SO2", at, 42, "ppm", Normal)
			rec("E0006", "SO2", at, 0, "ppm", Shutdown)
		} else {
			rec("E0005", "SO2", at, 42+wobble, "ppm", Normal)
			rec("E0006", "SO2", at, 50, "ppm", Calibration)
		}
		switch {
		case k%10 < 4: // missing
		case k%10 == 4:
			rec("E0007", "NOx", at, 0, "ppm", Fault)
		default:
			rec("E0007", "NOx", at, 60+wobble, "ppm", Normal)
		}
	}
	for k := range 7 * 96 {
		at := day.Add(time.Duration(k) * 15 * time.Minute)
		h := at.Hour()
		v := 40.0 + float64(k%3)
		if h >= 22 || h < 6 {
			v = 100 + float64(k%3)
		}
		if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday {
			v = 40 + float64(k%3)
		}
		rec("E0008", "SO2", at, v, "ppm", Normal)
	}
	w.Flush()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func sampleDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range []string{model.FileAirPermits, model.FileFuelDeclarations} {
		b, err := os.ReadFile(filepath.Join("testdata", "sample", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCEMS(t, dir)
	return dir
}

// TestRulesFireOnSeededCases is A-T5: every rule fires exactly on its
// seeded case of the hand-written sample, and nowhere else.
func TestRulesFireOnSeededCases(t *testing.T) {
	d, err := ReadDir(sampleDir(t))
	if err != nil {
		t.Fatal(err)
	}
	rep := Check(d)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Check+" "+f.Facility+" "+f.Period)
		t.Logf("%s %s: %s", f.Severity, f.Check, f.Message)
	}
	slices.Sort(got)
	want := []string{
		RuleAvailability + " E0007 2024Q2",
		RuleFlatLine + " E0005 2024-05-06",
		RuleFuelSulphur + " E0003 2024-04-01/2024-06-30",
		RulePermitCapacity + " E0001 ",
		RulePeer + " E0009 ",
		RuleStealth + " E0008 ",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range rep.Findings {
		if len(f.Numbers) == 0 || f.Severity == "" {
			t.Errorf("%s %s lacks its numbers or severity", f.Check, f.Facility)
		}
		if f.Check == RuleAvailability {
			// 192 slots: k mod 10 in 0–3 missing (78), = 4 fault (19),
			// the rest valid (95): 95/192 = 0.4948.
			if f.Numbers["availability"] != 0.4948 || f.Numbers["missing"] != 78 || f.Numbers["valid"] != 95 {
				t.Errorf("availability numbers %v", f.Numbers)
			}
		}
	}
}

// TestControlEfficiencyTerm: without the declared control efficiency the
// scrubbed boiler E0004 would flag (45 kg against 940.7 kg); with it, the
// expectation is 47.0 kg and it does not.
func TestControlEfficiencyTerm(t *testing.T) {
	d, err := ReadDir(sampleDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Declarations {
		if d.Declarations[i].Facility == "E0004" {
			d.Declarations[i].ControlEfficiency = 0
		}
	}
	found := false
	for _, f := range Check(d).Findings {
		if f.Check == RuleFuelSulphur && f.Facility == "E0004" {
			found = true
			if math.Abs(f.Numbers["expected_kg"]-100*157*lbPer1000GalToKgPerM3*0.5) > 0.01 {
				t.Errorf("expected_kg %v", f.Numbers["expected_kg"])
			}
		}
	}
	if !found {
		t.Fatal("without the control term the scrubbed boiler should flag")
	}
}

// TestMassConcentration checks the basis handling on hand-computed values.
// The molar volume at 0 °C is written 22.414 L/mol; the registry computes
// R·T/p = 22.41397, so values agree to 2e-6 relative.
func TestMassConcentration(t *testing.T) {
	o2 := 9.0
	tests := []struct {
		name string
		r    CEMSRecord
		o2   *float64
		want float64
		ok   bool
	}{
		{"ppm SO2 to mg/Nm³", CEMSRecord{Parameter: "SO2", Value: 100, Unit: "ppm", Dry: true}, nil, 100 * 64.066 / 22.414, true},
		{"mg/Nm³ at 6% O₂ back to 9% measured", CEMSRecord{Parameter: "TSP", Value: 30, Unit: "mg/Nm³", Dry: true, O2Ref: 6}, &o2, 30 * 12.0 / 15.0, true},
		{"corrected without measured O₂", CEMSRecord{Parameter: "TSP", Value: 30, Unit: "mg/Nm³", Dry: true, O2Ref: 6}, nil, 0, false},
		{"wet basis refused", CEMSRecord{Parameter: "SO2", Value: 100, Unit: "ppm"}, nil, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := MassConcentration(tc.r, tc.o2)
			if ok != tc.ok || math.Abs(got-tc.want) > 2e-6*tc.want {
				t.Fatalf("got %v %v, want %v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestCEMSMassAgainstDeclaration: E0001's CEMS mass over its two days is
// Σ ppm × 64.066/22.414 × flow × 0.25 h (to 2e-6 relative, the rounding of
// 22.414); a declaration covering those days compares with it.
func TestCEMSMassAgainstDeclaration(t *testing.T) {
	d, err := ReadDir(sampleDir(t))
	if err != nil {
		t.Fatal(err)
	}
	st := newStacks(d.CEMS)
	from := time.Date(2024, 5, 6, 0, 0, 0, 0, taipei)
	kg, used, skipped := st.massKg("E0001", "P001", "SO2", from, from.AddDate(0, 0, 2))
	want := 0.0
	for k := range 192 {
		wob := float64(k%7) - 3
		want += (30 + wob) * 64.066 / 22.414 * (20000 + 10*wob) * 0.25 * 1e-6
	}
	if used != 192 || skipped != 0 || math.Abs(kg-want) > 2e-6*want {
		t.Fatalf("mass %v kg from %d records (%d skipped), want %v", kg, used, skipped, want)
	}
}

func TestReadRejects(t *testing.T) {
	tests := []struct {
		name, file, body, col string
	}{
		{"unknown status", model.FileCEMS, "ems_no,stack_id,time,parameter,value,unit,status\nE1,P001,2024-05-06T00:00:00+08:00,SO2,1,ppm,99\n", "status"},
		{"SO2 in µg/m³", model.FileCEMS, "ems_no,stack_id,time,parameter,value,unit,status\nE1,P001,2024-05-06T00:00:00+08:00,SO2,1,mg/L,10\n", "unit"},
		{"unknown fuel", model.FileFuelDeclarations, "ems_no,stack_id,period_start,period_end,fuel,fuel_amount,fuel_unit\nE1,P001,2024-04-01,2024-06-30,plutonium,1,kg\n", "fuel"},
		{"period reversed", model.FileFuelDeclarations, "ems_no,stack_id,period_start,period_end,fuel,fuel_amount,fuel_unit\nE1,P001,2024-06-30,2024-04-01,重油,1,kL\n", "period_end"},
		{"capacity not per hour", model.FileAirPermits, "ems_no,per_no,stack_id,pollutant,permitted_rate,permitted_unit,capacity,capacity_unit,fuel\nE1,X,P001,SO2,1,kg/h,1,kL,重油\n", "capacity_unit"},
		{"sulphur over 100%", model.FileFuelDeclarations, "ems_no,stack_id,period_start,period_end,fuel,fuel_amount,fuel_unit,sulphur_pct\nE1,P001,2024-04-01,2024-06-30,重油,1,kL,150\n", "sulphur_pct"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.body), 0o644)
			_, err := ReadDir(dir)
			var fe *model.FieldError
			if !errors.As(err, &fe) || fe.Column != tc.col || fe.Line != 2 {
				t.Fatalf("err = %v, want line 2 column %s", err, tc.col)
			}
		})
	}
}

// TestFactorsFile: emission_factors.csv replaces a built-in factor (a
// bureau loading MOENV's value) and its unit is converted once.
func TestFactorsFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, model.FileEmissionFactors), []byte("fuel,base_unit,pollutant,factor,factor_unit,source,per_sulphur_pct\n重油,m3,SO2,20,kg/kL,test value,yes\n"), 0o644)
	d, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fa, kg, ok := d.Factors.Lookup("residual_oil", "SO2", 0.5)
	if !ok || kg != 10 || fa.Source != "test value" {
		t.Fatalf("factor %+v %v %v", fa, kg, ok)
	}
}
