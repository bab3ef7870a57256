package inspection

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fixtureRiver is the central fixture's river network read straight from
// its files: reaches by id with their polylines (EPSG:3826, metres),
// the reach leaving each node on the main path, and the reach each
// outfall and station lies on as the fixture's notes say.
type fixtureRiver struct {
	line     map[string][][2]float64
	to       map[string]string // reach → node at its downstream end
	mainFrom map[string]string // node → the reach leaving it on the main path
}

func readFixtureRiver(t *testing.T) *fixtureRiver {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(centralDir, "network.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				ID, FromNode, ToNode string
				Divergence           int
			}
			Geometry struct{ Coordinates [][2]float64 }
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	r := &fixtureRiver{line: map[string][][2]float64{}, to: map[string]string{}, mainFrom: map[string]string{}}
	for _, f := range fc.Features {
		p := f.Properties
		r.line[p.ID], r.to[p.ID] = f.Geometry.Coordinates, p.ToNode
		if p.Divergence != 2 { // 2 is a minor branch
			r.mainFrom[p.FromNode] = p.ID
		}
	}
	return r
}

// length is a polyline's planar length in metres.
func length(l [][2]float64) float64 {
	var s float64
	for i := 1; i < len(l); i++ {
		s += math.Hypot(l[i][0]-l[i-1][0], l[i][1]-l[i-1][1])
	}
	return s
}

// along is how far down polyline l (from its first vertex) the point
// nearest to p lies, in metres.
func along(l [][2]float64, p [2]float64) float64 {
	best, bestD, run := 0.0, math.Inf(1), 0.0
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		dx, dy := b[0]-a[0], b[1]-a[1]
		seg := math.Hypot(dx, dy)
		u := 0.0
		if seg > 0 {
			u = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/(seg*seg)))
		}
		if d := math.Hypot(a[0]+u*dx-p[0], a[1]+u*dy-p[1]); d < bestD {
			best, bestD = run+u*seg, d
		}
		run += seg
	}
	return best
}

