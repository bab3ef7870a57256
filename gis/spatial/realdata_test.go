package spatial

import (
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// reach is one NHDPlus flowline with the attributes the snapping tests need.
type reach struct {
	comid            int64
	fromMeas, toMeas float64 // the flowline's span of its REACHCODE's measure
	network          bool    // from NHDFlowline_Network (not NonNetwork)
}

// asLine flattens a (Multi)LineString into one polyline, dropping the
// repeated vertex where consecutive parts meet.
func asLine(g orb.Geometry) orb.LineString {
	switch g := g.(type) {
	case orb.LineString:
		return g
	case orb.MultiLineString:
		var out orb.LineString
		for _, part := range g {
			if len(out) > 0 && len(part) > 0 && out[len(out)-1] == part[0] {
				part = part[1:]
			}
			out = append(out, part...)
		}
		return out
	}
	return nil
}

// readReaches reads the network and non-network flowlines of an NHDPlus
// GeoPackage.
func readReaches(t *testing.T, path string) ([]orb.LineString, []reach) {
	t.Helper()
	var lines []orb.LineString
	var reaches []reach
	for _, name := range []string{"NHDFlowline_Network", "NHDFlowline_NonNetwork"} {
		l, err := layer.Read(path, layer.Options{Layer: name})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range l.Features {
			r := reach{network: name == "NHDFlowline_Network", toMeas: 100}
			var ok bool
			if r.comid, ok = f.Int64("comid"); !ok {
				t.Fatalf("%s row %d: no COMID", name, f.Row)
			}
			if v, ok := f.Float("frommeas"); ok {
				r.fromMeas = v
			}
			if v, ok := f.Float("tomeas"); ok {
				r.toMeas = v
			}
			lines = append(lines, asLine(f.Geometry))
			reaches = append(reaches, r)
		}
	}
	return lines, reaches
}

// TestSnapGagesNHDPlus snaps the official NHDPlus gage event points to the
// reaches of the matching GeoPackage: each must land on its official reach
// (FLComID) with the official REACHCODE measure, which checks both the
// nearest search and the downstream-from-0 measure convention on real
// geometry. It also snaps the gages' reported coordinates, which a user
// would have, and logs how often naive snapping finds the right reach.
func TestSnapGagesNHDPlus(t *testing.T) {
	tests := []struct {
		name, gpkg, gages string
		// measured on this data: gages whose FLComID is indexed, and how
		// many in-network gages with reported coordinates (inNetwork) have
		// them snap to FLComID
		wantEvents, wantSites, inNetwork int
	}{
		{"natseamless", "nhdplus/sample_natseamless.gpkg", "nhdplus/natseamless_gages.csv", 34, 25, 30},
		{"new_hope", "nhdplus/new_hope.gpkg", "nhdplus/new_hope_gages.csv", 13, 13, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, reaches := readReaches(t, realdata.Path(t, tt.gpkg))
			tb := realdata.ReadCSV(t, tt.gages)
			rows := tb.Rows
			all := NewLineIndex(lines, true)
			nNet := 0
			for _, r := range reaches {
				if r.network {
					nNet++
				}
			}
			network := NewLineIndex(lines[:nNet], true) // the Network layer comes first
			indexed := map[int64]bool{}
			for _, r := range reaches {
				indexed[r.comid] = true
			}

			events, sites, inNet := 0, 0, 0
			worstMeasure := 0.0
			for _, row := range rows {
				site := row[tb.Col(t, "site_no")]
				want, err := strconv.ParseInt(row[tb.Col(t, "FLComID")], 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				ev := orb.Point{realdata.Float(t, row[tb.Col(t, "event_x")], "coordinate"), realdata.Float(t, row[tb.Col(t, "event_y")], "coordinate")}
				if indexed[want] {
					h := all.Nearest(ev, 1, 0)
					if len(h) != 1 {
						t.Fatalf("gage %s: no hit", site)
					}
					r := reaches[h[0].Item]
					if r.comid != want {
						t.Errorf("gage %s: event point snaps to %d at %.2f m, want %d", site, r.comid, h[0].OffsetM, want)
						continue
					}
					if h[0].OffsetM > 0.5 {
						t.Errorf("gage %s: event point is %.2f m off its reach", site, h[0].OffsetM)
					}
					// Hit.Measure is per flowline; NHDPlus event measures are
					// per REACHCODE, of which the flowline spans FromMeas..ToMeas.
					got := r.fromMeas + (r.toMeas-r.fromMeas)*h[0].Measure/100
					wantM := realdata.Float(t, row[tb.Col(t, "Measure")], "Measure")
					worstMeasure = math.Max(worstMeasure, math.Abs(got-wantM))
					if math.Abs(got-wantM) > 0.05 {
						t.Errorf("gage %s: reach measure %.4f, want %.4f", site, got, wantM)
					}
					events++
				}
				if row[tb.Col(t, "in_network")] == "True" && row[tb.Col(t, "lon_site")] != "" {
					inNet++
					sp := orb.Point{realdata.Float(t, row[tb.Col(t, "lon_site")], "coordinate"), realdata.Float(t, row[tb.Col(t, "lat_site")], "coordinate")}
					if h := network.Nearest(sp, 1, 0); len(h) == 1 && reaches[h[0].Item].comid == want {
						sites++
					}
				}
			}
			t.Logf("%s: %d reaches; %d of %d gages have their official reach in the file and every one of their event points "+
				"snaps to it (worst reach-measure error %.4f); reported coordinates of %d/%d in-network gages snap to the official reach",
				tt.name, len(lines), events, len(rows), worstMeasure, sites, inNet)
			if events != tt.wantEvents {
				t.Errorf("checked %d event points, want %d", events, tt.wantEvents)
			}
			if inNet != tt.inNetwork || sites < tt.wantSites {
				t.Errorf("site snapping: %d/%d, want at least %d/%d", sites, inNet, tt.wantSites, tt.inNetwork)
			}
		})
	}
}

// TestSnapWQPStationsNLDI snaps real Water Quality Portal stations to the
// NLDI fixture's flowlines and compares with the reach the NLDI indexed each
// station to. The NLDI's indexing is distance-limited and run against the
// full national network, so exact agreement is not expected everywhere (and
// 118 of the stations' reaches are not in the 921-reach fixture at all).
func TestSnapWQPStationsNLDI(t *testing.T) {
	data, err := os.ReadFile(realdata.Path(t, "nldi/flowlines_921.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]orb.LineString, len(fc.Features))
	comids := make([]int64, len(fc.Features))
	inFixture := map[int64]bool{}
	for i, f := range fc.Features {
		lines[i] = asLine(f.Geometry)
		comids[i] = int64(f.Properties.MustFloat64("comid"))
		inFixture[comids[i]] = true
	}
	ix := NewLineIndex(lines, true)
	tb := realdata.ReadCSV(t, "nldi/wqp_stations_633.csv")
	rows := tb.Rows

	agree, present, agreePresent, top5 := 0, 0, 0, 0
	for _, row := range rows {
		p := orb.Point{realdata.Float(t, row[tb.Col(t, "lon")], "coordinate"), realdata.Float(t, row[tb.Col(t, "lat")], "coordinate")}
		want, err := strconv.ParseInt(row[tb.Col(t, "comid")], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		hits := ix.Nearest(p, 5, 0)
		if len(hits) != 5 {
			t.Fatalf("station %s: %d hits", row[tb.Col(t, "identifier")], len(hits))
		}
		if inFixture[want] {
			present++
		}
		for i, h := range hits {
			if comids[h.Item] == want {
				top5++
				if i == 0 {
					agree++
					if inFixture[want] {
						agreePresent++
					}
				}
			}
		}
	}
	t.Logf("WQP stations: nearest line = NLDI comid for %d/%d (%.1f%%); %d/%d (%.1f%%) of those whose comid is in the fixture; within the 5 nearest for %d",
		agree, len(rows), 100*float64(agree)/float64(len(rows)),
		agreePresent, present, 100*float64(agreePresent)/float64(present), top5)
	if len(rows) != 633 || present != 515 {
		t.Fatalf("fixture changed: %d stations, %d with an indexed comid", len(rows), present)
	}
	// Measured: 472/633 (74.6%), 472/515 (91.7%), 508 within the 5 nearest.
	if agree < 470 || top5 < 505 {
		t.Errorf("agreement %d/633 (top-5 %d) below the measured floor 470 (505)", agree, top5)
	}
}
