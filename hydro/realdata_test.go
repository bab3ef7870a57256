package hydro

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/realdata"
)

func load(t *testing.T, rel string, opt LoadOptions) (*Network, *Source) {
	t.Helper()
	net, src, err := Load(context.Background(), realdata.Path(t, rel), opt)
	if err != nil {
		t.Fatalf("load %s: %v", rel, err)
	}
	return net, src
}

// checkAgainstWalk compares every mode from every reach with the reference
// graph walk.
func checkAgainstWalk(t *testing.T, net *Network) {
	t.Helper()
	for s := int32(0); s < int32(net.Len()); s++ {
		if net.flags[s]&flagCoast != 0 {
			continue
		}
		for _, mode := range []Mode{UT, UM, DM, DD} {
			q := Query{Mode: mode, Start: s}
			hits, err := net.NavigateAll(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int32]bool{}
			for _, h := range hits {
				got[h.Reach] = true
			}
			if len(got) != len(hits) {
				t.Fatalf("%s from %s repeats reaches", mode, net.ID(s))
			}
			want := net.referenceWalk(q)
			if fmt.Sprint(sortedKeys(got)) != fmt.Sprint(sortedKeys(want)) {
				t.Fatalf("%s from %s: index gives %d reaches, walk %d", mode, net.ID(s), len(got), len(want))
			}
		}
	}
}

func TestNHDPlusGeoPackages(t *testing.T) {
	tests := []struct {
		file    string
		reaches int
	}{
		{"nhdplus/sample_natseamless.gpkg", 267},
		{"nhdplus/new_hope.gpkg", 746},
		{"nhdplus/petapsco_flowlines.gpkg", 707},
		{"nhdplus/walker.gpkg", 62},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			net, src := load(t, tc.file, LoadOptions{})
			if net.Len() != tc.reaches {
				t.Fatalf("%d reaches, want %d", net.Len(), tc.reaches)
			}
			if src.Topology != TopologyNHDPlus || !net.Geographic {
				t.Fatalf("topology %s geographic %v", src.Topology, net.Geographic)
			}
			checkAgainstWalk(t, net)
		})
	}
}

