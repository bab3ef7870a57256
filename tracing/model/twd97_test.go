package model

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
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
		{"Kinmen, west of zone 121's false origin", Point{-22109.265, 2705514.679}, true},
		{"Matsu, north of the main island", Point{144995.830, 2894662.498}, true},
		{"Taiwan Strait between Penghu and Kinmen", Point{46488.953, 2656468.225}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkXY(tc.p); (err == nil) != tc.ok {
				t.Fatalf("checkXY(%v) = %v", tc.p, err)
			}
		})
	}
}

// islandPoints are points on the outlying islands with their TWD97 / TM2
// zone 119 (EPSG:3825) and zone 121 (EPSG:3826) coordinates, computed with
// PROJ 9.1.1 (cs2cs -f %.3f EPSG:4326 EPSG:3825, and EPSG:3826), not with
// this package. The last row is zone 119's reference point on its central
// meridian.
var islandPoints = []struct {
	name              string
	lon, lat          float64
	x119, y119        float64
	x121, y121        float64
	mistakenAsZone121 bool // zone 119 metres read as zone 121 still look like Taiwan
}{
	{"Penghu, Magong", 119.5664, 23.5655, 307818.912, 2607019.107, 103647.258, 2607636.960, true},
	{"Kinmen, Jincheng", 118.3171, 24.4321, 180753.532, 2703049.011, -22109.265, 2705514.679, true},
	{"Matsu, Nangan", 119.9497, 26.1597, 344946.047, 2894585.096, 144995.830, 2894662.498, false},
	{"Matsu, Dongyin", 120.4940, 26.3660, 399104.722, 2917955.722, 199503.097, 2917191.296, false},
}

// TestOutlyingIslands reads stations on Penghu, Kinmen and Matsu written
// three ways (zone 119 metres with crs EPSG:3825, zone 121 metres, and
// lon/lat) and checks each against the PROJ values.
func TestOutlyingIslands(t *testing.T) {
	for _, tc := range islandPoints {
		t.Run(tc.name, func(t *testing.T) {
			for _, form := range []struct{ head, row string }{
				{"x,y,crs", fmt.Sprintf("%.3f,%.3f,EPSG:3825", tc.x119, tc.y119)},
				{"x,y,crs", fmt.Sprintf("%.3f,%.3f,http://www.opengis.net/def/crs/EPSG/0/3825", tc.x119, tc.y119)},
				{"x,y", fmt.Sprintf("%.3f,%.3f", tc.x121, tc.y121)},
				{"x,y,crs", fmt.Sprintf("%.3f,%.3f,EPSG:3826", tc.x121, tc.y121)},
				{"lon,lat", fmt.Sprintf("%.4f,%.4f", tc.lon, tc.lat)},
				{"x,y,crs,lon,lat", fmt.Sprintf("%.3f,%.3f,EPSG:3825,%.4f,%.4f", tc.x119, tc.y119, tc.lon, tc.lat)},
			} {
				dir := t.TempDir()
				body := "station_id,name,kind," + form.head + "\nS1,島嶼站,fixed," + form.row + "\n"
				if err := os.WriteFile(filepath.Join(dir, FileStations), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				ds, err := ReadDir(dir)
				if err != nil {
					t.Fatalf("%s: %v", form.head, err)
				}
				p := ds.Stations[0].Point
				if math.Abs(p.X-tc.x121) > 0.002 || math.Abs(p.Y-tc.y121) > 0.002 {
					t.Errorf("%s %s: EPSG:3826 (%.4f, %.4f), PROJ (%.3f, %.3f)", form.head, form.row, p.X, p.Y, tc.x121, tc.y121)
				}
				lon, lat := p.LonLat()
				if math.Abs(lon-tc.lon) > 1e-7 || math.Abs(lat-tc.lat) > 1e-7 {
					t.Errorf("%s: lon/lat (%.8f, %.8f), want (%v, %v)", form.head, lon, lat, tc.lon, tc.lat)
				}
				// WriteDir writes zone 121 metres and lon/lat, which read back
				// to the same point.
				out := filepath.Join(t.TempDir(), "out")
				if err := WriteDir(out, ds); err != nil {
					t.Fatal(err)
				}
				back, err := ReadDir(out)
				if err != nil {
					t.Fatalf("reading back: %v", err)
				}
				if q := back.Stations[0].Point; math.Hypot(q.X-p.X, q.Y-p.Y) > 0.001 {
					t.Errorf("round trip moved the station from %v to %v", p, q)
				}
			}
		})
	}
}

// TestZone119WithoutCRS shows why the crs column exists: zone 119 metres
// given without it are read as zone 121. Penghu's and Kinmen's land on
// the main island's coast and cannot be told from real zone 121
// coordinates; Matsu's fall outside Taiwan and are refused with a hint.
func TestZone119WithoutCRS(t *testing.T) {
	for _, tc := range islandPoints {
		err := checkXY(Point{tc.x119, tc.y119})
		switch {
		case tc.mistakenAsZone121 && err != nil:
			t.Errorf("%s: zone 119 metres refused as zone 121: %v", tc.name, err)
		case !tc.mistakenAsZone121 && (err == nil || !strings.Contains(err.Error(), "EPSG:3825")):
			t.Errorf("%s: zone 119 metres read as zone 121: err = %v, want a hint at EPSG:3825", tc.name, err)
		}
	}
}

func TestCRSColumnErrors(t *testing.T) {
	tests := []struct {
		name, body, col string
	}{
		{"unsupported grid", "station_id,name,kind,x,y,crs\nS1,站,fixed,216829,2671419,EPSG:3828\n", "crs"},
		{"not a CRS", "station_id,name,kind,x,y,crs\nS1,站,fixed,216829,2671419,TM2\n", "crs"},
		{"sea between the areas", "station_id,name,kind,lon,lat\nS1,站,fixed,119.0,24.0\n", "lon"},
		{"zone 119 point far at sea", "station_id,name,kind,x,y,crs\nS1,站,fixed,250000,2400000,EPSG:3825\n", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileStations), []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadDir(dir)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Column != tc.col || fe.Line != 2 {
				t.Fatalf("err = %v, want a FieldError on line 2, column %s", err, tc.col)
			}
		})
	}
}
