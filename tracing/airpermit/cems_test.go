package airpermit

import (
	"errors"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/tracing/model"
)

const cemsHeader = "ems_no,stack_id,time,parameter,value,unit,status,basis,o2_ref_pct\n"

// TestReadCEMSNamesRowAndField: each wrong row of a posted batch is
// refused with its line and column, and one wrong row refuses the batch.
func TestReadCEMSNamesRowAndField(t *testing.T) {
	good := "E0001,P001,2024-05-06T00:00:00+08:00,SO2,120,mg/Nm3,10,dry,6\n"
	tests := []struct {
		name, row, where string
	}{
		{"a unit the parameter cannot be reported in", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,120,Nm3/h,10,dry,6\n", "cems.csv:3: column unit"},
		{"an unknown status code", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,120,mg/Nm3,12,dry,6\n", "cems.csv:3: column status"},
		{"a basis neither dry nor wet", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,120,mg/Nm3,10,moist,6\n", "cems.csv:3: column basis"},
		{"a reference O2 beyond 21 %", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,120,mg/Nm3,10,dry,25\n", "cems.csv:3: column o2_ref_pct"},
		{"a negative concentration", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,-5,ppm,10,dry,\n", "cems.csv:3: column value"},
		{"oxygen above 100 %vol", "E0001,P001,2024-05-06T00:15:00+08:00,O2,150,%vol,10,dry,\n", "cems.csv:3: column value"},
		{"a negative flow", "E0001,P001,2024-05-06T00:15:00+08:00,STACK_FLOW,-1,Nm3/h,10,dry,\n", "cems.csv:3: column value"},
		{"a time without its zone", "E0001,P001,2024-05-06T00:15:00,SO2,120,mg/Nm3,10,dry,6\n", "cems.csv:3: column time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadCEMS("cems.csv", strings.NewReader(cemsHeader+good+tc.row))
			if b != nil || !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tc.where) {
				t.Fatalf("got %v, %v; want an error at %q", b, err, tc.where)
			}
		})
	}
	b, err := ReadCEMS("cems.csv", strings.NewReader(cemsHeader+good+"E0001,P001,2024-05-06T00:00:00+08:00,O2,0,%vol,20,dry,\n"))
	if err != nil || len(b.Records) != 2 || b.Lines[1] != 3 {
		t.Fatalf("a good batch (with a calibration record at zero): %+v, %v", b, err)
	}
	if _, err := ReadCEMS("cems.csv", strings.NewReader(cemsHeader)); err == nil {
		t.Error("an empty batch was accepted")
	}
}

// TestAdmitCEMS: a batch is stored whole or not at all; a record already
// stored with the same report counts as a duplicate, with another report
// it is a conflict naming both; a facility or stack without an air permit
// is refused with its line and column.
func TestAdmitCEMS(t *testing.T) {
	stacks := PermittedStacks([]Permit{{Facility: "E0001", Stack: "P001"}, {Facility: "E0001", Stack: "P002"}, {Facility: "E0001", Stack: "P001"}})
	storedRow := "E0001,P001,2024-05-06T00:00:00+08:00,SO2,120,mg/Nm3,10,dry,6\n"
	sb, err := ReadCEMS("stored.csv", strings.NewReader(cemsHeader+storedRow))
	if err != nil {
		t.Fatal(err)
	}
	held := map[CEMSKey]*CEMSRecord{sb.Records[0].Key(): &sb.Records[0]}
	stored := func(k CEMSKey) *CEMSRecord { return held[k] }
	tests := []struct {
		name, rows string
		inserted   int
		dups       int
		want       []string // in the error; none: admitted
	}{
		{"new records", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,121,mg/Nm3,10,dry,6\nE0001,P002,2024-05-06T00:15:00+08:00,SO2,80,ppm,10,,\n", 2, 0, nil},
		{"the stored record again, at another offset", "E0001,P001,2024-05-05T16:00:00Z,SO2,120,mg/Nm3,10,dry,6\n", 0, 1, nil},
		{"a record repeated in the batch", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,121,mg/Nm3,10,dry,6\nE0001,P001,2024-05-06T00:15:00+08:00,SO2,121,mg/Nm3,10,dry,6\n", 1, 1, nil},
		{"another value for the stored record", "E0001,P001,2024-05-06T00:00:00+08:00,SO2,125,mg/Nm3,10,dry,6\n", 0, 0,
			[]string{"cems.csv:2: E0001 stack P001 SO2", "stored as 120 mg/Nm³ (dry, status 10 normal, at 6 % O₂), sent as 125 mg/Nm³"}},
		{"another status for the stored record", "E0001,P001,2024-05-06T00:00:00+08:00,SO2,120,mg/Nm3,30,dry,6\n", 0, 0, []string{"status 30 maintenance"}},
		{"two reports of one key in the batch", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,121,mg/Nm3,10,dry,6\nE0001,P001,2024-05-06T00:15:00+08:00,SO2,122,mg/Nm3,10,dry,6\n", 0, 0,
			[]string{"cems.csv:3:", "sent on line 2 as 121"}},
		{"a facility without an air permit", "E0001,P001,2024-05-06T00:15:00+08:00,SO2,121,mg/Nm3,10,dry,6\nE0999,P001,2024-05-06T00:15:00+08:00,SO2,1,ppm,10,,\n", 0, 0,
			[]string{`cems.csv:3: column ems_no: "E0999": the facility holds no air permit`}},
		{"a stack without an air permit", "E0001,P009,2024-05-06T00:15:00+08:00,SO2,1,ppm,10,,\n", 0, 0,
			[]string{`cems.csv:2: column stack_id: "P009": facility E0001 holds no air permit for this stack (its permitted stacks: P001, P002)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadCEMS("cems.csv", strings.NewReader(cemsHeader+tc.rows))
			if err != nil {
				t.Fatal(err)
			}
			fresh, st, err := b.Admit(stacks, stored)
			if tc.want == nil {
				if err != nil || len(fresh) != tc.inserted || st != (CEMSStats{Received: len(b.Records), Inserted: tc.inserted, Duplicates: tc.dups}) {
					t.Fatalf("admitted %d, %+v, %v; want %d new, %d duplicates", len(fresh), st, err, tc.inserted, tc.dups)
				}
				return
			}
			if err == nil || fresh != nil || st != (CEMSStats{}) {
				t.Fatalf("admitted %d, %+v; want the batch refused", len(fresh), st)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error %q does not say %q", err, w)
				}
			}
		})
	}
}
