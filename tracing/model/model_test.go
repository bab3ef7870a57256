package model

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/standard"
)

func ptr(v float64) *float64 { return &v }

var taipei = time.FixedZone("CST", 8*3600)

// sample builds a small valid dataset around Taichung.
func sample(t testing.TB) *Dataset {
	t.Helper()
	net := filepath.Join(t.TempDir(), "rivers.geojson")
	if err := os.WriteFile(net, []byte(`{"type":"FeatureCollection","features":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	loc := FromLonLat(120.6736, 24.1477)
	return &Dataset{
		NetworkPath: net,
		Facilities: []Facility{
			{EmsNo: "B2302705", Name: "臺中工業區污水處理廠", Industry: "工業區專用污水下水道系統", Location: &loc, ReceivingWater: "筏子溪"},
			{EmsNo: "B9900001", Name: "Plating, Inc.", Industry: "電鍍業", ReceivingWater: "旱溪", Note: `quoted "name", with comma`},
		},
		Outfalls: []Outfall{
			{Facility: "B2302705", ID: "D01", Point: Point{X: 210500.25, Y: 2672400.5}, ReceivingWater: "筏子溪"},
			{Facility: "B9900001", ID: "D01", Point: FromLonLat(120.70, 24.12), ReceivingWater: "旱溪"},
		},
		Permits: []Permit{
			{PerNo: "中市府環水許字第01234號", Facility: "B2302705", ValidFrom: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), ValidTo: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
				Type: "排放許可證", MaxDailyM3: 30000, IntakeSource: "自來水", IntakeM3PerDay: ptr(32000), TreatmentCapacityM3PerDay: ptr(35000)},
			{PerNo: "P-2", Facility: "B9900001", ValidFrom: time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), ValidTo: time.Date(2028, 2, 28, 0, 0, 0, 0, time.UTC), MaxDailyM3: 120},
		},
		Limits: []PermitLimit{
			{Permit: "中市府環水許字第01234號", Limit: dmr.Limit{Parameter: "COD", Value: 100, Unit: "mg/L", StatBase: dmr.SingleSample}},
			{Permit: "P-2", Outfall: "D01", Limit: dmr.Limit{Parameter: "Cu", Value: 1500, Unit: "µg/L", StatBase: dmr.SingleSample}},
			{Permit: "P-2", Limit: dmr.Limit{Parameter: "pH", Value: 6, Unit: "pH", StatBase: dmr.SingleSample, Bound: dmr.Lower}},
			{Permit: "P-2", Limit: dmr.Limit{Parameter: "FLOW", Unit: "m³/day", StatBase: dmr.DailyMax, ReportOnly: true}},
		},
		Reports: []Report{
			{Facility: "B9900001", Permit: "P-2", Outfall: "D01", Report: dmr.Report{Period: dmr.Period{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)},
				Parameter: "Cu", Value: 0.02, Unit: "mg/L", StatBase: dmr.SingleSample, Censored: true}, Flow: 95, FlowUnit: "m³/day"},
			{Facility: "B9900001", Report: dmr.Report{Period: dmr.Period{Start: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)},
				Parameter: "Cu", Unit: "mg/L", StatBase: dmr.SingleSample, NoData: "no discharge"}},
		},
		Stations: []Station{
			{ID: "1001", Name: "大度橋", Kind: Fixed, Point: FromLonLat(120.55, 24.07), River: "烏溪"},
			{ID: "C01", Name: "Auto monitor", Kind: Continuous, Point: Point{X: 212000, Y: 2670000}},
		},
		readings: []Reading{
			{Station: "1001", Time: time.Date(2024, 5, 1, 9, 30, 0, 0, taipei), Parameter: "NH3-N", Value: 2.5, Unit: "mg/L", Flow: 12.5, FlowUnit: "m³/s"},
			{Station: "1001", Time: time.Date(2024, 5, 1, 9, 30, 0, 0, taipei), Parameter: "Cu", Value: 5, Unit: "µg/L", Censored: true},
			{Station: "C01", Time: time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC), Parameter: "TEMP", Value: -0.5, Unit: "°C"},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	ds := sample(t)
	dir := filepath.Join(t.TempDir(), "data")
	if err := WriteDir(dir, ds); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.NetworkPath != filepath.Join(dir, "network.geojson") {
		t.Fatalf("network path %q", got.NetworkPath)
	}
	// Points are written to the millimetre.
	samePoint := func(a, b Point) bool { return math.Abs(a.X-b.X) < 5e-4 && math.Abs(a.Y-b.Y) < 5e-4 }
	for i := range ds.Outfalls {
		if !samePoint(got.Outfalls[i].Point, ds.Outfalls[i].Point) {
			t.Errorf("outfall %d point %v != %v", i, got.Outfalls[i].Point, ds.Outfalls[i].Point)
		}
		got.Outfalls[i].Point = ds.Outfalls[i].Point
	}
	for i := range ds.Stations {
		if !samePoint(got.Stations[i].Point, ds.Stations[i].Point) {
			t.Errorf("station %d point", i)
		}
		got.Stations[i].Point = ds.Stations[i].Point
	}
	if !samePoint(*got.Facilities[0].Location, *ds.Facilities[0].Location) || got.Facilities[1].Location != nil {
		t.Errorf("facility locations %v %v", got.Facilities[0].Location, got.Facilities[1].Location)
	}
	got.Facilities[0].Location = ds.Facilities[0].Location
	for i := range ds.readings {
		if !got.readings[i].Time.Equal(ds.readings[i].Time) {
			t.Errorf("reading %d time %v != %v", i, got.readings[i].Time, ds.readings[i].Time)
		}
		_, off := got.readings[i].Time.Zone()
		_, want := ds.readings[i].Time.Zone()
		if off != want {
			t.Errorf("reading %d zone offset %d, want %d", i, off, want)
		}
		got.readings[i].Time = ds.readings[i].Time
	}
	for name, pair := range map[string][2]any{
		"facilities": {got.Facilities, ds.Facilities}, "outfalls": {got.Outfalls, ds.Outfalls}, "permits": {got.Permits, ds.Permits},
		"limits": {got.Limits, ds.Limits}, "reports": {got.Reports, ds.Reports}, "stations": {got.Stations, ds.Stations}, "readings": {got.readings, ds.readings},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differ after round trip:\n got %+v\nwant %+v", name, pair[0], pair[1])
		}
	}
}

func TestIndexes(t *testing.T) {
	ds := sample(t)
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	if f, ok := ds.Facility("B9900001"); !ok || f.Industry != "電鍍業" {
		t.Fatalf("Facility: %v %v", f, ok)
	}
	if o, ok := ds.Outfall("B9900001", "D01"); !ok || o.ReceivingWater != "旱溪" {
		t.Fatalf("Outfall: %v", o)
	}
	if n := len(ds.OutfallsOf("B2302705")); n != 1 {
		t.Fatalf("OutfallsOf = %d", n)
	}
	if p, ok := ds.Permit("P-2"); !ok || !p.Valid(time.Date(2025, 6, 1, 15, 0, 0, 0, taipei)) || p.Valid(time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Permit validity")
	}
	if n := len(ds.LimitsOf("P-2")); n != 3 {
		t.Fatalf("LimitsOf = %d", n)
	}
	if n := len(ds.ReportsOf("B9900001")); n != 2 {
		t.Fatalf("ReportsOf = %d", n)
	}
	if n := len(ds.PermitsOf("B9900001")); n != 1 {
		t.Fatalf("PermitsOf = %d", n)
	}
	if s, ok := ds.Station("C01"); !ok || s.Kind != Continuous {
		t.Fatalf("Station")
	}
	rs := ds.ReadingsAt("1001")
	if len(rs) != 2 || rs[1].Parameter != "Cu" {
		t.Fatalf("ReadingsAt = %v", rs)
	}
	if _, ok := ds.Station("nope"); ok {
		t.Fatal("unknown station found")
	}
}

// writeFiles creates a data directory from file contents.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	okStations = "station_id,name,kind,x,y,river\nS1,Bridge,fixed,216829.433,2671419.288,烏溪\n"
	okFacility = "ems_no,fac_name,lon,lat\nF1,Plant,120.6736,24.1477\n"
	okPermit   = "per_no,ems_no,per_sdate,per_edate,per_water\nP1,F1,2022-01-01,2026-12-31,1500\n"
)

func TestReadDirErrors(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		file   string
		line   int
		column string
		is     error // optional extra cause
	}{
		{"time without zone", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00+08:00,DO,6.1,mg/L\nS1,2024-05-01T09:30:00,DO,6.1,mg/L\n"},
			FileReadings, 3, "time", nil},
		{"pH in mg/L", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,pH,7.1,mg/L\n"},
			FileReadings, 2, "unit", param.ErrIncompatibleUnit},
		{"copper in m3/s", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,銅,1,m3/s\n"},
			FileReadings, 2, "unit", param.ErrIncompatibleUnit},
		{"unknown unit", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,Cu,1,grains/gal\n"},
			FileReadings, 2, "unit", param.ErrUnknownUnit},
		{"copper in ppm is ambiguous", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,Cu,1,ppm\n"},
			FileReadings, 2, "unit", param.ErrAmbiguousUnit},
		{"air parameter in river readings", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,SO2,3,ppb\n"},
			FileReadings, 2, "parameter", nil},
		{"unknown parameter", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,Kr,1,mg/L\n"},
			FileReadings, 2, "parameter", param.ErrUnknownParameter},
		{"unknown station", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS2,2024-05-01T09:30:00Z,DO,1,mg/L\n"},
			FileReadings, 2, "station_id", nil},
		{"censored conflict", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit,censored\nS1,2024-05-01T09:30:00Z,Cu,<0.01,mg/L,false\n"},
			FileReadings, 2, "censored", nil},
		{"flow without unit", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit,flow,flow_unit\nS1,2024-05-01T09:30:00Z,Cu,0.01,mg/L,3,\n"},
			FileReadings, 2, "flow_unit", nil},
		{"lon/lat in x/y", map[string]string{FileStations: "station_id,name,kind,x,y\nS1,Bridge,fixed,120.67,24.14\n"},
			FileStations, 2, "x", nil},
		{"lon/lat disagree with x/y", map[string]string{FileStations: "station_id,name,kind,x,y,lon,lat\nS1,Bridge,fixed,216829.433,2671419.288,120.6836,24.1477\n"},
			FileStations, 2, "lon", nil},
		{"bad kind", map[string]string{FileStations: "station_id,name,kind,x,y\nS1,Bridge,mobile,216829,2671419\n"},
			FileStations, 2, "kind", nil},
		{"duplicate station", map[string]string{FileStations: okStations + "S1,Other,fixed,216829,2671419,\n"},
			FileStations, 3, "station_id", nil},
		{"unknown column", map[string]string{FileStations: "station_id,name,kind,lng,lat\nS1,B,fixed,120.6,24.1\n"},
			FileStations, 1, "lng", nil},
		{"missing column", map[string]string{FileStations: "station_id,kind,x,y\nS1,fixed,216829,2671419\n"},
			FileStations, 1, "name", nil},
		{"ROC date", map[string]string{FileFacilities: okFacility, FilePermits: "per_no,ems_no,per_sdate,per_edate,per_water\nP1,F1,1110101,2026-12-31,1500\n"},
			FilePermits, 2, "per_sdate", nil},
		{"permit of unknown facility", map[string]string{FileFacilities: okFacility, FilePermits: "per_no,ems_no,per_sdate,per_edate,per_water\nP1,F9,2022-01-01,2026-12-31,1500\n"},
			FilePermits, 2, "ems_no", nil},
		{"permit dates reversed", map[string]string{FileFacilities: okFacility, FilePermits: "per_no,ems_no,per_sdate,per_edate,per_water\nP1,F1,2027-01-01,2026-12-31,1500\n"},
			FilePermits, 2, "per_edate", nil},
		{"limit unit for pH", map[string]string{FileFacilities: okFacility, FilePermits: okPermit,
			FileLimits: "per_no,parameter,value,unit,stat_base\nP1,COD,100,mg/L,single_sample\nP1,pH,9,mg/L,single_sample\n"},
			FileLimits, 3, "unit", param.ErrIncompatibleUnit},
		{"limit stat base", map[string]string{FileFacilities: okFacility, FilePermits: okPermit,
			FileLimits: "per_no,parameter,value,unit,stat_base\nP1,COD,100,mg/L,fortnightly\n"},
			FileLimits, 2, "stat_base", dmr.ErrUnknownStatBase},
		{"limit on unknown outfall", map[string]string{FileFacilities: okFacility, FilePermits: okPermit,
			FileLimits: "per_no,let,parameter,value,unit,stat_base\nP1,D09,COD,100,mg/L,single_sample\n"},
			FileLimits, 2, "let", nil},
		{"report flow unit", map[string]string{FileFacilities: okFacility, FilePermits: okPermit,
			FileReports: "ems_no,per_no,period_start,period_end,parameter,value,unit,stat_base,flow,flow_unit\nF1,P1,2024-01-01,2024-03-31,COD,40,mg/L,single_sample,900,mg/L\n"},
			FileReports, 2, "flow_unit", param.ErrIncompatibleUnit},
		{"outfall without location", map[string]string{FileFacilities: okFacility, FileOutfalls: "ems_no,let,x,y\nF1,D01,,\n"},
			FileOutfalls, 2, "x", nil},
		{"unexpected file", map[string]string{"station.csv": okStations},
			"station.csv", 0, "", nil},
		{"ragged row", map[string]string{FileStations: okStations + "S2,Bridge,fixed\n"},
			FileStations, 3, "", nil},
		{"pH 99", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,pH,99,pH\n"},
			FileReadings, 2, "value", param.ErrInvalidValue},
		{"DO 40 mg/L", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,DO,40,mg/L\n"},
			FileReadings, 2, "value", param.ErrInvalidValue},
		{"COD 1e300", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00Z,COD,1e300,mg/L\n"},
			FileReadings, 2, "value", param.ErrInvalidValue},
		{"river flow above the ceiling", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit,flow,flow_unit\nS1,2024-05-01T09:30:00Z,COD,10,mg/L,1e300,m3/s\n"},
			FileReadings, 2, "flow", param.ErrInvalidValue},
		{"reported discharge above the ceiling", map[string]string{FileFacilities: okFacility, FilePermits: okPermit,
			FileReports: "ems_no,per_no,period_start,period_end,parameter,value,unit,stat_base,flow,flow_unit\nF1,P1,2024-01-01,2024-03-31,COD,40,mg/L,single_sample,1e300,CMD\n"},
			FileReports, 2, "flow", param.ErrInvalidValue},
		{"permit volume above the ceiling", map[string]string{FileFacilities: okFacility, FilePermits: "per_no,ems_no,per_sdate,per_edate,per_water\nP1,F1,2022-01-01,2026-12-31,1e300\n"},
			FilePermits, 2, "per_water", nil},
		{"unknown water class", map[string]string{FileStations: "station_id,name,kind,x,y,water_class\nS1,Bridge,fixed,216829.433,2671419.288,己\n"},
			FileStations, 2, "water_class", nil},
		{"unknown county", map[string]string{FileStations: "station_id,name,kind,x,y,county\nS1,Bridge,fixed,216829.433,2671419.288,Taichung\n"},
			FileStations, 2, "county", nil},
		{"tidal not a flag", map[string]string{FileStations: "station_id,name,kind,x,y,tidal\nS1,Bridge,fixed,216829.433,2671419.288,sometimes\n"},
			FileStations, 2, "tidal", nil},
		{"conflicting readings", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00+08:00,COD,12,mg/L\nS1,2024-05-01T09:30:00+08:00,DO,6,mg/L\nS1,2024-05-01T01:30:00Z,COD,15,mg/L\n"},
			FileReadings, 4, "value", nil},
		{"repeated reading", map[string]string{FileStations: okStations,
			FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00+08:00,Cu,0.02,mg/L\nS1,2024-05-01T09:30:00+08:00,Cu,20,µg/L\n"},
			FileReadings, 3, "time", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadDir(writeFiles(t, tc.files))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("not ErrInvalid: %v", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err %v is not %v", err, tc.is)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("no FieldError in %v", err)
			}
			if fe.File != tc.file || fe.Line != tc.line || fe.Column != tc.column {
				t.Fatalf("error at %s:%d column %q, want %s:%d column %q\n%v", fe.File, fe.Line, fe.Column, tc.file, tc.line, tc.column, err)
			}
			if tc.line > 0 && !strings.Contains(err.Error(), tc.file+":") {
				t.Fatalf("message does not name the file: %v", err)
			}
		})
	}
}

// TestConflictNamesBothRows: a second value for one station, time and
// parameter is rejected with both rows' lines and both values.
func TestConflictNamesBothRows(t *testing.T) {
	_, err := ReadDir(writeFiles(t, map[string]string{FileStations: okStations,
		FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00+08:00,Cu,0.02,mg/L\nS1,2024-05-01T01:30:00Z,Cu,35,µg/L\n"}))
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConflictError, got %v", err)
	}
	if ce.First.Value != 0.02 || math.Abs(ce.Second.Value-0.035) > 1e-12 {
		t.Fatalf("values %v and %v", ce.First.Value, ce.Second.Value)
	}
	for _, want := range []string{"readings.csv:3", "line 2", "0.02 mg/L", "0.035 mg/L"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

func TestStationClassAndTidal(t *testing.T) {
	ds, err := ReadDir(writeFiles(t, map[string]string{
		FileStations: "station_id,name,kind,x,y,water_class,tidal\nS1,Bridge,fixed,216829.433,2671419.288,丙,true\nS2,Mouth,fixed,216829.433,2671419.288,B,\n"}))
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := ds.Station("S1")
	s2, _ := ds.Station("S2")
	if s1.WaterClass != standard.C || !s1.Tidal || s2.WaterClass != standard.B || s2.Tidal {
		t.Fatalf("stations %+v %+v", s1, s2)
	}
}

// TestStationCounty: a stations file's county column takes a code or a
// name (臺/台), a station without one has none, and the column survives
// writing the directory back.
func TestStationCounty(t *testing.T) {
	ds, err := ReadDir(writeFiles(t, map[string]string{
		FileStations: "station_id,name,kind,x,y,county\nS1,A,fixed,216829.433,2671419.288,彰化縣\nS2,B,fixed,216829.433,2671419.288,台中市\nS3,C,fixed,216829.433,2671419.288,txg\nS4,D,fixed,216829.433,2671419.288,\n"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"S1": "CHA", "S2": "TXG", "S3": "TXG", "S4": ""}
	check := func(when string, ds *Dataset) {
		for id, c := range want {
			if s, ok := ds.Station(id); !ok || s.County != c {
				t.Errorf("%s: station %s county %q, want %q", when, id, s.County, c)
			}
		}
	}
	check("read", ds)
	dir := t.TempDir()
	if err := WriteDir(dir, ds); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	check("written and read back", back)
}

func TestReadDirAccepts(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		FileFacilities: "\ufeffems_no,fac_name,lon,lat\nF1,Plant,120.6736,24.1477\n", // Excel BOM
		FilePermits:    okPermit,
		FileLimits:     "per_no,parameter,value,unit,stat_base,bound\nP1,氫離子濃度指數,6,s.u.,最大限值,lower\nP1,Cu,3000,ug/L,daily max,\nP1,flow,,CMD,daily_max,\n",
		FileStations:   "station_id,name,kind,lon,lat\nS1,Bridge,定點,120.6736,24.1477\n",
		FileReadings:   "station_id,time,parameter,value,unit,flow,flow_unit\nS1,2024-05-01T09:30:00+08:00,氨氮,<0.01,mg/L,120,cfs\nS1,2024-05-01T01:30:00Z,導電度,350,uS/cm,,\n",
		"README.md":    "notes are allowed",
	})
	ds, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ds.NetworkPath != "" {
		t.Fatalf("network %q", ds.NetworkPath)
	}
	f, _ := ds.Facility("F1")
	if f == nil || math.Abs(f.Location.X-216829.433) > 0.01 {
		t.Fatalf("facility %+v", f)
	}
	l := ds.LimitsOf("P1")
	// Values arrive in canonical units: 3000 µg/L is 3 mg/L, 120 ft³/s is
	// 120 × 0.3048³ m³/s, and a report-only flow limit's unit becomes m³/s.
	if l[0].Parameter != "pH" || l[0].Bound != dmr.Lower || l[0].StatBase != dmr.SingleSample || l[1].Unit != "mg/L" || l[1].Value != 3 ||
		!l[2].ReportOnly || l[2].Unit != "m³/s" {
		t.Fatalf("limits %+v", l)
	}
	r := ds.ReadingsAt("S1")
	if r[0].Parameter != "NH3-N" || !r[0].Censored || r[0].Value != 0.01 || r[0].FlowUnit != "m³/s" || math.Abs(r[0].Flow-120*0.028316846592) > 1e-12 ||
		r[1].Parameter != "COND" || r[1].Unit != "µS/cm" {
		t.Fatalf("readings %+v", r)
	}
	if _, off := r[0].Time.Zone(); off != 8*3600 {
		t.Fatalf("zone offset %d", off)
	}
}

func TestWriteDirSafety(t *testing.T) {
	parent := t.TempDir()
	t.Run("refuses a directory with other files", func(t *testing.T) {
		dir := filepath.Join(parent, "work")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "thesis.docx"), []byte("precious"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteDir(dir, sample(t)); err == nil {
			t.Fatal("replaced a directory holding a user file")
		}
		if b, err := os.ReadFile(filepath.Join(dir, "thesis.docx")); err != nil || string(b) != "precious" {
			t.Fatal("user file damaged")
		}
	})
	t.Run("invalid dataset leaves the old directory intact", func(t *testing.T) {
		dir := filepath.Join(parent, "data")
		if err := WriteDir(dir, sample(t)); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(filepath.Join(dir, FileReadings))
		bad := sample(t)
		bad.readings[0].Unit = "m3/s" // NH3-N in m³/s
		err := WriteDir(dir, bad)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.File != FileReadings || fe.Record != 0 || fe.Column != "unit" {
			t.Fatalf("err = %v", err)
		}
		after, _ := os.ReadFile(filepath.Join(dir, FileReadings))
		if string(before) != string(after) {
			t.Fatal("directory changed by a refused write")
		}
	})
	t.Run("overwrite replaces and leaves no temporary files", func(t *testing.T) {
		dir := filepath.Join(parent, "data")
		ds := sample(t)
		ds.readings = ds.readings[:1]
		if err := WriteDir(dir, ds); err != nil {
			t.Fatal(err)
		}
		got, err := ReadDir(dir)
		if err != nil || len(got.readings) != 1 {
			t.Fatalf("%v, %d readings", err, len(got.readings))
		}
		// Rewriting a dataset read from the same directory keeps its network.
		if err := WriteDir(dir, got); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "network.geojson")); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("left behind %s", e.Name())
			}
		}
	})
}

func TestReadReadings(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "batch-0814.csv")
	os.WriteFile(good, []byte("station_id,time,parameter,value,unit,flow,flow_unit\nWQ-1,2026-08-14T04:00:00+08:00,Cu,1.8,mg/L,0.6,m3/s\nWQ-1,2026-08-14T05:00:00+08:00,銅,<0.02,mg/L,0.6,m3/s\n"), 0o644)
	rs, err := ReadReadings(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Parameter != "Cu" || rs[1].Parameter != "Cu" || !rs[1].Censored {
		t.Fatalf("readings = %+v", rs)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("station_id,time,parameter,value,unit\nWQ-1,2026-08-14T04:00:00,Cu,1.8,mg/L\nWQ-1,2026-08-14T04:00:00+08:00,Cu,1.8,furlongs\n"), 0o644)
	_, err = ReadReadings(bad)
	if err == nil || !strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), "furlongs") || !strings.Contains(err.Error(), "bad.csv:2") {
		t.Fatalf("err = %v", err)
	}
}

// TestDigest: the digest names the records, not where they came from.
func TestDigest(t *testing.T) {
	files := map[string]string{FileStations: okStations,
		FileReadings: "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00+08:00,Cu,0.02,mg/L\n"}
	a, err := ReadDir(writeFiles(t, files))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ReadDir(writeFiles(t, files))
	if a.Digest() != b.Digest() || !strings.HasPrefix(a.Digest(), "sha256:") || len(a.Digest()) != len("sha256:")+32 {
		t.Fatalf("digests %q and %q", a.Digest(), b.Digest())
	}
	files[FileReadings] = "station_id,time,parameter,value,unit\nS1,2024-05-01T09:30:00+08:00,Cu,0.03,mg/L\n"
	c, _ := ReadDir(writeFiles(t, files))
	if c.Digest() == a.Digest() {
		t.Fatal("a changed value keeps the digest")
	}
	files[FileReadings] = "station_id,time,parameter,value,unit\nS1,2024-05-01T01:30:00Z,Cu,0.02,mg/L\n"
	z, _ := ReadDir(writeFiles(t, files))
	if z.Digest() == a.Digest() {
		t.Fatal("the zone a time was written in is part of the record")
	}
	files[FileReadings] = "station_id,time,parameter,value,unit,sample_id\nS1,2024-05-01T09:30:00+08:00,Cu,0.02,mg/L,S-01\n"
	l, _ := ReadDir(writeFiles(t, files))
	if l.Digest() == a.Digest() {
		t.Fatal("the laboratory record is part of the reading")
	}
}

// TestFacilitiesOutsideTaiwan reads a facility given by lon/lat in
// Pittsburgh (the odour test data): it keeps its lon/lat, has no TM2
// location, survives WriteDir, and the air and odour files beside it are
// left to their owners rather than refused.
func TestFacilitiesOutsideTaiwan(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		FileFacilities:  "ems_no,fac_name,industry,lon,lat\nCLAIRTON,Clairton Coke Works,coke,-79.876692,40.305062\nF1,Plant,,120.6736,24.1477\n",
		FilePetitions:   "read by tracing/odour",
		FileWind:        "read by atmos",
		FileMonitors:    "read by atmos",
		FileAirReadings: "read by tracing/air",
	})
	ds, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := ds.Facility("CLAIRTON")
	if f == nil || f.Location != nil || f.Geo == nil || f.Geo.Lon != -79.876692 {
		t.Fatalf("facility %+v", f)
	}
	if lon, lat, ok := f.Position(); !ok || lon != -79.876692 || lat != 40.305062 {
		t.Errorf("Position = %v %v %v", lon, lat, ok)
	}
	if tw, _ := ds.Facility("F1"); tw.Geo != nil || tw.Location == nil {
		t.Errorf("a Taiwanese facility got %+v", tw)
	}
	out := filepath.Join(t.TempDir(), "out")
	if err := WriteDir(out, ds); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := back.Facility("CLAIRTON"); g.Geo == nil || *g.Geo != *f.Geo {
		t.Errorf("after WriteDir: %+v", g)
	}
	for _, bad := range []string{
		"ems_no,fac_name,x,y\nF,Plant,-79.8,40.3\n",         // lon/lat in x/y
		"ems_no,fac_name,lon,lat\nF,Plant,216829,2671419\n", // metres in lon/lat
		"ems_no,fac_name,x,y,lon,lat\nF,Plant,216829.433,2671419.288,-79.8,40.3\n",
	} {
		if _, err := ReadDir(writeFiles(t, map[string]string{FileFacilities: bad})); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

// TestIndexCopyWhileReading: a copy of an indexed dataset that shares its
// record slices, with a reading appended, is indexed while the original
// serves lookups, as the in-memory server does on every ingest. Index
// writes no record that is canonical already; under -race a write would
// be reported.
func TestIndexCopyWhileReading(t *testing.T) {
	ds := sample(t)
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	next := *ds
	next.readings = append(slices.Clone(ds.readings),
		Reading{Station: "1001", Time: time.Date(2024, 6, 1, 9, 30, 0, 0, taipei), Parameter: "Cu", Value: 7, Unit: "µg/L"})
	done := make(chan float64)
	go func() {
		var sum float64
		for range 200 {
			for i := range ds.Limits {
				sum += ds.Limits[i].Value
			}
			for i := range ds.Reports {
				sum += ds.Reports[i].Value
			}
			for i := range ds.readings {
				sum += ds.readings[i].Value
			}
		}
		done <- sum
	}()
	if err := next.Index(); err != nil {
		t.Fatal(err)
	}
	<-done
	if last := next.readings[len(next.readings)-1]; last.Value != 0.007 || last.Unit != "mg/L" {
		t.Errorf("the appended reading was not converted: %+v", last)
	}
}
