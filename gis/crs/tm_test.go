package crs

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// taiwanReference holds the PROJ-computed reference points of
// /work/shared/docs/taiwan-reference.md (EPSG:4326 lon/lat → EPSG:3826).
var taiwanReference = []struct {
	name     string
	lon, lat float64
	x, y     float64
}{
	{"central meridian", 121.0, 24.0, 250000.000, 2655023.125},
	{"Taichung city hall area", 120.6736, 24.1477, 216829.433, 2671419.288},
	{"Changhua", 120.5161, 24.0809, 200797.673, 2664067.394},
	{"Touqian river mouth", 120.9331, 24.8501, 243238.943, 2749176.194},
	{"Taipei 101", 121.5654, 25.033, 307056.819, 2769551.837},
}

func TestTWD97ReferencePoints(t *testing.T) {
	const tolM = 0.001  // 1 mm, the precision the table is given to
	const tolDeg = 1e-8 // ≈ 1 mm in latitude
	for _, tt := range taiwanReference {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Transform(WGS84, TWD97TM2, orb.Point{tt.lon, tt.lat})
			if err != nil {
				t.Fatal(err)
			}
			if dx, dy := got[0]-tt.x, got[1]-tt.y; math.Abs(dx) > tolM || math.Abs(dy) > tolM {
				t.Errorf("forward = (%.4f, %.4f), want (%.3f, %.3f): off by (%.4f, %.4f) m", got[0], got[1], tt.x, tt.y, dx, dy)
			}
			back, err := Transform(TWD97TM2, WGS84, orb.Point{tt.x, tt.y})
			if err != nil {
				t.Fatal(err)
			}
			// The table is rounded to 1 mm, so allow half a millimetre of
			// rounding plus the projection error, converted to degrees.
			if dlon, dlat := back[0]-tt.lon, back[1]-tt.lat; math.Abs(dlon) > tolDeg || math.Abs(dlat) > tolDeg {
				t.Errorf("inverse = (%.10f, %.10f), want (%v, %v)", back[0], back[1], tt.lon, tt.lat)
			}
		})
	}
}

// TestRoundTrip checks, on random points across and beyond Taiwan, that
// inverse(forward(p)) returns p to within a micrometre, in both zones.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, zone := range []struct {
		code Code
		lon0 float64
	}{{TWD97TM2, 121}, {TWD97TM2Zone119, 119}} {
		t.Run(zone.code.String(), func(t *testing.T) {
			tr, err := NewTransformer(WGS84, zone.code)
			if err != nil {
				t.Fatal(err)
			}
			back, err := NewTransformer(zone.code, WGS84)
			if err != nil {
				t.Fatal(err)
			}
			var worst float64
			for i := 0; i < 20000; i++ {
				// ±20° of longitude around the zone, latitudes from the
				// southern hemisphere to the Arctic.
				p := orb.Point{zone.lon0 + (rng.Float64()*2-1)*20, rng.Float64()*160 - 80}
				xy := tr.Point(p)
				q := back.Point(xy)
				// Metres: convert the angular error at this latitude.
				dy := (q[1] - p[1]) * 111320
				dx := (q[0] - p[0]) * 111320 * math.Cos(p[1]*math.Pi/180)
				if e := math.Hypot(dx, dy); e > worst {
					worst = e
				}
				if e := math.Hypot(dx, dy); e > 1e-6 {
					t.Fatalf("round trip of %v = %v: error %.3g m", p, q, e)
				}
			}
			t.Logf("worst round-trip error over 20000 points: %.2g m", worst)
		})
	}
}

