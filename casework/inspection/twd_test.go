package inspection

import "testing"

// TestTWD checks the penalty amounts the portal page prints: whole
// dollars with a comma every three digits, never an exponent.
func TestTWD(t *testing.T) {
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
			if got := twd(tc.in); got != tc.want {
				t.Fatalf("twd(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
