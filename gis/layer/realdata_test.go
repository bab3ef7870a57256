package layer_test

import (
	"database/sql"
	"errors"
	"fmt"
	"github.com/paulmach/orb/geojson"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/paulmach/orb"
)

// TestRealDataCounts reads every real file with default options and checks
// the feature count, SRID, geometry type and layer chosen.
func TestRealDataCounts(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		layer    string // Options.Layer
		count    int
		srid     int
		geomType string // "" = no geometry
		wantName string // layer chosen
		field    string // a field that must exist (case-insensitively)
	}{
		{"natseamless default picks network", "nhdplus/sample_natseamless.gpkg", "", 267, 4269, "MULTILINESTRING", "NHDFlowline_Network", "comid"},
		{"new_hope default skips small NonNetwork", "nhdplus/new_hope.gpkg", "", 746, 4269, "MULTILINESTRING", "NHDFlowline_Network", "Hydroseq"},
		{"new_hope named layer", "nhdplus/new_hope.gpkg", "NHDFlowline_Network", 746, 4269, "MULTILINESTRING", "NHDFlowline_Network", "QE_MA"},
		{"new_hope catchments", "nhdplus/new_hope.gpkg", "CatchmentSP", 695, 4269, "MULTIPOLYGON", "CatchmentSP", "featureid"},
		{"new_hope gages case-insensitive name", "nhdplus/new_hope.gpkg", "gage", 16, 4269, "POINT", "Gage", ""},
		{"petapsco", "nhdplus/petapsco_flowlines.gpkg", "", 707, 4326, "MULTILINESTRING", "petapsco_flowlines", "VE_MA"},
		{"walker", "nhdplus/walker.gpkg", "", 62, 4269, "MULTILINESTRING", "NHDFlowline_Network", "TotDASqKM"},
		{"coastal example", "hydroloom/coastal_example.gpkg", "", 572, 4269, "LINESTRING", "coastal_example", "Hydroseq"},
		{"nldi flowlines", "nldi/flowlines_921.geojson", "", 921, 4326, "LINESTRING", "flowlines_921", "DNHYDROSEQ"},
		{"touqian order 6", "taiwan/touqian_streams_order6.epsg3826.geojson", "", 2034, 3826, "LINESTRING", "touqian_streams_order6.epsg3826", "strord"},
		{"touqian order 11", "taiwan/touqian_streams_order11.epsg3826.geojson", "", 1, 3826, "LINESTRING", "touqian_streams_order11.epsg3826", "pit"},
		{"hr csv without geometry", "hydroloom/hr.csv", "", 2691, 0, "", "hr", "Hydroseq"},
		{"wra basins", "taiwan/wra_basins.shp", "", 143, 3826, "POLYGON", "wra_basins", "basin_name"},
		{"wq stations shapefile", "taiwan/moenv_river_wq_stations_2016.shp", "", 296, 3826, "POINT", "moenv_river_wq_stations_2016", "SiteName"},
		{"industrial wwtp csv with WKT", "taiwan/idb_industrial_wwtp.csv", "", 43, 0, "POINT", "idb_industrial_wwtp", "污水處理廠名稱"},
		{"wqp stations csv with EWKT", "nldi/wqp_stations_633.csv", "", 633, 4269, "POINT", "wqp_stations_633", "comid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := realdata.Path(t, tt.file)
			l, err := layer.Read(path, layer.Options{Layer: tt.layer})
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Features) != tt.count {
				t.Errorf("%d features, want %d", len(l.Features), tt.count)
			}
			if l.SRID != tt.srid {
				t.Errorf("SRID %d, want %d", l.SRID, tt.srid)
			}
			if got := l.GeometryType(); got != tt.geomType {
				t.Errorf("geometry type %q, want %q", got, tt.geomType)
			}
			if l.Name != tt.wantName {
				t.Errorf("layer %q, want %q", l.Name, tt.wantName)
			}
			if tt.field != "" {
				if _, ok := l.Field(tt.field); !ok {
					t.Errorf("no field %q in %v", tt.field, l.Fields)
				}
			}
			for i, f := range l.Features {
				if f.Row != i+1 {
					t.Fatalf("feature %d has Row %d", i, f.Row)
				}
				if tt.geomType != "" && f.Geometry == nil {
					t.Fatalf("row %d has no geometry", f.Row)
				}
				for k, v := range f.Props {
					switch v.(type) {
					case nil, float64, int64, string, bool:
					default:
						t.Fatalf("row %d field %q has type %T", f.Row, k, v)
					}
				}
			}
			checkCoordinates(t, l)
		})
	}
}