// TestPetapscoNhdplusTools replays the navigation counts of the USGS
// nhdplusTools test suite (tests/testthat/test_get_network.R) on the same
// Patapsco flowlines. envtrace follows the NLDI where the two differ; each
// difference is named below.
func TestPetapscoNhdplusTools(t *testing.T) {
	net, _ := load(t, "nhdplus/petapsco_flowlines.gpkg", LoadOptions{})
	rows := vaaFromLayer(t, "nhdplus/petapsco_flowlines.gpkg")
	tests := []struct {
		name    string
		mode    Mode
		start   string
		km      float64
		hasKm   bool
		want    int
		include []string
		exclude []string
	}{
		{name: "DM normal", mode: DM, start: "11689050", want: 26},
		{name: "DM short", mode: DM, start: "11690570", want: 6},
		{name: "DM no divergence", mode: DM, start: "11688810", want: 35, exclude: []string{"11688828"}},
		{name: "DM upstream of diversion", mode: DM, start: "11689280", want: 29, include: []string{"11689286"}, exclude: []string{"11689758"}},
		{name: "DM distance 0", mode: DM, start: "11688810", hasKm: true, want: 1},
		{name: "DM distance 2", mode: DM, start: "11688810", km: 2, hasKm: true, want: 3, include: []string{"11688810", "11688826", "11688884"}},
		{name: "UM short", mode: UM, start: "11689050", want: 18},
		{name: "UM long", mode: UM, start: "11690570", want: 80},
		{name: "UM distance 0", mode: UM, start: "11690570", hasKm: true, want: 1},
		{name: "UT small", mode: UT, start: "11687180", want: 5},
		{name: "UT small 2", mode: UT, start: "11687224", want: 7},
		{name: "UT distance 0", mode: UT, start: "11689276", hasKm: true, want: 1},
		{name: "DD", mode: DD, start: "11688810", want: 36, include: []string{"11688810", "11688828"}},
		{name: "DD upstream of diversion", mode: DD, start: "11689280", want: 33, include: []string{"11689758", "11689286"}},
		{name: "DD distance 2", mode: DD, start: "11688810", km: 2, hasKm: true, want: 4, include: []string{"11688810", "11688826", "11688828", "11688884"}},
		// nhdplusTools measures a distance limit differently from the NLDI
		// (its get_UT keeps the reach that crosses the limit and starts
		// from the other end of the start reach). envtrace follows the
		// NLDI: want -1 means "as the NLDI semantics give, computed over
		// the file's own attributes"; nhdplusTools' count is noted.
		{name: "UM distance 10 (nhdplusTools 12)", mode: UM, start: "11690570", km: 10, hasKm: true, want: -1},
		{name: "UT distance 3 (nhdplusTools 6)", mode: UT, start: "11689276", km: 3, hasKm: true, want: -1},
		{name: "UT distance 2 (nhdplusTools 3)", mode: UT, start: "11687180", km: 2, hasKm: true, want: -1},
		{name: "DD distance 0.2 (nhdplusTools 3)", mode: DD, start: "11688810", km: 0.2, hasKm: true, want: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			i, ok := net.Index(tc.start)
			if !ok {
				t.Fatalf("no reach %s", tc.start)
			}
			hits, err := net.NavigateAll(context.Background(), Query{Mode: tc.mode, Start: i, DistanceKm: tc.km, HasDistance: tc.hasKm})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(net, hits)
			if tc.want < 0 {
				start, _ := strconv.ParseInt(tc.start, 10, 64)
				want := nldiNavigate(rows, tc.mode, start, tc.km, tc.hasKm)
				if !slices.Equal(got, want) {
					t.Errorf("%s from %s: got %v, NLDI semantics %v", tc.mode, tc.start, got, want)
				}
				t.Logf("%s from %s within %v km: %d reaches by the NLDI rule", tc.mode, tc.start, tc.km, len(got))
				return
			}
			if len(got) != tc.want {
				t.Errorf("%s from %s: %d reaches, want %d", tc.mode, tc.start, len(got), tc.want)
			}
			for _, id := range tc.include {
				if !slices.Contains(got, id) {
					t.Errorf("missing %s", id)
				}
			}
			for _, id := range tc.exclude {
				if slices.Contains(got, id) {
					t.Errorf("unexpected %s", id)
				}
			}
		})
	}
}

