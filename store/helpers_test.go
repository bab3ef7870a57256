package store_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/model"
)

// migrated returns a pool on a fresh, migrated test database: a clone of
// the one database this binary migrates (migrate_test.go and
// partition_test.go test the migrating itself on databases of their own).
func migrated(t testing.TB, opt postgis.Options) *pgxpool.Pool {
	t.Helper()
	return storetest.PreparedPool(t, opt, "migrated", store.Migrate)
}

// migratedURL is migrated's database by URL, for tests that open
// connections of their own.
func migratedURL(t testing.TB) string {
	t.Helper()
	return storetest.PreparedURL(t, "migrated", store.Migrate)
}

// networkFile is a real network used by the tests.
type networkFile struct {
	name string // network name in the store
	rel  string // path under the real-data directory
}

var (
	newHope = networkFile{"new_hope", "nhdplus/new_hope.gpkg"}
	touqian = networkFile{"touqian6", "taiwan/touqian_streams_order6.epsg3826.geojson"}
	// Atchafalaya and Yahara NHDPlus reaches: many minor divergences.
	nldi921 = networkFile{"nldi921", "nldi/flowlines_921.geojson"}
	// NHDPlus HR without geometry: 189 minor divergences.
	hrCSV = networkFile{"hr", "hydroloom/hr.csv"}
)

