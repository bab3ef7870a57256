package load

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/param"
)

func TestKgPerDay(t *testing.T) {
	tests := []struct {
		name      string
		c         float64
		cu        string
		q         float64
		qu        string
		wantKgDay float64
	}{
		{"mg/L x m3/s is 86.4", 1, "mg/L", 1, "m3/s", 86.4},
		{"ug/L", 1000, "µg/L", 1, "cms", 86.4},
		{"m3/day", 10, "mg/L", 1000, "m3/d", 10},
		{"CMD", 30, "mg/L", 1500, "CMD", 45},
		{"cfs", 1, "mg/L", 1, "cfs", 86.4 * 0.028316846592},
		{"MGD", 1, "mg/L", 1, "MGD", 3.785411784},
		{"L/s", 2, "mg/L", 500, "L/s", 86.4},
		{"zero flow", 5, "mg/L", 0, "m3/s", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := KgPerDay(tc.c, tc.cu, tc.q, tc.qu)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.wantKgDay) > 1e-9*math.Max(1, tc.wantKgDay) {
				t.Fatalf("got %v, want %v", got, tc.wantKgDay)
			}
		})
	}
}

func TestUSGSFactor(t *testing.T) {
	// USGS: tons/day = mg/L × ft³/s × 0.0027 (rounded from 0.0026969).
	l, err := Compute("SS", Measured(100), "mg/L", 100, "cfs")
	if err != nil {
		t.Fatal(err)
	}
	tons, err := l.In("tons/day")
	if err != nil {
		t.Fatal(err)
	}
	if want := 100 * 100 * 0.0026969; math.Abs(tons-want) > 0.001 {
		t.Fatalf("tons/day = %v, want %v", tons, want)
	}
}

func TestKgPerDayErrors(t *testing.T) {
	tests := []struct {
		name   string
		c      float64
		cu     string
		q      float64
		qu     string
		target error
	}{
		{"flow unit as concentration", 1, "m3/s", 1, "m3/s", param.ErrIncompatibleUnit},
		{"concentration unit as flow", 1, "mg/L", 1, "mg/L", param.ErrIncompatibleUnit},
		{"unknown unit", 1, "grains/gal", 1, "m3/s", param.ErrUnknownUnit},
		{"ppm is refused for water", 1, "ppm", 1, "m3/s", param.ErrIncompatibleUnit},
		{"negative flow", 1, "mg/L", -1, "m3/s", ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := KgPerDay(tc.c, tc.cu, tc.q, tc.qu)
			if !errors.Is(err, tc.target) {
				t.Fatalf("err = %v, want %v", err, tc.target)
			}
		})
	}
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		in   string
		want Value
		bad  bool
	}{
		{"0.52", Value{0.52, false}, false},
		{"<0.02", Value{0.02, true}, false},
		{"< 0.02", Value{0.02, true}, false},
		{" 3 ", Value{3, false}, false},
		{"ND", Value{}, true},
		{"", Value{}, true},
		{"-1", Value{}, true},
		{"<", Value{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseValue(tc.in)
			if tc.bad {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestCensoredLoad(t *testing.T) {
	l, err := Compute("Cu", BelowDetection(0.02), "mg/L", 1, "m3/s")
	if err != nil {
		t.Fatal(err)
	}
	if !l.Censored || math.Abs(l.KgPerDay-0.864) > 1e-12 || l.Low != 0 || math.Abs(l.High-1.728) > 1e-12 {
		t.Fatalf("censored load %+v", l)
	}
}

func TestComputeRejectsIntensive(t *testing.T) {
	for _, p := range []string{"pH", "TEMP", "COND", "FLOW"} {
		if _, err := Compute(p, Measured(7), "mg/L", 1, "m3/s"); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", p, err)
		}
	}
	if _, err := Compute("Cu", Measured(7), "degC", 1, "m3/s"); !errors.Is(err, param.ErrIncompatibleUnit) {
		t.Errorf("Cu in degC: %v", err)
	}
}

func TestAttenuate(t *testing.T) {
	tests := []struct {
		name   string
		param  string
		travel time.Duration
		temp   float64
		want   float64
		bad    bool
	}{
		{"BOD one day at 20C", "BOD5", 24 * time.Hour, 20, 10 * math.Exp(-0.23), false},
		{"BOD half day unknown temp", "BOD", 12 * time.Hour, math.NaN(), 10 * math.Exp(-0.115), false},
		{"NH3-N at 30C", "NH3-N", 24 * time.Hour, 30, 10 * math.Exp(-0.30*math.Pow(1.08, 10)), false},
		{"copper conservative", "Cu", 240 * time.Hour, 25, 10, false},
		{"zero travel", "COD", 0, 20, 10, false},
		{"SS not modelled", "SS", time.Hour, 20, 0, true},
		{"negative travel", "BOD5", -time.Hour, 20, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Attenuate(tc.param, 10, tc.travel, tc.temp)
			if tc.bad {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.want) > 1e-12 {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTravelTime(t *testing.T) {
	d, err := TravelTime(43200, 0.5)
	if err != nil || d != 24*time.Hour {
		t.Fatalf("got %v, %v", d, err)
	}
	if _, err := TravelTime(100, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero velocity: %v", err)
	}
}

// TestCanonicalArithmetic checks the canonical-unit functions against
// values worked out by hand.
func TestCanonicalArithmetic(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		// 1 mg/L = 1 g/m³; 1 m³/s = 86 400 m³/day; 86 400 g = 86.4 kg.
		{"MassRate 1 mg/L at 1 m³/s", MassRate(1, 1), 86.4},
		{"MassRate 2.5 mg/L at 0.4 m³/s", MassRate(2.5, 0.4), 86.4},
		// 3 g/m³ × 900 m³ = 2 700 g.
		{"DailyMass 3 mg/L in 900 m³/day", DailyMass(3, 900), 2.7},
		{"ConcOf 2.7 kg/day in 900 m³/day", ConcOf(2.7, 900), 3},
		// e^(0.24 × 24/24) = 1.27124915...
		{"AtRelease 100 after 24 h at 0.24/day", AtRelease(100, 0.24, 24), 127.12491503214047},
		{"AtRelease conservative", AtRelease(5, 0, 48), 5},
		// 1 000 µS/cm × 2 m³/s = 172 800 000 µS/cm·m³/day; ÷ 864 m³/day.
		{"EffluentExcess conductivity", EffluentExcess(1000, 2, 864), 200000},
		// 864 m³/day = 0.01 m³/s, in 2 m³/s of river: 0.5 %.
		{"Dilution 864 m³/day in 2 m³/s", Dilution(864, 2), 0.005},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if math.Abs(tc.got-tc.want) > 1e-9*math.Max(1, math.Abs(tc.want)) {
				t.Fatalf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
	if !math.IsInf(ConcOf(1, 0), 1) || !math.IsInf(EffluentExcess(1, 1, 0), 1) {
		t.Error("a zero volume must give +Inf (cannot carry)")
	}
}