// TestGageSnapping snaps USGS gages to NHDPlus reaches. The official event
// points lie on their reaches and must all reproduce the official
// assignment; reported gage coordinates are off-channel, so their rate is
// measured and must stay at or above what naive snapping achieves.
func TestGageSnapping(t *testing.T) {
	tests := []struct {
		gpkg, gages string
		minReported float64
	}{
		{"nhdplus/sample_natseamless.gpkg", "nhdplus/natseamless_gages.csv", 0.75},
		{"nhdplus/new_hope.gpkg", "nhdplus/new_hope_gages.csv", 0.75},
	}
	totalEvent, totalReported, okReported, onlyCode := 0, 0, 0, 0
	for _, tc := range tests {
		t.Run(tc.gages, func(t *testing.T) {
			net, _ := load(t, tc.gpkg, LoadOptions{})
			rows := realdata.ReadCSV(t, tc.gages).Records()
			event, reported, hitReported := 0, 0, 0
			for _, r := range rows {
				if r["in_network"] != "True" {
					continue
				}
				want := r["FLComID"]
				if _, ok := net.Index(want); !ok {
					continue // assigned to a reach outside this extract
				}
				ex, _ := strconv.ParseFloat(r["event_x"], 64)
				ey, _ := strconv.ParseFloat(r["event_y"], 64)
				snaps, err := net.SnapPoint(orb.Point{ex, ey}, 3, 0)
				if err != nil {
					t.Fatal(err)
				}
				if got := net.ID(snaps[0].Reach); got != want {
					t.Errorf("gage %s event point snapped to %s, official %s (offset %.2f m)", r["site_no"], got, want, snaps[0].OffsetM)
				}
				// NHDPlus event measures run along the whole reach code
				// (the flowline covers [FromMeas, ToMeas] of it): the snap
				// reports that measure as well as the one along the reach.
				m, _ := strconv.ParseFloat(r["Measure"], 64)
				s := snaps[0]
				if s.ReachCode != r["REACHCODE"] || math.Abs(s.ReachCodeMeasure-m) > 0.5 {
					t.Errorf("gage %s: reach code %s measure %.3f, official %s %.3f", r["site_no"], s.ReachCode, s.ReachCodeMeasure, r["REACHCODE"], m)
				}
				if math.Abs(s.Measure-m) > 0.5 {
					onlyCode++
				}
				event++
				lx, _ := strconv.ParseFloat(r["lon_site"], 64)
				ly, _ := strconv.ParseFloat(r["lat_site"], 64)
				snaps, err = net.SnapPoint(orb.Point{lx, ly}, 3, 0)
				if err != nil {
					t.Fatal(err)
				}
				reported++
				if net.ID(snaps[0].Reach) == want {
					hitReported++
				}
			}
			if event == 0 {
				t.Fatal("no gages compared")
			}
			rate := float64(hitReported) / float64(reported)
			t.Logf("%s: %d event points reproduce the official reach; reported coordinates snap right for %d of %d (%.0f%%)",
				tc.gages, event, hitReported, reported, 100*rate)
			if rate < tc.minReported {
				t.Errorf("reported-coordinate agreement %.2f below %.2f", rate, tc.minReported)
			}
			totalEvent += event
			totalReported += reported
			okReported += hitReported
		})
	}
	t.Logf("all gages: %d event points exact; reported coordinates %d of %d; %d event measures differ from the measure along the flowline alone",
		totalEvent, okReported, totalReported, onlyCode)
}

