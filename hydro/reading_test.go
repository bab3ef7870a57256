package hydro

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/wkt"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/realdata"
)

// readLayer reads a real-data file's features for tests that compare the
// network with the file's own attributes.
func readLayer(t *testing.T, rel string) *layer.Layer {
	t.Helper()
	l, err := layer.Read(realdata.Path(t, rel), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestNHDPlusNodata loads hydroloom's coastal example, whose 37 coastline
// reaches carry NHDPlus nodata (-9999 pathlength, -9 stream order, 9
// divergence). Nodata is missing, never a number: the file loads, each of
// the 29 rivers flagged terminal ends at the sea as its own outlet (not
// strung along the coastline), and the rivers keep the file's pathlength.
func TestNHDPlusNodata(t *testing.T) {
	const rel = "hydroloom/coastal_example.gpkg"
	net, src := load(t, rel, LoadOptions{})
	if net.Len() != 572 || src.Topology != TopologyNHDPlus {
		t.Fatalf("%d reaches, topology %s; want 572 NHDPlus reaches", net.Len(), src.Topology)
	}
	terminal, coast := 0, 0
	for _, f := range readLayer(t, rel).Features {
		id, _ := f.String("COMID")
		i, ok := net.Index(id)
		if !ok {
			t.Fatalf("reach %s missing", id)
		}
		fcode, _ := f.Int64("FCODE")
		pl, _ := f.Float("Pathlength")
		flag, _ := f.Int64("TerminalFl")
		a := net.Attrs(i)
		switch {
		case fcode == FCodeCoastline:
			coast++
			if pl != -9999 {
				t.Fatalf("coastline reach %s: pathlength %v, the test expects the file's nodata", id, pl)
			}
			if math.IsNaN(a.PathLengthKm) || a.PathLengthKm < 0 {
				t.Errorf("coastline reach %s: pathlength %v, want the computed distance", id, a.PathLengthKm)
			}
		case flag == 1:
			terminal++
			if a.Down != "" {
				t.Errorf("terminal river %s drains to %s; want an outlet at the sea", id, a.Down)
			}
			fallthrough
		default:
			if math.Abs(a.PathLengthKm-pl) > 1e-9 {
				t.Errorf("reach %s: pathlength %v, file %v", id, a.PathLengthKm, pl)
			}
		}
	}
	if terminal != 29 || coast != 37 {
		t.Fatalf("%d terminal rivers and %d coastline reaches; the file has 29 and 37", terminal, coast)
	}
	// 29 river mouths plus the coastline's own end.
	if got := len(net.Outlets()); got != 30 {
		t.Errorf("%d outlets, want 29 river mouths and the coastline", got)
	}
	checkAgainstWalk(t, net)
}

// TestStrahlerPublished computes Strahler order with the file's own order
// column withheld and compares it with the order NHDPlus published in it
// (StreamOrde, the values hydroloom's add_streamorder reproduces). Reaches
// below a headwater that the extract cut off (nothing upstream in the
// file, but NHDPlus startflag 0) cannot be compared: their true order
// depends on streams outside the file.
func TestStrahlerPublished(t *testing.T) {
	tests := []struct {
		file    string
		compare int // reaches comparable (not below a cut-off headwater)
	}{
		{"hydroloom/hr.csv", 2572},
		{"nhdplus/new_hope.gpkg", 699},
		{"nhdplus/sample_natseamless.gpkg", 267},
		{"nhdplus/petapsco_flowlines.gpkg", 707},
		{"nhdplus/walker.gpkg", 62},
		{"hydroloom/coastal_example.gpkg", 535},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			reaches, _, err := FromLayer(readLayer(t, tc.file), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			published := map[string]int{}
			cut := map[string]bool{}
			for i := range reaches {
				published[reaches[i].ID] = reaches[i].StreamOrder
				reaches[i].StreamOrder = 0
				cut[reaches[i].ID] = reaches[i].NHD.StartFlag != 1
			}
			net, err := Build(context.Background(), reaches, Options{})
			if err != nil {
				t.Fatal(err)
			}
			below := belowCutHeadwaters(net, cut)
			compared := 0
			for i := int32(0); i < int32(net.Len()); i++ {
				want := published[net.ID(i)]
				if want <= 0 || below[i] { // -9: coastline, no order
					continue
				}
				compared++
				if got := net.StreamOrder(i); got != want {
					t.Errorf("reach %s: Strahler %d, NHDPlus published %d", net.ID(i), got, want)
				}
			}
			if compared != tc.compare {
				t.Errorf("compared %d reaches, want %d", compared, tc.compare)
			}
		})
	}
}

// belowCutHeadwaters marks the reaches at or below a reach that has
// nothing upstream in the network although its source says it is not a
// headwater (cut[id]).
func belowCutHeadwaters(net *Network, cut map[string]bool) []bool {
	n := int32(net.Len())
	inflow := make([]bool, n)
	for i := int32(0); i < n; i++ {
		if d := net.down[i]; d >= 0 {
			inflow[d] = true
		}
	}
	for _, e := range net.minorDown {
		inflow[e.To] = true
	}
	below := make([]bool, n)
	for i := int32(0); i < n; i++ {
		below[i] = !inflow[i] && cut[net.ID(i)]
	}
	for changed := true; changed; {
		changed = false
		for i := int32(0); i < n; i++ {
			if !below[i] {
				continue
			}
			outs := []int32{net.down[i]}
			for _, e := range net.minorDownOf(i) {
				outs = append(outs, e.To)
			}
			for _, d := range outs {
				if d >= 0 && !below[d] {
					below[d], changed = true, true
				}
			}
		}
	}
	return below
}

// TestStrahlerDiversions checks hydroloom's diversions network (59 reaches,
// 17 divergences, no order column) against orders worked out by hand from
// its fromnode/tonode/divergence table, following the NHDPlus rule: a minor
// path keeps the order of the path it left and does not raise the order
// where it rejoins. Two order-1 headwaters meet at node 510098623 (order 2);
// that order-2 stream then braids through nodes 669 … 643 entirely on
// minor paths. The truncated main river enters at 14702438 as order 1,
// meets the order-2 stream at node 510098908 (still 2), and reaches node
// 510098656 at order 2, where an order-2 tributary (two order-1 headwaters
// joined at node 510098796) raises it to 3 down to the outlet 14702352.
// Counting every rejoin, as a plain Strahler would, climbs to order 8.
func TestStrahlerDiversions(t *testing.T) {
	one := []string{"14702192", "14702194", "14702286", "14702438", "14702436", "14703168", "14702926",
		"14702428", "14703184", "14702942", "14702940", "14702934", "14702930"}
	three := []string{"14702366", "14702364", "14702362", "14702380", "14702370", "14702372", "14702354", "14702352"}
	want := map[string]int{}
	for _, id := range one {
		want[id] = 1
	}
	for _, id := range three {
		want[id] = 3
	}
	net, _ := load(t, "hydroloom/diversions.geojson", LoadOptions{})
	if net.Len() != 59 || net.MinorDivergences() != 17 {
		t.Fatalf("%d reaches, %d divergences; want 59 and 17", net.Len(), net.MinorDivergences())
	}
	for i := int32(0); i < int32(net.Len()); i++ {
		w, ok := want[net.ID(i)]
		if !ok {
			w = 2 // every other reach, 38 of them
		}
		if got := net.StreamOrder(i); got != w {
			t.Errorf("reach %s: Strahler %d, want %d", net.ID(i), got, w)
		}
	}
}

// TestStrahlerTouqianComputed withholds the Touqian file's strord and
// computes the order from the lines alone: the file keeps only streams of
// order 6 and above, so the computed order is strord − 5 on every line.
func TestStrahlerTouqianComputed(t *testing.T) {
	l := readLayer(t, "taiwan/touqian_streams_order6.epsg3826.geojson")
	reaches, _, err := FromLayer(l, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	strord := map[string]int{}
	for i := range reaches {
		strord[reaches[i].ID] = reaches[i].StreamOrder
		reaches[i].StreamOrder = 0
	}
	net, err := Build(context.Background(), reaches, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := int32(0); i < int32(net.Len()); i++ {
		want := strord[net.ID(i)] - 5
		if got := net.StreamOrder(i); got != want || want < 1 {
			t.Fatalf("line %s: computed Strahler %d, want strord − 5 = %d", net.ID(i), got, want)
		}
	}
}

// TestProjectedWithoutCRS refuses the Touqian network (TWD97 / TM2 metres)
// once its CRS is taken away: as GeoJSON without a "crs" member (read as
// WGS 84 by RFC 7946) and as CSV WKT without an SRID. The error names the
// reach and points at the fix.
func TestProjectedWithoutCRS(t *testing.T) {
	src := readLayer(t, "taiwan/touqian_streams_order9.epsg3826.geojson")
	raw, err := os.ReadFile(realdata.Path(t, "taiwan/touqian_streams_order9.epsg3826.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "crs")
	noCRS, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("strord,wkt\n")
	for _, f := range src.Features {
		o, _ := f.Int64("strord")
		fmt.Fprintf(&csv, "%d,\"%s\"\n", o, wkt.MarshalString(f.Geometry))
	}
	dir := t.TempDir()
	tests := []struct {
		name, file string
		body       []byte
		want       []string
	}{
		{"GeoJSON without crs", "touqian.geojson", noCRS,
			[]string{"reach 1 (row 1)", "read as EPSG:4326", `without a "crs" member`, "TWD97 / TM2", "EPSG:3826", "ogr2ogr"}},
		{"CSV WKT without SRID", "network.csv", []byte(csv.String()),
			[]string{"reach 1 (row 1)", "names no coordinate reference system", "TWD97 / TM2", "SRID=3826;"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, tc.body, 0o644); err != nil {
				t.Fatal(err)
			}
			net, _, err := Load(context.Background(), path, LoadOptions{})
			var ce *CRSError
			if !errors.As(err, &ce) {
				t.Fatalf("want a *CRSError, got network %v, error %v", net != nil, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