// TestProjectionProperties checks geometric facts that hold exactly for
// Transverse Mercator, independent of any reference table.
func TestProjectionProperties(t *testing.T) {
	tm := tm2[TWD97TM2]
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"equator on central meridian maps to false origin", func(t *testing.T) {
			x, y := tm.forward(121, 0)
			if math.Abs(x-250000) > 1e-9 || math.Abs(y) > 1e-9 {
				t.Errorf("got (%v, %v)", x, y)
			}
		}},
		{"pole maps to k0 times the quarter meridian", func(t *testing.T) {
			// GRS80 quarter meridian is 10 001 965.729 m.
			x, y := tm.forward(121, 90)
			if math.Abs(x-250000) > 1e-6 || math.Abs(y-0.9999*10001965.7293) > 1e-3 {
				t.Errorf("got (%v, %v)", x, y)
			}
		}},
		{"symmetric about the central meridian", func(t *testing.T) {
			for _, d := range []float64{0.1, 1, 2.5, 10} {
				x1, y1 := tm.forward(121+d, 23.5)
				x2, y2 := tm.forward(121-d, 23.5)
				if math.Abs((x1-250000)+(x2-250000)) > 1e-8 || math.Abs(y1-y2) > 1e-8 {
					t.Errorf("Δλ=%v: (%v,%v) vs (%v,%v)", d, x1, y1, x2, y2)
				}
			}
		}},
		{"symmetric about the equator", func(t *testing.T) {
			x1, y1 := tm.forward(122, 10)
			x2, y2 := tm.forward(122, -10)
			if math.Abs(x1-x2) > 1e-8 || math.Abs(y1+y2) > 1e-8 {
				t.Errorf("(%v,%v) vs (%v,%v)", x1, y1, x2, y2)
			}
		}},
		{"zone 119 is zone 121 shifted by 2 degrees", func(t *testing.T) {
			z119 := tm2[TWD97TM2Zone119]
			x1, y1 := z119.forward(119.4, 23.6)
			x2, y2 := tm.forward(121.4, 23.6)
			if math.Abs(x1-x2) > 1e-9 || math.Abs(y1-y2) > 1e-9 {
				t.Errorf("(%v,%v) vs (%v,%v)", x1, y1, x2, y2)
			}
		}},
		{"point scale on the central meridian is k0", func(t *testing.T) {
			// A small step in x along the equator from the central
			// meridian covers k0 × (a × Δλ) metres.
			const d = 1e-6
			x, _ := tm.forward(121+d, 0)
			want := 0.9999 * 6378137 * d * math.Pi / 180
			if math.Abs((x-250000)-want) > 1e-9 {
				t.Errorf("got %v, want %v", x-250000, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

func TestTransformGeographicIdentity(t *testing.T) {
	p := orb.Point{-89.4, 43.1}
	for _, pair := range [][2]Code{{NAD83, WGS84}, {WGS84, CRS84}, {CRS84, NAD83}, {WGS84, WGS84}} {
		got, err := Transform(pair[0], pair[1], p)
		if err != nil || got != p {
			t.Errorf("%s → %s: %v, %v", pair[0], pair[1], got, err)
		}
	}
}

func TestTransformZoneToZone(t *testing.T) {
	// Kinmen, in zone 119, expressed in both grids.
	p := orb.Point{118.35, 24.43}
	a, err := Transform(WGS84, TWD97TM2Zone119, p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Transform(TWD97TM2Zone119, TWD97TM2, a)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Transform(WGS84, TWD97TM2, p)
	if math.Abs(b[0]-want[0]) > 1e-6 || math.Abs(b[1]-want[1]) > 1e-6 {
		t.Errorf("zone 119 → 121 = %v, want %v", b, want)
	}
}

func TestTransformErrors(t *testing.T) {
	tests := []struct {
		name     string
		from, to Code
		p        orb.Point
	}{
		{"unsupported source", Code(32651), WGS84, orb.Point{1, 2}},
		{"unsupported target", WGS84, Code(3857), orb.Point{1, 2}},
		{"latitude out of range", WGS84, TWD97TM2, orb.Point{121, 91}},
		{"lat/lon swapped", WGS84, TWD97TM2, orb.Point{24, 121}},
		{"NaN", WGS84, TWD97TM2, orb.Point{math.NaN(), 24}},
		{"infinite", TWD97TM2, WGS84, orb.Point{math.Inf(1), 24}},
		{"opposite side of the globe", WGS84, TWD97TM2, orb.Point{-59, 24}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Transform(tt.from, tt.to, tt.p); err == nil {
				t.Errorf("Transform(%s, %s, %v) = %v, want error", tt.from, tt.to, tt.p, got)
			}
		})
	}
}

func TestTransformGeometry(t *testing.T) {
	line := orb.LineString{{120.9331, 24.8501}, {121.0, 24.0}}
	poly := orb.Polygon{orb.Ring{{121, 24}, {121.1, 24}, {121.1, 24.1}, {121, 24}}}
	geoms := []orb.Geometry{
		orb.Point{121, 24},
		orb.MultiPoint{{121, 24}, {121.5654, 25.033}},
		line,
		orb.MultiLineString{line, line},
		poly,
		orb.MultiPolygon{poly},
		orb.Collection{orb.Point{121, 24}, line},
		orb.Bound{Min: orb.Point{120.9, 24}, Max: orb.Point{121.1, 24.1}},
		orb.Ring{{121, 24}, {121.1, 24}, {121, 24}},
	}
	for _, g := range geoms {
		t.Run(fmt.Sprintf("%T", g), func(t *testing.T) {
			orig := orb.Clone(g)
			out, err := TransformGeometry(WGS84, TWD97TM2, g)
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(g, orig) {
				t.Fatal("TransformGeometry modified its input")
			}
			if out.Bound().Min[0] < 100000 {
				t.Fatalf("not projected: %v", out.Bound())
			}
			back, err := TransformInPlace(TWD97TM2, WGS84, out)
			if err != nil {
				t.Fatal(err)
			}
			if _, isBound := g.(orb.Bound); isBound {
				// A bound grows when reprojected; it must still contain the
				// original, up to the sampling of its curved edges.
				if !back.Bound().Pad(1e-6).Contains(g.Bound().Min) || !back.Bound().Pad(1e-6).Contains(g.Bound().Max) {
					t.Errorf("bound %v does not contain %v", back.Bound(), g)
				}
				return
			}
			if d := maxDiff(flatten(back), flatten(orig)); d > 1e-9 {
				t.Errorf("round trip differs by %v degrees", d)
			}
		})
	}
	if _, err := TransformGeometry(WGS84, TWD97TM2, orb.LineString{{121, 24}, {121, 95}}); err == nil {
		t.Error("invalid vertex accepted")
	}
	if g, err := TransformGeometry(WGS84, TWD97TM2, nil); g != nil || err != nil {
		t.Errorf("nil geometry: %v, %v", g, err)
	}
}

func flatten(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, g)
	case orb.MultiPoint:
		out = append(out, g...)
	case orb.LineString:
		out = append(out, g...)
	case orb.Ring:
		out = append(out, g...)
	case orb.MultiLineString:
		for _, l := range g {
			out = append(out, l...)
		}
	case orb.Polygon:
		for _, r := range g {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			out = append(out, flatten(p)...)
		}
	case orb.Collection:
		for _, c := range g {
			out = append(out, flatten(c)...)
		}
	}
	return out
}

func maxDiff(a, b []orb.Point) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = math.Max(d, math.Max(math.Abs(a[i][0]-b[i][0]), math.Abs(a[i][1]-b[i][1])))
	}
	return d
}

