package inspection

import "testing"

// TestWhole checks the penalty amounts the portal page prints: whole
// dollars with a comma every three digits, never an exponent.
func TestWhole(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   float64
		want string
	}{
		{"zero", 0, "0"},
		{"hundreds", 999, "999"},
		{"thousands", 1000, "1,000"},
		{"water act minimum", 60000, "60,000"},
		{"rounded", 1234567.6, "1,234,568"},
		{"millions", 20000000, "20,000,000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := whole(tc.in); got != tc.want {
				t.Fatalf("whole(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestNum checks readings and limits on the portal page: four
// significant digits, and large values in whole units without an
// exponent.
func TestNum(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   float64
		want string
	}{
		{"limit", 3, "3"},
		{"small reading", 0.019, "0.019"},
		{"four digits", 325.46, "325.5"},
		{"just under the switch", 9999, "9999"},
		{"conductivity", 12345.4, "12,345"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := num(tc.in); got != tc.want {
				t.Fatalf("num(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
