package crs

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// TestLocalTMPittsburgh checks distances and bearings on a local grid
// centred on Pittsburgh against the figures measured independently for the
// Smell Pittsburgh data (wave-2 reference §7: haversine distances and
// bearings from the Liberty monitor to CREATE Lab's HYSPLIT sources, given
// to 10 m or 0.1 km and 1°).
func TestLocalTMPittsburgh(t *testing.T) {
	liberty := orb.Point{-79.868062, 40.323768}
	cases := []struct {
		name      string
		at        orb.Point
		km        float64
		kmTol     float64
		bearing   float64
		northward bool
	}{
		{"Clairton", orb.Point{-79.876692, 40.305062}, 2.20, 0.01, 199, false},
		{"Irvin", orb.Point{-79.903551, 40.328015}, 3.05, 0.01, 279, false},
		{"Edgar Thomson", orb.Point{-79.855709, 40.392967}, 7.77, 0.01, 8, true},
		{"Cheswick", orb.Point{-79.790391, 40.538261}, 24.7, 0.1, 15, true},
	}
	b := orb.Bound{Min: liberty, Max: liberty}
	for _, c := range cases {
		b = b.Extend(c.at)
	}
	p, err := PlanarFor(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Code() != 0 {
		t.Fatalf("Pittsburgh got grid %s, want a local grid", p)
	}
	lx, ly := p.Forward(liberty[0], liberty[1])
	for _, c := range cases {
		x, y := p.Forward(c.at[0], c.at[1])
		km := math.Hypot(x-lx, y-ly) / 1000
		// The reference distances are spherical (haversine, R = 6371 km);
		// the ellipsoid differs by up to 0.3 % at this latitude.
		if math.Abs(km-c.km) > c.kmTol+0.003*c.km {
			t.Errorf("%s: %.3f km, want %.2f km", c.name, km, c.km)
		}
		brg := math.Mod(math.Atan2(x-lx, y-ly)*180/math.Pi+360, 360)
		if d := math.Abs(math.Remainder(brg-c.bearing, 360)); d > 0.6 {
			t.Errorf("%s: bearing %.2f°, want %.0f°", c.name, brg, c.bearing)
		}
	}
}

// TestLocalTMRoundTrip checks that Inverse undoes Forward to a micrometre
// within 100 km of the centre, and that the centre is the origin.
func TestLocalTMRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, c := range []orb.Point{{-79.9, 40.4}, {2.2, 41.4}, {151.2, -33.9}, {-70.6, -33.4}} {
		p, err := NewLocalTM(c[0], c[1])
		if err != nil {
			t.Fatal(err)
		}
		if x, y := p.Forward(c[0], c[1]); math.Hypot(x, y) > 1e-6 {
			t.Errorf("centre %v maps to (%g, %g), want the origin", c, x, y)
		}
		for range 200 {
			lon, lat := c[0]+rng.Float64()*2-1, c[1]+rng.Float64()*1.6-0.8
			x, y := p.Forward(lon, lat)
			blon, blat := p.Inverse(x, y)
			if dx, dy := (blon-lon)*111e3*math.Cos(lat*math.Pi/180), (blat-lat)*111e3; math.Hypot(dx, dy) > 1e-6 {
				t.Fatalf("round trip of (%g, %g) about %v is off by %.3g m", lon, lat, c, math.Hypot(dx, dy))
			}
		}
	}
}

// TestPlanarForTaiwan checks that data inside Taiwan gets TWD97 / TM2, with
// the same coordinates as Transform, so x/y and lon/lat inputs agree.
func TestPlanarForTaiwan(t *testing.T) {
	wuqi := orb.Point{120.523381, 24.256003}
	p, err := PlanarFor(orb.Bound{Min: wuqi, Max: orb.Point{120.6, 24.3}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Code() != TWD97TM2 {
		t.Fatalf("Taiwan got grid %s, want EPSG:3826", p)
	}
	x, y := p.Forward(wuqi[0], wuqi[1])
	want, err := Transform(WGS84, TWD97TM2, wuqi)
	if err != nil {
		t.Fatal(err)
	}
	if math.Hypot(x-want[0], y-want[1]) > 1e-6 {
		t.Errorf("Forward(Wuqi) = (%.3f, %.3f), Transform = %v", x, y, want)
	}
	if _, err := PlanarFor(orb.Bound{Min: orb.Point{math.NaN(), 0}, Max: orb.Point{1, 1}}); err == nil {
		t.Error("a NaN bound was accepted")
	}
	if _, err := NewLocalTM(0, 89); err == nil {
		t.Error("a local grid at 89°N was accepted")
	}
}

func TestPositionFrom(t *testing.T) {
	tests := []struct {
		name              string
		x, y, lon, lat    string
		want              orb.Point
		col, errSubstring string
	}{
		{name: "TM2", x: "216829.433", y: "2671419.288", want: orb.Point{120.6736, 24.1477}},
		{name: "lon/lat in Taiwan", lon: "120.6736", lat: "24.1477", want: orb.Point{120.6736, 24.1477}},
		{name: "lon/lat in Pittsburgh", lon: "-79.868062", lat: "40.323768", want: orb.Point{-79.868062, 40.323768}},
		{name: "both agree", x: "216829.433", y: "2671419.288", lon: "120.67361", lat: "24.14771", want: orb.Point{120.67361, 24.14771}},
		{name: "both disagree", x: "216829.433", y: "2671419.288", lon: "120.68", lat: "24.1477", col: "lon", errSubstring: "m from x/y"},
		{name: "lon/lat in x/y", x: "120.6", y: "24.1", col: "x", errSubstring: "outside Taiwan"},
		{name: "metres in lon/lat", lon: "216829", lat: "2671419", col: "lon", errSubstring: "not a longitude"},
		{name: "half a pair", x: "216829", col: "x", errSubstring: "pairs"},
		{name: "not a number", lon: "east", lat: "24", col: "lon", errSubstring: "finite"},
		{name: "nothing", col: "x", errSubstring: "no position"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, col, err := PositionFrom(tt.x, tt.y, tt.lon, tt.lat)
			if tt.errSubstring != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSubstring) || col != tt.col {
					t.Fatalf("PositionFrom = %v, %q, %v; want column %s and an error with %q", p, col, err, tt.col, tt.errSubstring)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(p[0]-tt.want[0]) > 1e-8 || math.Abs(p[1]-tt.want[1]) > 1e-8 {
				t.Errorf("PositionFrom = %.9f, want %v", p, tt.want)
			}
		})
	}
}