// mercatorBaseline is the per-point cost of orb's spherical Web Mercator
// projection: the cheapest projection a Go GIS stack offers, against which
// the sixth-order Krüger series is measured.
func mercatorBaseline() float64 {
	p := orb.Point{120.9331, 24.8501}
	const n = 1 << 20
	var sink orb.Point
	t0 := time.Now()
	for i := 0; i < n; i++ {
		sink = project.WGS84.ToMercator(p)
	}
	_ = sink
	return float64(time.Since(t0).Nanoseconds()) / n
}

func BenchmarkForwardTM2(b *testing.B) {
	base := mercatorBaseline()
	tr, err := NewTransformer(WGS84, TWD97TM2)
	if err != nil {
		b.Fatal(err)
	}
	p := orb.Point{120.9331, 24.8501}
	var sink orb.Point
	for b.Loop() {
		sink = tr.Point(p)
	}
	_ = sink
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x-cost-vs-orb-mercator")
}

func BenchmarkInverseTM2(b *testing.B) {
	base := mercatorBaseline()
	tr, err := NewTransformer(TWD97TM2, WGS84)
	if err != nil {
		b.Fatal(err)
	}
	p := orb.Point{243238.943, 2749176.194}
	var sink orb.Point
	for b.Loop() {
		sink = tr.Point(p)
	}
	_ = sink
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x-cost-vs-orb-mercator")
}

func BenchmarkTransformChecked(b *testing.B) {
	base := mercatorBaseline()
	p := orb.Point{120.9331, 24.8501}
	for b.Loop() {
		if _, err := Transform(WGS84, TWD97TM2, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x-cost-vs-orb-mercator")
}