// TestTouqian builds the DEM-derived Touqian network from geometry alone.
func TestTouqian(t *testing.T) {
	path := realdata.Path(t, "taiwan/touqian_streams_order6.epsg3826.geojson")
	l, err := layer.Read(path, layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Features) != 2034 {
		t.Fatalf("%d lines, want 2034", len(l.Features))
	}
	net, src, err := Load(context.Background(), path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if src.Topology != TopologyNodes && src.Topology != TopologyGeometry {
		t.Fatalf("topology %s", src.Topology)
	}
	if net.SRID != 3826 || net.Geographic {
		t.Fatalf("SRID %d geographic %v", net.SRID, net.Geographic)
	}
	if src.Splits != 0 || net.Len() != 2034 {
		t.Fatalf("%d reaches after %d splits; the lines meet end to end", net.Len(), src.Splits)
	}
	s := Summarize(net)
	mouth := s.Outlets[0]
	if mouth.Reaches != 1829 {
		t.Errorf("mouth drains %d lines, want 1829", mouth.Reaches)
	}
	if math.Abs(mouth.UpstreamKm-1277) > 1 {
		t.Errorf("mouth drains %.1f km, want about 1277", mouth.UpstreamKm)
	}
	var rings int
	for _, p := range net.Problems {
		var sw *SinkWarning
		if errors.As(p, &sw) {
			rings++
		}
	}
	if rings != 3 {
		t.Errorf("%d closed rings reported, want 3", rings)
	}
	// Every line ends at the mouth or at a pit: the pits are the other
	// outlets, two open ends and three rings.
	pitLines := 0
	for _, o := range s.Outlets[1:] {
		pitLines += o.Reaches
	}
	if pitLines != 2034-1829 || len(s.Outlets) != 1+2+3 {
		t.Errorf("%d outlets besides the mouth draining %d lines; want 5 pits draining %d", len(s.Outlets)-1, pitLines, 2034-1829)
	}
	// The file's own Strahler order (strord, from the full DEM network)
	// is used on every line: the lines alone, cut at order 6, would give
	// strord − 5.
	for _, f := range l.Features {
		id := strconv.Itoa(f.Row)
		i, ok := net.Index(id)
		if !ok {
			t.Fatalf("no reach %s", id)
		}
		strord, _ := f.Int64("strord")
		if got := net.StreamOrder(i); got != int(strord) || strord < 6 {
			t.Fatalf("line %s: Strahler %d, want the file's strord %d", id, got, strord)
		}
	}
	// DM from any line draining to the mouth ends at the mouth.
	mi, _ := net.Index(mouth.ID)
	for i := int32(0); i < int32(net.Len()); i++ {
		hits, err := net.NavigateAll(context.Background(), Query{Mode: DM, Start: i})
		if err != nil {
			t.Fatal(err)
		}
		last := hits[len(hits)-1].Reach
		if net.down[last] >= 0 {
			t.Fatalf("DM from %s stops at %s, which is not an outlet", net.ID(i), net.ID(last))
		}
		_ = mi
	}
	checkAgainstWalk(t, net)
}

// TestHydroloomNetworks covers real networks with loops and divergences.
func TestHydroloomNetworks(t *testing.T) {
	t.Run("loop2 is rejected with both loops", func(t *testing.T) {
		_, _, err := Load(context.Background(), realdata.Path(t, "hydroloom/loop2.csv"), LoadOptions{})
		var be *BuildError
		if !errors.As(err, &be) {
			t.Fatalf("want *BuildError, got %v", err)
		}
		cycles := be.Cycles()
		if len(cycles) != 2 {
			t.Fatalf("%d cycles, want 2: %v", len(cycles), err)
		}
		for _, c := range cycles {
			if len(c.Loop) < 1 || !strings.HasPrefix(c.Loop[0], "{") {
				t.Fatalf("loop should list GUID reach ids: %v", c.Loop)
			}
			t.Logf("loop: %v", c.Loop)
		}
	})
	t.Run("loop builds with multiple-downstream warnings", func(t *testing.T) {
		net, src := load(t, "hydroloom/loop.csv", LoadOptions{})
		if src.Topology != TopologyToID {
			t.Fatalf("topology %s", src.Topology)
		}
		warn := 0
		for _, p := range net.Problems {
			var w *MultipleDownstreamWarning
			if errors.As(p, &w) {
				warn++
			}
		}
		if warn < 90 || warn > 110 {
			t.Fatalf("%d multiple-downstream warnings, want about 100", warn)
		}
		if net.Len() != 1327 {
			t.Fatalf("%d reaches, want 1327 distinct ids", net.Len())
		}
		checkAgainstWalk(t, net)
	})
	t.Run("hr builds with its divergences", func(t *testing.T) {
		net, src := load(t, "hydroloom/hr.csv", LoadOptions{})
		if net.Len() != 2691 || src.Topology != TopologyNHDPlus {
			t.Fatalf("%d reaches, topology %s", net.Len(), src.Topology)
		}
		if d := net.MinorDivergences(); d < 150 {
			t.Fatalf("%d minor divergences, want about 190", d)
		}
		checkAgainstWalk(t, net)
	})
}

// vaaFromLayer reads NHDPlus attributes from a GeoPackage into the raw rows
// the independent NLDI implementation walks.
func vaaFromLayer(t *testing.T, rel string) []vaa {
	t.Helper()
	l, err := layer.Read(realdata.Path(t, rel), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []vaa
	for _, f := range l.Features {
		num := func(name string) float64 {
			v, _ := f.Float(name)
			return v
		}
		out = append(out, vaa{
			comid: int64(num("comid")), hydroseq: int64(num("hydroseq")), dnhydroseq: int64(num("dnhydroseq")),
			dnminorhyd: int64(num("dnminorhyd")), uphydroseq: int64(num("uphydroseq")),
			levelpath: int64(num("levelpathi")), terminalpath: int64(num("terminalpa")),
			pathlength: num("pathlength"), lengthkm: num("lengthkm"),
			startflag: int(num("startflag")), terminalflag: int(num("terminalfl")), fcode: int(num("fcode")),
		})
	}
	return out
}
