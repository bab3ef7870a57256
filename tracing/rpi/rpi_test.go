package rpi

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

func TestScoreBandEdges(t *testing.T) {
	tests := []struct {
		name    string
		param   string
		v       float64
		points  int
		rounded float64
	}{
		// DO: ≥6.5 → 1; 4.6–6.5 → 3; 2.0–4.5 → 6; <2.0 → 10
		{"DO 6.5", DO, 6.5, 1, 6.5},
		{"DO 6.49 rounds to 6.5", DO, 6.49, 1, 6.5},
		{"DO 6.44 rounds to 6.4", DO, 6.44, 3, 6.4},
		{"DO 4.6", DO, 4.6, 3, 4.6},
		{"DO 4.55 in the gap rounds up", DO, 4.55, 3, 4.6},
		{"DO 4.54 in the gap rounds down", DO, 4.54, 6, 4.5},
		{"DO 4.5", DO, 4.5, 6, 4.5},
		{"DO 2.0", DO, 2.0, 6, 2.0},
		{"DO 1.99 rounds to 2.0", DO, 1.99, 6, 2.0},
		{"DO 1.94", DO, 1.94, 10, 1.9},
		{"DO 0", DO, 0, 10, 0},
		// BOD5: ≤3.0 → 1; ≤4.9 → 3; 5.0–15.0 → 6; >15.0 → 10
		{"BOD 3.0", BOD5, 3.0, 1, 3.0},
		{"BOD 3.04", BOD5, 3.04, 1, 3.0},
		{"BOD 3.05 rounds to 3.1", BOD5, 3.05, 3, 3.1},
		{"BOD 4.9", BOD5, 4.9, 3, 4.9},
		{"BOD 4.94 in the gap", BOD5, 4.94, 3, 4.9},
		{"BOD 4.95 in the gap", BOD5, 4.95, 6, 5.0},
		{"BOD 5.0", BOD5, 5.0, 6, 5.0},
		{"BOD 15.0", BOD5, 15.0, 6, 15.0},
		{"BOD 15.04", BOD5, 15.04, 6, 15.0},
		{"BOD 15.05", BOD5, 15.05, 10, 15.1},
		{"BOD 15.1", BOD5, 15.1, 10, 15.1},
		// SS: ≤20.0 → 1; ≤49.9 → 3; 50.0–100 → 6; >100 → 10
		{"SS 20.0", SS, 20.0, 1, 20.0},
		{"SS 20.04", SS, 20.04, 1, 20.0},
		{"SS 20.05", SS, 20.05, 3, 20.1},
		{"SS 49.9", SS, 49.9, 3, 49.9},
		{"SS 49.94 in the gap", SS, 49.94, 3, 49.9},
		{"SS 49.95 in the gap", SS, 49.95, 6, 50.0},
		{"SS 50.0", SS, 50.0, 6, 50.0},
		{"SS 100", SS, 100, 6, 100},
		{"SS 100.04", SS, 100.04, 6, 100.0},
		{"SS 100.05", SS, 100.05, 10, 100.1},
		{"SS 100.1", SS, 100.1, 10, 100.1},
		// NH3-N: ≤0.50 → 1; ≤0.99 → 3; 1.00–3.00 → 6; >3.00 → 10
		{"NH3-N 0.50", NH3N, 0.50, 1, 0.50},
		{"NH3-N 0.504", NH3N, 0.504, 1, 0.50},
		{"NH3-N 0.505", NH3N, 0.505, 3, 0.51},
		{"NH3-N 0.51", NH3N, 0.51, 3, 0.51},
		{"NH3-N 0.99", NH3N, 0.99, 3, 0.99},
		{"NH3-N 0.994 in the gap", NH3N, 0.994, 3, 0.99},
		{"NH3-N 0.995 in the gap", NH3N, 0.995, 6, 1.00},
		{"NH3-N 1.00", NH3N, 1.00, 6, 1.00},
		{"NH3-N 3.00", NH3N, 3.00, 6, 3.00},
		{"NH3-N 3.004", NH3N, 3.004, 6, 3.00},
		{"NH3-N 3.005", NH3N, 3.005, 10, 3.01},
		{"NH3-N 3.01", NH3N, 3.01, 10, 3.01},
		{"alias 氨氮", "氨氮", 0.2, 1, 0.2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pts, r, err := Score(tc.param, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if pts != tc.points || r != tc.rounded {
				t.Fatalf("Score(%s, %v) = %d points (rounded %v), want %d (%v)", tc.param, tc.v, pts, r, tc.points, tc.rounded)
			}
		})
	}
}

