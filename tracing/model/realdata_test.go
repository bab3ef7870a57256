package model

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/internal/realdata"
)

func readAll(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	recs[0][0] = strings.TrimPrefix(recs[0][0], "\ufeff")
	return recs
}

// TestRealStationsAndPlants writes a data directory the way a user would,
// from two real MOENV/IDB tables, and reads it back:
//   - the 296 MOENV river stations with both their TWD97 TM2 x/y and their
//     lon/lat, so the reader cross-checks every pair (within 10 m) with
//     this package's projection (itself checked against PROJ to 2 mm in
//     TestTWD97). The published table is inconsistent on 13 rows: 12
//     whose lon/lat lies 17 m to 7.9 km from their x/y, and one (line 224)
//     with degrees written in the TM2 columns. The reader must reject
//     exactly those, naming file, line and column; the directory is then
//     written again with lon/lat only and must read cleanly;
//   - the 43 IDB industrial-park wastewater plants, whose coordinates are
//     WKT "POINT (lon lat)", as facilities with lon/lat only, keyed by the
//     plant code (the document code column holds "待補", to be filled, for
//     several plants and so cannot serve as a control number).
func TestRealStationsAndPlants(t *testing.T) {
	st := readAll(t, realdata.Path(t, "taiwan/moenv_river_wq_stations_2016.csv"))
	plants := readAll(t, realdata.Path(t, "taiwan/idb_industrial_wwtp.csv"))
	col := func(head []string, name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("column %s missing", name)
		return -1
	}

	stationsCSV := func(withXY bool) string {
		var b strings.Builder
		w := csv.NewWriter(&b)
		head := []string{"station_id", "name", "kind", "lon", "lat", "river"}
		if withXY {
			head = append(head, "x", "y")
		}
		w.Write(head)
		h := st[0]
		seen := map[string]int{}
		for _, r := range st[1:] {
			id := r[col(h, "SiteName")]
			seen[id]++
			if seen[id] > 1 {
				id = fmt.Sprintf("%s#%d", id, seen[id])
			}
			rec := []string{id, r[col(h, "SiteEngNam")], "fixed", r[col(h, "TWD97Lon")], r[col(h, "TWD97Lat")], r[col(h, "River")]}
			if withXY {
				rec = append(rec, r[col(h, "TWD97TM2X")], r[col(h, "TWD97TM2Y")])
			}
			w.Write(rec)
		}
		w.Flush()
		return b.String()
	}

	_, err := ReadDir(writeFiles(t, map[string]string{FileStations: stationsCSV(true)}))
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("want the inconsistent rows reported, got %v", err)
	}
	lines := map[int]string{}
	for _, e := range joined.Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) || fe.File != FileStations {
			t.Fatalf("unexpected error %v", e)
		}
		lines[fe.Line] = fe.Column
	}
	if len(lines) != 13 || lines[224] != "x" || lines[2] != "lon" || lines[292] != "lon" {
		t.Fatalf("inconsistent rows reported: %v\n%v", lines, err)
	}
	stations := stationsCSV(false)

	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"ems_no", "fac_name", "industry", "lon", "lat"})
	h := plants[0]
	for _, r := range plants[1:] {
		wkt := strings.TrimSpace(strings.TrimPrefix(r[col(h, "坐標")], "POINT"))
		lon, lat, _ := strings.Cut(strings.Trim(wkt, "()"), " ")
		w.Write([]string{r[col(h, "污水處理廠代碼")], r[col(h, "污水處理廠名稱")], "industrial park WWTP", lon, lat})
	}
	w.Flush()

	dir := writeFiles(t, map[string]string{FileStations: stations, FileFacilities: b.String()})
	ds, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Stations) != 296 || len(ds.Facilities) != 43 {
		t.Fatalf("%d stations, %d facilities", len(ds.Stations), len(ds.Facilities))
	}
	s, ok := ds.Station("九如橋")
	if !ok || s.River != "高屏溪" || math.Abs(s.Point.X-197485.01) > 1 || math.Abs(s.Point.Y-2513895.27) > 1 {
		t.Fatalf("九如橋: %+v", s)
	}
	// 臺中工業區污水處理廠 at POINT (120.611 24.1642) lies in Taichung's
	// Xitun district, roughly 6.5 km west of the city hall reference point.
	f, ok := ds.Facility("BWTP01")
	if !ok || f.Location == nil || f.Location.X < 209000 || f.Location.X > 212000 || f.Location.Y < 2672000 || f.Location.Y > 2675000 {
		t.Fatalf("Taichung plant: %+v", f)
	}
	out := filepath.Join(t.TempDir(), "copy")
	if err := WriteDir(out, ds); err != nil {
		t.Fatal(err)
	}
	again, err := ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Stations) != 296 || len(again.Facilities) != 43 {
		t.Fatal("round trip lost records")
	}
}