// notedPoints reads a fixture CSV's id column, x, y and the reach its
// note names ("discharges to reach C1-04", "on reach R005").
func notedPoints(t *testing.T, file, idCol string) map[string][]notedPoint {
	t.Helper()
	f, err := os.Open(filepath.Join(centralDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	out := map[string][]notedPoint{}
	for _, r := range rows[1:] {
		x, _ := strconv.ParseFloat(r[col["x"]], 64)
		y, _ := strconv.ParseFloat(r[col["y"]], 64)
		note := r[col["note"]]
		i := strings.Index(note, "reach ")
		if i < 0 {
			t.Fatalf("%s: %s's note names no reach: %q", file, r[col[idCol]], note)
		}
		out[r[col[idCol]]] = append(out[r[col[idCol]]], notedPoint{reach: strings.Fields(note[i+len("reach "):])[0], p: [2]float64{x, y}})
	}
	return out
}

type notedPoint struct {
	reach string
	p     [2]float64
}

// TestPortalStationsDownstream: the portal's river stations are those
// downstream of the facility's outfalls within NearbyDownstreamKm along
// the river. The expectation is derived here from the fixture's files
// alone, by an independent rule: from the reach each outfall's note names,
// follow the network's to-nodes down the main path (not a minor branch),
// adding the reaches' planar lengths, with the outfall and each station
// projected onto their noted reaches. Every facility of the fixture with
// an outfall is checked; the three air-only facilities (no outfall) get
// the straight-line stations, labelled so.
func TestPortalStationsDownstream(t *testing.T) {
	s := *centralSource(t)
	river := readFixtureRiver(t)
	outfalls := notedPoints(t, "outfalls.csv", "ems_no")
	stations := notedPoints(t, "stations.csv", "station_id")
	onReach := map[string][]string{}
	for id, ps := range stations {
		onReach[ps[0].reach] = append(onReach[ps[0].reach], id)
	}
	limitM := NearbyDownstreamKm * 1000
	expect := func(facility string) map[string]float64 {
		want := map[string]float64{}
		keep := func(st string, d float64) {
			if math.Abs(d-limitM) < 50 {
				t.Fatalf("%s is %.0f m below %s, too near the limit to judge", st, d, facility)
			}
			if cur, ok := want[st]; d <= limitM && (!ok || d < cur) {
				want[st] = d
			}
		}
		for _, o := range outfalls[facility] {
			l := river.line[o.reach]
			from := along(l, o.p)
			for _, st := range onReach[o.reach] {
				if at := along(l, stations[st][0].p); at >= from {
					keep(st, at-from)
				}
			}
			run := length(l) - from
			for r, seen := river.mainFrom[river.to[o.reach]], 0; r != "" && run <= limitM && seen < 1000; r, seen = river.mainFrom[river.to[r]], seen+1 {
				for _, st := range onReach[r] {
					keep(st, run+along(river.line[r], stations[st][0].p))
				}
				run += length(river.line[r])
			}
		}
		return want
	}
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei)
	checked := 0
	for _, f := range s.Dir.Water.Facilities {
		n, err := s.nearby(context.Background(), f.EmsNo, asOf)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, p := range n.Places {
			if p.Kind != PlaceRiverStation {
				continue
			}
			wantBasis := BasisDownstream
			if len(outfalls[f.EmsNo]) == 0 {
				wantBasis = BasisStraightLine
			}
			if p.Basis != wantBasis {
				t.Errorf("%s: station %s chosen by %q, want %q", f.EmsNo, p.ID, p.Basis, wantBasis)
			}
			got[p.ID] = p.DistanceM
		}
		if len(outfalls[f.EmsNo]) == 0 {
			for id, d := range got {
				if d > NearbyStationRadiusM {
					t.Errorf("%s (no outfall): %s at %.0f m in a straight line", f.EmsNo, id, d)
				}
			}
			continue
		}
		checked++
		want := expect(f.EmsNo)
		if strings.Join(keys(got), ",") != strings.Join(keys(want), ",") {
			t.Errorf("%s: stations %v, want %v (from the fixture's network)", f.EmsNo, got, want)
			continue
		}
		for id, d := range want {
			if math.Abs(got[id]-d) > 20 {
				t.Errorf("%s: %s at %.0f m down the river, want %.0f m", f.EmsNo, id, got[id], d)
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d facilities with outfalls checked", checked)
	}
	// Hand-checked against the fixture's night-plating scenario: the
	// plating shop's canal station is 3.6 km below its outfall.
	n, err := s.nearby(context.Background(), "N1489153", asOf)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range n.Places {
		if p.ID == "WQ-C1-01" {
			found = math.Abs(p.DistanceM-3600) < 150
		}
	}
	if !found {
		t.Errorf("N1489153's stations %+v lack WQ-C1-01 about 3.6 km down the canal", n.Places)
	}
	// The page says how each river station was chosen.
	for id, label := range map[string]string{"N1489153": "放流口下游（沿河道）", "Q7301003": "直線距離（本廠放流口不在河川網路上）"} {
		p, err := FacilityPortal(context.Background(), &s, facilityPrincipal(id), asOf)
		if err != nil {
			t.Fatal(err)
		}
		page, err := p.HTML()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(page), label) {
			t.Errorf("%s's portal page does not say %q", id, label)
		}
	}
}

func keys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestPortalStyleHash: the hash the map's policy lets in is that of the
// style sheet the page is rendered with, byte for byte (html/template
// leaves it as written), so that the page opened from the map is styled.
func TestPortalStyleHash(t *testing.T) {
	s := *centralSource(t)
	p, err := FacilityPortal(context.Background(), &s, facilityPrincipal("N1489153"), time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei))
	if err != nil {
		t.Fatal(err)
	}
	page, err := p.HTML()
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(page), "<style>")
	css, _, ok2 := strings.Cut(rest, "</style>")
	if !ok || !ok2 {
		t.Fatal("the page has no style sheet")
	}
	sum := sha256.Sum256([]byte(css))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; PortalStyleHash() != want {
		t.Errorf("PortalStyleHash %s, the rendered style sheet's %s", PortalStyleHash(), want)
	}
}