func TestCompute(t *testing.T) {
	tests := []struct {
		name  string
		m     Measurements
		index float64
		class Class
	}{
		{"clean", Measurements{"DO": 8, "BOD5": 1, "SS": 10, "NH3-N": 0.1}, 1.0, Unpolluted},
		{"one 3-point", Measurements{"DO": 8, "BOD5": 3.5, "SS": 10, "NH3-N": 0.1}, 1.5, Unpolluted},
		{"2.0 boundary", Measurements{"DO": 8, "BOD5": 3.5, "SS": 25, "NH3-N": 0.1}, 2.0, Unpolluted},
		{"2.25 reported 2.3", Measurements{"DO": 8, "BOD5": 6, "SS": 10, "NH3-N": 0.1}, 2.3, Light},
		{"3.0 boundary", Measurements{"DO": 5, "BOD5": 3.5, "SS": 25, "NH3-N": 0.7}, 3.0, Light},
		{"3.25 reported 3.3", Measurements{"DO": 8, "BOD5": 1, "SS": 10, "NH3-N": 5}, 3.3, Moderate},
		{"6.0 boundary", Measurements{"DO": 3, "BOD5": 6, "SS": 60, "NH3-N": 2}, 6.0, Moderate},
		{"6.75 reported 6.8", Measurements{"DO": 1, "BOD5": 20, "SS": 60, "NH3-N": 0.1}, 6.8, Severe},
		{"7.0", Measurements{"DO": 3, "BOD5": 6, "SS": 60, "NH3-N": 3.5}, 7.0, Severe},
		{"worst", Measurements{"溶氧": 0.5, "生化需氧量": 40, "懸浮固體": 300, "氨氮": 12}, 10, Severe},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if r.Index != tc.index || r.Class != tc.class {
				t.Fatalf("got %v %v (points %v), want %v %v", r.Index, r.Class, r.Points, tc.index, tc.class)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	tests := []struct {
		name    string
		m       Measurements
		is      error
		missing string
	}{
		{"missing NH3-N", Measurements{"DO": 8, "BOD5": 1, "SS": 10}, ErrMissing, "NH3-N"},
		{"missing DO", Measurements{"BOD5": 1, "SS": 10, "NH3-N": 0.1}, ErrMissing, "DO"},
		{"empty", Measurements{}, ErrMissing, "DO"},
		{"negative", Measurements{"DO": -1, "BOD5": 1, "SS": 10, "NH3-N": 0.1}, ErrInvalid, ""},
		{"NaN", Measurements{"DO": 8, "BOD5": math.NaN(), "SS": 10, "NH3-N": 0.1}, ErrInvalid, ""},
		{"not an input", Measurements{"DO": 8, "BOD5": 1, "SS": 10, "NH3-N": 0.1, "Cu": 1}, ErrInvalid, ""},
		{"duplicate via alias", Measurements{"DO": 8, "溶氧": 8, "BOD5": 1, "SS": 10, "NH3-N": 0.1}, ErrInvalid, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.m)
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			var me *MissingError
			if tc.missing != "" && (!errors.As(err, &me) || me.Parameter != tc.missing) {
				t.Fatalf("err = %v, want missing %s", err, tc.missing)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		v    float64
		want Class
	}{{1.0, Unpolluted}, {2.0, Unpolluted}, {2.1, Light}, {3.0, Light}, {3.1, Moderate}, {6.0, Moderate}, {6.1, Severe}, {10, Severe}}
	for _, tc := range tests {
		if got := Classify(tc.v); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

// TestLatestByStation: the latest complete sample wins, samples of
// different instants are never mixed, and a censored value counts at its
// detection limit.
func TestLatestByStation(t *testing.T) {
	tz := time.FixedZone("CST", 8*3600)
	jan, feb, mar := time.Date(2026, 1, 10, 9, 0, 0, 0, tz), time.Date(2026, 2, 10, 9, 0, 0, 0, tz), time.Date(2026, 3, 10, 9, 0, 0, 0, tz)
	r := func(st string, at time.Time, p string, v float64, cens bool) model.Reading {
		return model.Reading{Station: st, Time: at, Parameter: p, Value: v, Unit: "mg/L", Censored: cens}
	}
	readings := []model.Reading{
		// S1 January: DO 7 (1), BOD5 <2 counted as 2 (1), SS 30 (3), NH3-N 1.5 (6): (1+1+3+6)/4 = 2.75 → 2.8.
		r("S1", jan, "DO", 7, false), r("S1", jan, "BOD5", 2, true), r("S1", jan, "SS", 30, false), r("S1", jan, "NH3-N", 1.5, false),
		// S1 February complete: DO 4 (6), BOD5 20 (10), SS 120 (10), NH3-N 4 (10): 36/4 = 9.0.
		r("S1", feb, "DO", 4, false), r("S1", feb, "BOD5", 20, false), r("S1", feb, "SS", 120, false), r("S1", feb, "NH3-N", 4, false),
		// S1 March is later but lacks SS: it must not be mixed with February.
		r("S1", mar, "DO", 8, false), r("S1", mar, "BOD5", 1, false), r("S1", mar, "NH3-N", 0.1, false),
		// S2 has only an incomplete sample.
		r("S2", mar, "DO", 8, false),
		r("S3", jan, "DO", 7, false), r("S3", jan, "BOD5", 2, true), r("S3", jan, "SS", 30, false), r("S3", jan, "NH3-N", 1.5, false),
	}
	got := LatestByStation(readings)
	if l := got["S1"]; l.Index != 9.0 || !l.Time.Equal(feb) || l.Class != Severe {
		t.Errorf("S1 = %+v, want 9.0 from February", l)
	}
	if _, ok := got["S2"]; ok {
		t.Error("S2 has no complete sample")
	}
	if l := got["S3"]; l.Index != 2.8 || l.Points["BOD5"] != 1 {
		t.Errorf("S3 = %+v, want 2.8 with BOD5 <2 counted as 2", l)
	}
}