// readReaches reads a network file the way hydro.Load does, stopping
// before Build: the reaches to import and the file's SRID.
func readReaches(t testing.TB, f networkFile) ([]hydro.Reach, int) {
	t.Helper()
	l, err := layer.Read(realdata.Path(t, f.rel), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reaches, src, err := hydro.FromLayer(l, hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return reaches, src.SRID
}

// loadFile builds the reference network straight from the file.
func loadFile(t testing.TB, f networkFile) *hydro.Network {
	t.Helper()
	net, _, err := hydro.Load(context.Background(), realdata.Path(t, f.rel), hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// starts picks up to max reach ids spread over the network.
func starts(net *hydro.Network, max int) []string {
	step := 1
	if net.Len() > max {
		step = (net.Len() + max - 1) / max
	}
	var out []string
	for i := 0; i < net.Len(); i += step {
		out = append(out, net.ID(int32(i)))
	}
	return out
}

type hit struct{ km, hours float64 }

func navigate(t testing.TB, net *hydro.Network, q hydro.Query) (map[string]hit, error) {
	t.Helper()
	hits, err := net.NavigateAll(context.Background(), q)
	if err != nil {
		return nil, err
	}
	m := make(map[string]hit, len(hits))
	for _, h := range hits {
		m[net.ID(h.Reach)] = hit{h.DistanceKm, h.TravelHours}
	}
	return m, nil
}

// sameNavigation compares UT, UM, DM and DD from every start on two
// networks, with and without a distance limit, reach by reach with
// distances and travel times, and the attributes of every reach.
func sameNavigation(t *testing.T, want, got *hydro.Network, ids []string) {
	t.Helper()
	if want.Len() != got.Len() || want.Topology != got.Topology || want.SRID != got.SRID || want.Geographic != got.Geographic || want.MinorDivergences() != got.MinorDivergences() {
		t.Fatalf("networks differ: %d/%d reaches, topology %s/%s, SRID %d/%d, geographic %v/%v, %d/%d divergences",
			want.Len(), got.Len(), want.Topology, got.Topology, want.SRID, got.SRID, want.Geographic, got.Geographic, want.MinorDivergences(), got.MinorDivergences())
	}
	for i := int32(0); i < int32(want.Len()); i++ {
		j, ok := got.Index(want.ID(i))
		if !ok {
			t.Fatalf("reach %s missing", want.ID(i))
		}
		if a, b := want.Attrs(i), got.Attrs(j); !reflect.DeepEqual(a, b) {
			t.Fatalf("reach %s attributes differ:\nfile    %+v\npostgis %+v", a.ID, a, b)
		}
	}
	compared := 0
	for _, id := range ids {
		si, _ := want.Index(id)
		sj, _ := got.Index(id)
		for _, mode := range []hydro.Mode{hydro.UT, hydro.UM, hydro.DM, hydro.DD} {
			for _, limit := range []float64{-1, 3} {
				qa := hydro.Query{Mode: mode, Start: si, DistanceKm: limit, HasDistance: limit >= 0}
				qb := qa
				qb.Start = sj
				if limit < 0 {
					qa.DistanceKm, qb.DistanceKm = 0, 0
				}
				a, errA := navigate(t, want, qa)
				b, errB := navigate(t, got, qb)
				if (errA == nil) != (errB == nil) {
					t.Fatalf("%s from %s: file error %v, postgis error %v", mode, id, errA, errB)
				}
				if len(a) != len(b) {
					t.Fatalf("%s (limit %v) from %s: %d reaches from the file, %d from PostGIS", mode, limit, id, len(a), len(b))
				}
				for k, h := range a {
					g, ok := b[k]
					if !ok || math.Abs(g.km-h.km) > 1e-9 || math.Abs(g.hours-h.hours) > 1e-9 {
						t.Fatalf("%s from %s: reach %s file %+v postgis %+v (present %v)", mode, id, k, h, g, ok)
					}
				}
				compared += len(a)
			}
		}
	}
	t.Logf("%d reaches, %d starts × 4 modes × 2 limits: %d navigation hits identical", want.Len(), len(ids), compared)
}

// tableChecksum fingerprints a table's rows and their row versions (xmin):
// equal checksums mean equal content; equal versions mean nothing was
// even rewritten.
func tableChecksum(t testing.TB, pool *pgxpool.Pool, table, order string) (count int64, content, versions string) {
	t.Helper()
	q := fmt.Sprintf(`select count(*), coalesce(md5(string_agg(md5(x::text), '' order by %[2]s)), ''),
		coalesce(md5(string_agg(x.xmin::text, ',' order by %[2]s)), '') from %[1]s x`, table, order)
	if err := pool.QueryRow(context.Background(), q).Scan(&count, &content, &versions); err != nil {
		t.Fatal(err)
	}
	return
}

var tableOrder = map[string]string{
	"networks": "name", "reaches": "network, id", "reach_minor_edges": "network, from_id, to_id",
	"facilities": "seq", "outfalls": "seq", "permits": "seq", "permit_limits": "seq", "reports": "seq", "stations": "seq", "readings": "seq",
}

type snapshot map[string][3]string

func takeSnapshot(t testing.TB, pool *pgxpool.Pool) snapshot {
	t.Helper()
	s := snapshot{}
	for table, order := range tableOrder {
		n, c, v := tableChecksum(t, pool, table, order)
		s[table] = [3]string{strconv.FormatInt(n, 10), c, v}
	}
	return s
}

func readCSV(t testing.TB, rel string) [][]string {
	t.Helper()
	f, err := os.Open(realdata.Path(t, rel))
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

func column(t testing.TB, head []string, name string) int {
	t.Helper()
	for i, h := range head {
		if h == name {
			return i
		}
	}
	t.Fatalf("column %s missing", name)
	return -1
}

var taipei = time.FixedZone("", 8*3600)

// realDataset builds a data directory's worth of records from real Taiwan
// open data: the 296 MOENV river stations, the 43 IDB industrial-park
// wastewater plants as facilities (one outfall each), and the plants'
// 20,196 days of effluent pH, temperature and conductivity as readings at
// a continuous station per plant and as monthly DMR maxima. Permits and
// limits are made up (the open data has none): one permit per plant with
// the general pH and temperature limits.
func realDataset(t testing.TB) *model.Dataset {
	t.Helper()
	ds := &model.Dataset{}
	st := readCSV(t, "taiwan/moenv_river_wq_stations_2016.csv")
	h := st[0]
	seen := map[string]int{}
	for _, r := range st[1:] {
		id := r[column(t, h, "SiteName")]
		seen[id]++
		if seen[id] > 1 {
			id = fmt.Sprintf("%s#%d", id, seen[id])
		}
		lon, _ := strconv.ParseFloat(r[column(t, h, "TWD97Lon")], 64)
		lat, _ := strconv.ParseFloat(r[column(t, h, "TWD97Lat")], 64)
		name := r[column(t, h, "SiteEngNam")]
		if name == "" {
			name = id
		}
		ds.Stations = append(ds.Stations, model.Station{ID: id, Name: name, Kind: model.Fixed, Point: model.FromLonLat(lon, lat),
			River: r[column(t, h, "River")], Note: r[column(t, h, "SiteAddres")]})
	}

	plants := readCSV(t, "taiwan/idb_industrial_wwtp.csv")
	h = plants[0]
	for _, r := range plants[1:] {
		wkt := strings.TrimSpace(strings.TrimPrefix(r[column(t, h, "坐標")], "POINT"))
		lonS, latS, _ := strings.Cut(strings.Trim(wkt, "()"), " ")
		lon, _ := strconv.ParseFloat(lonS, 64)
		lat, _ := strconv.ParseFloat(latS, 64)
		p := model.FromLonLat(lon, lat)
		code := r[column(t, h, "污水處理廠代碼")]
		ds.Facilities = append(ds.Facilities, model.Facility{EmsNo: code, Name: r[column(t, h, "污水處理廠名稱")], Industry: "industrial park WWTP",
			Location: &p, Note: r[column(t, h, "污水處理廠地址")]})
		ds.Outfalls = append(ds.Outfalls, model.Outfall{Facility: code, ID: "D01", Point: p})
	}

	eff := readCSV(t, "taiwan/idb_industrial_wwtp_effluent_daily.csv")
	params := []string{"", "", "COND", "pH", "TEMP"}
	units := []string{"", "", "μS/cm", "pH", "℃"} // as the file writes them; stored canonical
	type month struct {
		plant, param string
		m            time.Time
	}
	maxima := map[month]float64{}
	var months []month
	station := map[string]string{}
	seenDay := map[string]bool{}
	for _, r := range eff[1:] {
		f := matchPlant(ds.Facilities, r[1])
		if f == nil {
			continue
		}
		sid, ok := station[f.EmsNo]
		if !ok {
			sid = "IDB-" + f.EmsNo
			station[f.EmsNo] = sid
			ds.Stations = append(ds.Stations, model.Station{ID: sid, Name: f.Name + " effluent", Kind: model.Continuous, Point: *f.Location})
			ds.Permits = append(ds.Permits, model.Permit{PerNo: "P-" + f.EmsNo, Facility: f.EmsNo,
				ValidFrom: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), ValidTo: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC),
				Type: "discharge", MaxDailyM3: 20000, IntakeSource: "tap water"})
			ds.Limits = append(ds.Limits,
				model.PermitLimit{Permit: "P-" + f.EmsNo, Limit: dmr.Limit{Parameter: "pH", Value: 6, Unit: "pH", StatBase: dmr.SingleSample, Bound: dmr.Lower}},
				model.PermitLimit{Permit: "P-" + f.EmsNo, Limit: dmr.Limit{Parameter: "pH", Value: 9, Unit: "pH", StatBase: dmr.SingleSample}},
				model.PermitLimit{Permit: "P-" + f.EmsNo, Outfall: "D01", Limit: dmr.Limit{Parameter: "TEMP", Value: 38, Unit: "°C", StatBase: dmr.MonthlyMax}},
				model.PermitLimit{Permit: "P-" + f.EmsNo, Limit: dmr.Limit{Parameter: "COND", Unit: "µS/cm", StatBase: dmr.MonthlyMax, ReportOnly: true}, Note: "monitor only"})
		}
		d, err := time.Parse("20060102", r[0])
		if err != nil {
			t.Fatal(err)
		}
		if seenDay[sid+r[0]] { // keep the first row of a repeated day
			continue
		}
		seenDay[sid+r[0]] = true
		at := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, taipei)
		for c := 2; c < len(r); c++ {
			v, err := strconv.ParseFloat(r[c], 64)
			if err != nil {
				continue
			}
			ds.AppendReadings(model.Reading{Station: sid, Time: at, Parameter: params[c], Value: v, Unit: units[c]})
			k := month{f.EmsNo, params[c], time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)}
			if old, ok := maxima[k]; !ok || v > old {
				if !ok {
					months = append(months, k)
				}
				maxima[k] = v
			}
		}
	}
	for _, k := range months {
		end := k.m.AddDate(0, 1, -1)
		ds.Reports = append(ds.Reports, model.Report{Facility: k.plant, Permit: "P-" + k.plant, Outfall: "D01",
			Report: dmr.Report{Period: dmr.Period{Start: k.m, End: end}, Parameter: k.param, Value: maxima[k], Unit: canonicalUnit(k.param), StatBase: dmr.MonthlyMax},
			Flow:   12000.5, FlowUnit: "m³/day"})
	}
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	if len(station) < 30 || ds.NumReadings() < 50000 {
		t.Fatalf("only %d plants matched, %d readings", len(station), ds.NumReadings())
	}
	return ds
}

func canonicalUnit(p string) string {
	switch p {
	case "COND":
		return "µS/cm"
	case "TEMP":
		return "°C"
	}
	return "pH"
}

// matchPlant finds the facility an effluent row's short plant name ("台中",
// "彰濱線西") belongs to.
func matchPlant(fs []model.Facility, short string) *model.Facility {
	s := strings.ReplaceAll(short, "台", "臺")
	switch s {
	case "彰濱線西":
		s = "線西"
	case "彰濱鹿港":
		s = "鹿港"
	}
	rules := []func(string) bool{
		func(n string) bool { return n == s+"工業區污水處理廠" },
		func(n string) bool { return strings.HasSuffix(n, s+"廠") },
		func(n string) bool { return strings.Contains(n, s+"區污水處理廠") },
		func(n string) bool { return strings.Contains(n, s) },
	}
	for _, rule := range rules {
		var hits []int
		for i := range fs {
			if rule(fs[i].Name) {
				hits = append(hits, i)
			}
		}
		if len(hits) == 1 {
			return &fs[hits[0]]
		}
	}
	return nil
}

// plain copies a dataset's records without its private indexes and with
// every time normalised to (instant, offset), for reflect.DeepEqual.
func plain(ds *model.Dataset) *model.Dataset {
	out := &model.Dataset{
		Facilities: ds.Facilities, Outfalls: ds.Outfalls, Permits: ds.Permits, Limits: ds.Limits,
		Reports: ds.Reports, Stations: ds.Stations,
	}
	var rs []model.Reading
	for _, r := range ds.CurrentReadings() {
		_, off := r.Time.Zone()
		r.Time = time.Unix(0, r.Time.UnixNano()).In(time.FixedZone("", off))
		rs = append(rs, r)
	}
	out.SetReadings(rs)
	return out
}

// canonical returns ds with parameters and units in canonical spelling, as
// the store keeps them.
func canonical(ds *model.Dataset) *model.Dataset {
	out := *plain(ds)
	rs := slices.Clone(out.CurrentReadings())
	for i := range rs {
		rs[i].Unit = canonicalUnit(rs[i].Parameter)
	}
	out.SetReadings(rs)
	return &out
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readingsOnly is a dataset holding only rs, as an import of a readings
// file alone sends it.
func readingsOnly(rs []model.Reading) *model.Dataset {
	ds := &model.Dataset{}
	ds.SetReadings(rs)
	return ds
}
