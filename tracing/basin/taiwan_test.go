package basin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/gis/spatial"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/internal/realdata"
)

// TestIndustrialPlantsInTouqian places Taiwan's 43 industrial-park
// wastewater plants in the WRA river basins and snaps those in the
// Touqian basin (頭前溪, 1300) to its stream network.
//
// The result is a finding about the data: none of the 43 plants lies in
// the Touqian basin. The nearest, the Hsinchu Industrial Park plant at
// Hukou, lies about 2.6 km outside it, in a neighbouring basin, so its
// effluent does not reach the Touqian, although it is only some 700 m
// from a Touqian stream: snapping by distance alone would attach it to a
// river it does not drain to, which is why placement checks the basin.
func TestIndustrialPlantsInTouqian(t *testing.T) {
	basins, err := layer.Read(realdata.Path(t, "taiwan/wra_basins.shp"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if basins.SRID != 3826 {
		t.Fatalf("basins SRID %d", basins.SRID)
	}
	polys := make([]orb.Geometry, len(basins.Features))
	touqian := -1
	for i, f := range basins.Features {
		polys[i] = f.Geometry
		if no, _ := f.String("basin_no"); no == "1300" {
			touqian = i
		}
	}
	if touqian < 0 {
		t.Fatal("no basin 1300")
	}
	ix := spatial.NewPolygonIndex(polys)
	plants, err := layer.Read(realdata.Path(t, "taiwan/idb_industrial_wwtp.csv"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := hydro.Load(context.Background(), realdata.Path(t, "taiwan/touqian_streams_order6.epsg3826.geojson"), hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inBasin, placed := 0, 0
	var hsinchu orb.Point
	for _, f := range plants.Features {
		pt, ok := f.Geometry.(orb.Point)
		if !ok {
			t.Fatalf("row %d: no point", f.Row)
		}
		q, err := crs.Transform(crs.Code(4326), crs.Code(3826), pt)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := f.String("污水處理廠名稱")
		in := ix.Containing(q)
		if len(in) > 0 {
			placed++
		}
		for _, b := range in {
			if b == touqian {
				inBasin++
				snaps, err := net.SnapPoint(q, 3, 0)
				if err != nil || len(snaps) == 0 {
					t.Fatalf("%s: snap: %v", name, err)
				}
				t.Logf("%s in the Touqian basin: reach %s, %.0f m, order %d", name, net.ID(snaps[0].Reach), snaps[0].OffsetM, snaps[0].StreamOrder)
			}
		}
		if strings.Contains(name, "新竹工業區") {
			hsinchu = q
		}
	}
	t.Logf("%d of %d plants fall in a WRA basin polygon; %d in the Touqian basin", placed, len(plants.Features), inBasin)
	if placed < 30 {
		t.Fatalf("only %d plants fall in any basin: the CRS conversion is wrong", placed)
	}
	if inBasin != 0 {
		t.Fatalf("%d plants in the Touqian basin; the data has none", inBasin)
	}
	// The nearest plant, just outside, lies in another basin; snapping it
	// to the Touqian network would attach it to a stream it does not
	// drain to.
	other := ix.Containing(hsinchu)
	if len(other) != 1 || other[0] == touqian {
		t.Fatalf("the Hsinchu Industrial Park plant lies in basins %v", other)
	}
	name, _ := basins.Features[other[0]].String("basin_name")
	snaps, err := net.SnapPoint(hsinchu, 1, 0)
	if err != nil || len(snaps) == 0 {
		t.Fatal(err)
	}
	t.Logf("Hsinchu Industrial Park plant lies in the %s basin; the nearest Touqian stream %s is %.0f m away", name, net.ID(snaps[0].Reach), snaps[0].OffsetM)
}
