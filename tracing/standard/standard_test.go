package standard

import (
	"errors"
	"testing"
)

// TestTable checks every class standard against the table of the legal
// text (package doc), typed in again here rather than read from the code.
func TestTable(t *testing.T) {
	tests := []struct {
		class     Class
		parameter string
		min, max  float64 // 0 = no bound
		ok        bool
	}{
		{A, "DO", 6.5, 0, true}, {A, "BOD5", 0, 1, true}, {A, "SS", 0, 25, true}, {A, "NH3-N", 0, 0.1, true}, {A, "pH", 6.5, 8.5, true},
		{B, "溶氧", 5.5, 0, true}, {B, "BOD", 0, 2, true}, {B, "TSS", 0, 25, true}, {B, "氨氮", 0, 0.3, true}, {B, "pH", 6, 9, true},
		{C, "DO", 4.5, 0, true}, {C, "BOD5", 0, 4, true}, {C, "SS", 0, 40, true}, {C, "NH3-N", 0, 0.3, true}, {C, "pH", 6, 9, true},
		{D, "DO", 3, 0, true}, {D, "BOD5", 0, 0, false}, {D, "SS", 0, 100, true}, {D, "NH3-N", 0, 0, false},
		{E, "DO", 2, 0, true}, {E, "BOD5", 0, 0, false}, {E, "SS", 0, 0, false}, {E, "NH3-N", 0, 0, false},
		{A, "COD", 0, 0, false}, {A, "Cu", 0, 0, false}, {"", "DO", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.class)+"/"+tc.parameter, func(t *testing.T) {
			l, ok := For(tc.class, tc.parameter)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if l.HasMin != (tc.min > 0) || l.Min != tc.min || l.HasMax != (tc.max > 0) || l.Max != tc.max {
				t.Fatalf("limit %+v, want min %v max %v", l, tc.min, tc.max)
			}
			if l.Source == "" || l.Unit == "" {
				t.Errorf("limit without source or unit: %+v", l)
			}
		})
	}
}

func TestViolatedAndExceedance(t *testing.T) {
	do, _ := For(C, "DO")    // ≥ 4.5
	bod, _ := For(B, "BOD5") // ≤ 2
	ph, _ := For(A, "pH")    // 6.5–8.5
	tests := []struct {
		name     string
		l        Limit
		v        float64
		violated bool
		exceed   float64
	}{
		{"DO on the limit complies", do, 4.5, false, 0},
		{"DO below", do, 3.2, true, 1.3},
		{"DO high is fine", do, 12, false, 0},
		{"BOD5 on the limit complies", bod, 2, false, 0},
		{"BOD5 above", bod, 5, true, 3},
		{"pH acid", ph, 5.5, true, 1},
		{"pH alkaline", ph, 9.5, true, 1},
		{"pH inside", ph, 7, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.l.Violated(tc.v); got != tc.violated {
				t.Errorf("Violated(%v) = %v", tc.v, got)
			}
			if got := tc.l.Exceedance(tc.v); got < tc.exceed-1e-12 || got > tc.exceed+1e-12 {
				t.Errorf("Exceedance(%v) = %v, want %v", tc.v, got, tc.exceed)
			}
		})
	}
}

func TestParseClass(t *testing.T) {
	for in, want := range map[string]Class{"甲": A, "乙類": B, "c": C, " 4 ": D, "E": E, "": ""} {
		got, err := ParseClass(in)
		if err != nil || got != want {
			t.Errorf("ParseClass(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseClass("F"); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("F: %v", err)
	}
}
