package model

import (
	"math"
	"testing"
)

// Reference points computed with PROJ (docs/taiwan-reference.md).
func TestTWD97(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
		x, y     float64
	}{
		{"central meridian", 121.0, 24.0, 250000.000, 2655023.125},
		{"Taichung city hall", 120.6736, 24.1477, 216829.433, 2671419.288},
		{"Changhua", 120.5161, 24.0809, 200797.673, 2664067.394},
		{"Touqian river mouth", 120.9331, 24.8501, 243238.943, 2749176.194},
		{"Taipei 101", 121.5654, 25.033, 307056.819, 2769551.837},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := FromLonLat(tc.lon, tc.lat)
			if math.Abs(p.X-tc.x) > 0.002 || math.Abs(p.Y-tc.y) > 0.002 {
				t.Fatalf("FromLonLat = %.4f %.4f, want %.3f %.3f", p.X, p.Y, tc.x, tc.y)
			}
			lon, lat := Point{tc.x, tc.y}.LonLat()
			if math.Abs(lon-tc.lon) > 1e-7 || math.Abs(lat-tc.lat) > 1e-7 {
				t.Fatalf("LonLat = %.9f %.9f, want %v %v", lon, lat, tc.lon, tc.lat)
			}
		})
	}
}

func TestCheckXY(t *testing.T) {
	tests := []struct {
		name string
		p    Point
		ok   bool
	}{
		{"Taichung", Point{216829, 2671419}, true},
		{"lon/lat in x/y", Point{120.67, 24.15}, false},
		{"swapped", Point{2671419, 216829}, false},
		{"NaN", Point{math.NaN(), 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkXY(tc.p); (err == nil) != tc.ok {
				t.Fatalf("checkXY(%v) = %v", tc.p, err)
			}
		})
	}
}