// checkCoordinates makes sure coordinates are where the SRID says: lon/lat
// in range for geographic data, the TM2 grid over Taiwan for EPSG:3826.
func checkCoordinates(t *testing.T, l *layer.Layer) {
	t.Helper()
	b := l.Bound()
	if l.GeometryType() == "" {
		return
	}
	switch l.SRID {
	case 4269, 4326, 0:
		if l.SRID == 0 && (b.Max[0] > 180 || b.Min[0] < -180) {
			return // unknown CRS, nothing to check
		}
		if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
			t.Errorf("geographic bound out of range: %v", b)
		}
	case 3826:
		if b.Min[0] < 100000 || b.Max[0] > 400000 || b.Min[1] < 2400000 || b.Max[1] > 2850000 {
			t.Errorf("TM2 bound outside Taiwan: %v", b)
		}
	}
}

func TestRealDataNHDPlusAttributes(t *testing.T) {
	tests := []struct {
		name, file string
	}{
		{"gpkg upper case", "nhdplus/sample_natseamless.gpkg"},
		{"geojson lower case", "nldi/flowlines_921.geojson"},
		{"csv mixed case", "hydroloom/hr.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := layer.Read(realdata.Path(t, tt.file), layer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int64]bool{}
			for _, f := range l.Features {
				// The same NHDPlus names in either case.
				comid, ok := f.Int64("COMID")
				if !ok || comid <= 0 {
					t.Fatalf("row %d: COMID = %v, %v", f.Row, comid, ok)
				}
				if seen[comid] {
					t.Fatalf("row %d: duplicate COMID %d", f.Row, comid)
				}
				seen[comid] = true
				hs, ok := f.Int64("hydroseq")
				if !ok || hs <= 0 {
					t.Fatalf("row %d: Hydroseq = %v, %v", f.Row, hs, ok)
				}
				if _, ok := f.Float("LengthKM"); !ok {
					t.Fatalf("row %d: no LENGTHKM", f.Row)
				}
			}
		})
	}
}

func TestRealDataNHDPlusDetails(t *testing.T) {
	l, err := layer.Read(realdata.Path(t, "nhdplus/sample_natseamless.gpkg"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := l.Features[0]
	// DATETIME columns come back as the stored text, not time.Time.
	if s, ok := f.Value("FDATE"); !ok || !strings.HasPrefix(s.(string), "19") {
		t.Errorf("FDATE = %#v", s)
	}
	if l.Fields[0] != "fid" || l.Fields[1] != "COMID" {
		t.Errorf("fields start %v, want file order fid, COMID, ...", l.Fields[:3])
	}
	for _, name := range l.Fields {
		if name == "geom" {
			t.Error("geometry column listed in Fields")
		}
	}
	// This layer stores XYZM geometries; Z and M must be dropped.
	ml, ok := f.Geometry.(orb.MultiLineString)
	if !ok || len(ml) == 0 || len(ml[0]) < 2 {
		t.Fatalf("geometry %T", f.Geometry)
	}
	p := ml[0][0]
	if p[0] > -89 || p[0] < -90.5 || p[1] < 42.5 || p[1] > 43.5 {
		t.Errorf("first vertex %v is not in the Yahara basin", p)
	}
	// Missing values stay numbers (-9999), velocity is a float.
	if v, ok := f.Float("VE_MA"); !ok || (v < 0 && v != -9999 && v != -9998) {
		t.Errorf("VE_MA = %v, %v", v, ok)
	}
}

func TestRealDataTaiwanShapefiles(t *testing.T) {
	l, err := layer.Read(realdata.Path(t, "taiwan/wra_basins.shp"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var touqian *layer.Feature
	for i := range l.Features {
		if no, _ := l.Features[i].String("basin_no"); no == "1300" {
			touqian = &l.Features[i]
		}
	}
	if touqian == nil {
		t.Fatal("basin_no 1300 (Touqian) not found")
	}
	if name, _ := touqian.String("BASIN_NAME"); name != "頭前溪" {
		t.Errorf("basin 1300 is named %q, want 頭前溪", name)
	}
	// The main stem of the Touqian (the order-11 stream, from the DEM
	// network) runs inside basin 1300: the polygon, its holes and the
	// TM2 coordinates must all agree.
	main, err := layer.Read(realdata.Path(t, "taiwan/touqian_streams_order11.epsg3826.geojson"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ls := main.Features[0].Geometry.(orb.LineString)
	for _, p := range []orb.Point{ls[len(ls)/4], ls[len(ls)/2], ls[3*len(ls)/4]} {
		if !containsPoint(touqian.Geometry, p) {
			t.Errorf("basin 1300 does not contain main-stem vertex %v; bound %v", p, touqian.Geometry.Bound())
		}
	}
	for _, f := range l.Features {
		if f.Row != touqian.Row && containsPoint(f.Geometry, ls[len(ls)/2]) {
			no, _ := f.String("basin_no")
			t.Errorf("basin %s also contains the Touqian main stem", no)
		}
	}

	st, err := layer.Read(realdata.Path(t, "taiwan/moenv_river_wq_stations_2016.shp"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	agree, worst := 0, 0.0
	for _, f := range st.Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			t.Fatalf("row %d: %T", f.Row, f.Geometry)
		}
		if p[0] < 140000 || p[0] > 360000 || p[1] < 2420000 || p[1] > 2800000 {
			t.Errorf("row %d: %v is not on the TM2 grid over Taiwan", f.Row, p)
		}
		if name, ok := f.String("sitename"); !ok || name == "" || strings.ContainsRune(name, '\uFFFD') {
			t.Errorf("row %d: site name %q", f.Row, name)
		}
		// The attribute table repeats the coordinates as TM2 and as
		// lon/lat. The agency's columns disagree with the geometry for a
		// few stations (one has lon/lat in the TM2 columns), but where the
		// TM2 columns match the geometry, the lon/lat columns must project
		// onto it too.
		x, _ := f.Float("TWD97TM2X")
		y, _ := f.Float("TWD97TM2Y")
		if math.Abs(p[0]-x) > 1 || math.Abs(p[1]-y) > 1 {
			continue
		}
		agree++
		lon, _ := f.Float("TWD97Lon")
		lat, _ := f.Float("TWD97Lat")
		q, err := crs.Transform(crs.WGS84, crs.TWD97TM2, orb.Point{lon, lat})
		if err != nil {
			t.Fatal(err)
		}
		d := math.Hypot(q[0]-p[0], q[1]-p[1])
		worst = math.Max(worst, d)
		if d > 2 {
			t.Errorf("row %d: lon/lat (%v, %v) projects %.1f m from the geometry", f.Row, lon, lat, d)
		}
	}
	t.Logf("%d of %d stations agree; lon/lat columns project within %.2f m", agree, len(st.Features), worst)
	if agree < 250 {
		t.Errorf("only %d of %d stations have TM2 attributes matching their geometry", agree, len(st.Features))
	}
}

func containsPoint(g orb.Geometry, p orb.Point) bool {
	in := func(pg orb.Polygon) bool {
		if len(pg) == 0 || !ringContains(pg[0], p) {
			return false
		}
		for _, h := range pg[1:] {
			if ringContains(h, p) {
				return false
			}
		}
		return true
	}
	switch g := g.(type) {
	case orb.Polygon:
		return in(g)
	case orb.MultiPolygon:
		for _, pg := range g {
			if in(pg) {
				return true
			}
		}
	}
	return false
}

func ringContains(r orb.Ring, p orb.Point) bool {
	c := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		if (r[i][1] > p[1]) != (r[j][1] > p[1]) &&
			p[0] < (r[j][0]-r[i][0])*(p[1]-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
			c = !c
		}
	}
	return c
}

func TestRealDataCSV(t *testing.T) {
	t.Run("WKT points in Taiwan", func(t *testing.T) {
		l, err := layer.Read(realdata.Path(t, "taiwan/idb_industrial_wwtp.csv"), layer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range l.Features {
			p, ok := f.Geometry.(orb.Point)
			if !ok {
				t.Fatalf("row %d: geometry %T", f.Row, f.Geometry)
			}
			if p[0] < 119 || p[0] > 122.5 || p[1] < 21.5 || p[1] > 26 {
				t.Errorf("row %d: %v is not in Taiwan", f.Row, p)
			}
		}
		if _, ok := l.Field("坐標"); ok {
			t.Error("geometry column listed in Fields")
		}
		// The BOM must not end up in the first column name.
		if l.Fields[0] != "污水處理廠代碼" {
			t.Errorf("first field %q", l.Fields[0])
		}
		if code, _ := l.Features[0].String("污水處理廠代碼"); code != "BWTP01" {
			t.Errorf("first plant code %q", code)
		}
		if wkt, _ := l.Features[0].String("坐標"); !strings.HasPrefix(wkt, "POINT") {
			t.Errorf("raw WKT text %q", wkt)
		}
	})
	t.Run("ids with leading zeros stay text", func(t *testing.T) {
		l, err := layer.Read(realdata.Path(t, "hydroloom/hr.csv"), layer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		f := l.Features[0]
		if v, _ := f.Value("VPUID"); v != "0303" {
			t.Errorf("VPUID = %#v, want \"0303\"", v)
		}
		if v, _ := f.Value("REACHCODE"); v != "03030002009585" {
			t.Errorf("REACHCODE = %#v", v)
		}
		if v, _ := f.Value("COMID"); v != int64(15000500004891) {
			t.Errorf("COMID = %#v", v)
		}
		if v, _ := f.Value("LENGTHKM"); v != 0.275 {
			t.Errorf("LENGTHKM = %#v", v)
		}
		if s, _ := f.String("LENGTHKM"); s != "0.27500000000000002" {
			t.Errorf("raw LENGTHKM = %q", s)
		}
		if v, ok := f.Value("GNIS_ID"); !ok || v != nil {
			t.Errorf("empty GNIS_ID = %#v, %v", v, ok)
		}
	})
}

func TestRealDataLayers(t *testing.T) {
	tests := []struct {
		file  string
		want  []layer.LayerInfo
		first int // only check the first entries
	}{
		{"nhdplus/new_hope.gpkg", []layer.LayerInfo{
			{Name: "CatchmentSP", GeometryType: "MULTIPOLYGON", SRID: 4269, Count: 695},
			{Name: "Gage", GeometryType: "POINT", SRID: 4269, Count: 16},
			{Name: "NHDFlowline_NonNetwork", GeometryType: "MULTILINESTRING", SRID: 4269, Count: 10},
			{Name: "NHDFlowline_Network", GeometryType: "MULTILINESTRING", SRID: 4269, Count: 746},
			{Name: "NHDArea", GeometryType: "MULTIPOLYGON", SRID: 4269, Count: 13},
			{Name: "NHDWaterbody", GeometryType: "MULTIPOLYGON", SRID: 4269, Count: 99},
		}, 6},
		{"taiwan/wra_basins.shp", []layer.LayerInfo{{Name: "wra_basins", GeometryType: "POLYGON", SRID: 3826, Count: 143}}, 1},
		{"nldi/flowlines_921.geojson", []layer.LayerInfo{{Name: "flowlines_921", GeometryType: "LINESTRING", SRID: 4326, Count: 921}}, 1},
		{"hydroloom/hr.csv", []layer.LayerInfo{{Name: "hr", Count: 2691}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := layer.Layers(realdata.Path(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < tt.first {
				t.Fatalf("got %d layers: %v", len(got), got)
			}
			for i := 0; i < tt.first; i++ {
				if got[i] != tt.want[i] {
					t.Errorf("layer %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestRealDataErrors(t *testing.T) {
	path := realdata.Path(t, "nhdplus/new_hope.gpkg")
	_, err := layer.Read(path, layer.Options{Layer: "X"})
	if !errors.Is(err, layer.ErrLayerNotFound) {
		t.Fatalf("err = %v, want ErrLayerNotFound", err)
	}
	want := `layer: new_hope.gpkg: layer "X" not found (have: CatchmentSP, Gage, NHDFlowline_NonNetwork, NHDFlowline_Network, NHDArea, NHDWaterbody)`
	if err.Error() != want {
		t.Errorf("error\n %s\nwant\n %s", err, want)
	}
	_, err = layer.Read(realdata.Path(t, "taiwan/wra_basins.shp"), layer.Options{Layer: "rivers"})
	if !errors.Is(err, layer.ErrLayerNotFound) {
		t.Errorf("shapefile with wrong layer name: %v", err)
	}
}

func TestRealDataProgress(t *testing.T) {
	for _, file := range []string{"nhdplus/new_hope.gpkg", "taiwan/touqian_streams_order6.epsg3826.geojson", "hydroloom/hr.csv", "taiwan/wra_basins.shp"} {
		t.Run(file, func(t *testing.T) {
			var calls, lastDone, lastTotal int
			_, err := layer.Read(realdata.Path(t, file), layer.Options{Progress: func(done, total int) {
				if done < lastDone {
					t.Errorf("progress went back from %d to %d", lastDone, done)
				}
				calls++
				lastDone, lastTotal = done, total
			}})
			if err != nil {
				t.Fatal(err)
			}
			if calls < 2 || calls > 200 {
				t.Errorf("%d progress calls", calls)
			}
			if lastDone != lastTotal || lastTotal == 0 {
				t.Errorf("last call (%d, %d), want done == total", lastDone, lastTotal)
			}
		})
	}
}

func BenchmarkReadGeoJSONTouqian(b *testing.B) {
	path := realdata.Path(b, "taiwan/touqian_streams_order6.epsg3826.geojson")
	// Baseline: orb's encoding/json-based decoder on the same bytes.
	base := baseline(b, 10, func(b *testing.B) {
		{
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			fc, err := geojson.UnmarshalFeatureCollection(data)
			if err != nil || len(fc.Features) != 2034 {
				b.Fatal(err)
			}
		}
	})
	defer func() {
		b.ReportMetric(base/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x-faster-than-orb-geojson")
	}()
	features := 0
	for b.Loop() {
		l, err := layer.Read(path, layer.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if features = len(l.Features); features != 2034 {
			b.Fatal(features)
		}
	}
	b.ReportMetric(float64(features), "features")
}

func BenchmarkReadGeoPackageNewHope(b *testing.B) {
	path := realdata.Path(b, "nhdplus/new_hope.gpkg")
	// Baseline: the bare SQLite scan of the same table, every column read
	// as raw values, no geometry decoding and no typing.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	base := baseline(b, 20, func(b *testing.B) {
		{
			rows, err := db.Query(`select * from "NHDFlowline_Network"`)
			if err != nil {
				b.Fatal(err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					b.Fatal(err)
				}
			}
			rows.Close()
		}
	})
	defer func() {
		b.ReportMetric((float64(b.Elapsed().Nanoseconds())/float64(b.N))/base, "x-cost-vs-raw-sqlite-scan")
	}()
	for b.Loop() {
		if _, err := layer.Read(path, layer.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// baseline is the mean wall time in ns of runs calls of f, timed by hand:
// testing.Benchmark cannot run inside a running benchmark.
func baseline(b *testing.B, runs int, f func(b *testing.B)) float64 {
	t0 := time.Now()
	for i := 0; i < runs; i++ {
		f(b)
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(runs)
}

// TestRealDataIndustrialParksDamagedRecord reads the Industrial
// Development Administration's park boundaries: 249 parks, one of whose
// DBF records (row 73, park T06) lost its characters in an earlier
// conversion. The read must succeed and name that record's damaged fields.
func TestRealDataIndustrialParksDamagedRecord(t *testing.T) {
	l, err := layer.Read(realdata.Path(t, "taiwan/industrial_parks_2021.shp"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Features) != 249 || l.SRID != 3826 {
		t.Fatalf("%d parks in SRID %d, want 249 in 3826", len(l.Features), l.SRID)
	}
	var got []string
	for _, w := range l.Warnings {
		got = append(got, fmt.Sprintf("%d/%s", w.Row, w.Field))
		if !errors.Is(w, layer.ErrTextReplaced) && !errors.Is(w, layer.ErrTextCut) {
			t.Errorf("warning %v is not a text-damage error", w)
		}
		if !strings.Contains(w.Error(), "industrial_parks_2021.shp: row 73: field") {
			t.Errorf("warning %q does not name the file, row and field", w.Error())
		}
	}
	if want := []string{"73/FNAME", "73/TYPE", "73/CATAGORY"}; !slices.Equal(got, want) { //nolint:misspell // the DBF field is spelt CATAGORY
		t.Errorf("damaged cells %v, want %v", got, want)
	}
	if fd, _ := l.Features[72].String("FD"); fd != "T06" {
		t.Errorf("row 73 is park %q, want T06", fd)
	}
}
