package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// allLocData reads the course file once per test binary.
var allLocData = sync.OnceValues(func() (*sensor.Data, error) {
	path, err := realdata.Locate()
	if err != nil {
		return nil, err
	}
	return sensor.ReadCivilIoTFile(filepath.Join(path, "air/civiliot_kaohsiung/allLoc.csv"))
})

// airServer serves the central fixture with air sources: the course's
// sensors (or the given ones) and the air-permit sample.
func airServer(t *testing.T, sensors *sensor.Data) (*api.Server, *airquery.Sources) {
	t.Helper()
	if sensors == nil {
		realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv") // skips, or fails under REQUIRE_REALDATA, when missing
		d, err := allLocData()
		if err != nil {
			t.Fatal(err)
		}
		sensors = d
	}
	return airServerIn(t, t.TempDir(), sensors)
}

// sharedAir is the one air server over the course's sensors that the
// tests which only read share (sharedAirServer).
var sharedAir struct {
	once sync.Once
	srv  *api.Server
	src  *airquery.Sources
}

// sharedAirServer is airServer(t, nil) built once per test binary, for
// tests that only read: building it screens the course's sensors for the
// OGC layers (seconds under -race), and a server no test changes answers
// each reader as a fresh one would.
func sharedAirServer(t *testing.T) (*api.Server, *airquery.Sources) {
	t.Helper()
	sharedAir.once.Do(func() {
		realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv")
		d, err := allLocData()
		if err != nil {
			t.Fatal(err)
		}
		dir, err := mkdirTemp()
		if err != nil {
			t.Fatal(err)
		}
		sharedAir.srv, sharedAir.src = airServerIn(t, dir, d)
	})
	if sharedAir.srv == nil {
		t.Fatal("the shared air server failed to build in an earlier test")
	}
	return sharedAir.srv, sharedAir.src
}

// airServerIn is airServer with the permit sample written into dir.
func airServerIn(t *testing.T, dir string, sensors *sensor.Data) (*api.Server, *airquery.Sources) {
	t.Helper()
	for _, n := range []string{"air_permits.csv", "fuel_declarations.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "tracing", "airpermit", "testdata", "sample", n))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, n), b, 0o644)
	}
	fx, err := centralData()
	if err != nil {
		t.Fatal(err)
	}
	d, err := datadir.ReadWith(dir, fx.basin.DS) // the permit sample, read as serve reads a directory
	if err != nil {
		t.Fatal(err)
	}
	if len(d.AirPermits.Permits) == 0 {
		t.Fatal("the directory's air permits were not read")
	}
	d.Sensors = sensors
	mb, err := api.NewMemoryBackendWithBasin(fx.basin, api.WithAirData(d))
	if err != nil {
		t.Fatal(err)
	}
	src := airquery.FromDir(d)
	return newServer(t, quietConfig(), mb), src
}

// TestAirAnomaliesTwin: GET /api/v1/air/anomalies answers the same JSON
// as `envtrace air anomalies --json` (airquery.RunAnomalies on the same
// data), and the classes are the reference's.
func TestAirAnomaliesTwin(t *testing.T) {
	s, src := sharedAirServer(t)
	rec := get(t, s.Handler(), "/api/v1/air/anomalies?from=2022-10-15T00:00:00%2B08:00&to=2022-10-29T00:00:00%2B08:00")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	from := time.Date(2022, 10, 15, 0, 0, 0, 0, sensor.Taipei)
	want, err := airquery.RunAnomalies(context.Background(), src, airquery.Anomalies{From: from, To: from.AddDate(0, 0, 14)})
	if err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(want)
	var a, b any
	json.Unmarshal(rec.Body.Bytes(), &a)
	json.Unmarshal(wb, &b)
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("the REST answer differs from the CLI's")
	}
	if len(want.RED) != 157 {
		t.Fatalf("RED %d", len(want.RED))
	}
}

// TestAirRoutesMatchOpenAPI validates answers, good and bad, against the
// document.
func TestAirRoutesMatchOpenAPI(t *testing.T) {
	_, router := loadOpenAPI(t)
	s, _ := sharedAirServer(t)
	tests := []struct {
		target     string
		validInput bool
		status     int
	}{
		{"/api/v1/air/anomalies?from=2022-10-27T00:00:00%2B08:00&to=2022-10-29T00:00:00%2B08:00&distance=course", true, 200},
		{"/api/v1/air/anomalies?from=2022-10-27T00:00:00%2B08:00", false, 400},
		{"/api/v1/air/anomalies?from=2022-10-29T00:00:00%2B08:00&to=2022-10-27T00:00:00%2B08:00", true, 400},
		{"/api/v1/air/anomalies?from=2022-10-27T00:00:00%2B08:00&to=2022-10-29T00:00:00%2B08:00&distance=manhattan", false, 400},
		{"/api/v1/hotspots?signal=sensor-exceedances&method=gi&hex_edge=1000", true, 200},
		{"/api/v1/hotspots?signal=sensor-exceedances&method=ehsa", true, 200},
		{"/api/v1/hotspots?signal=sensor-exceedances&method=scan&replicates=19", true, 200},
		{"/api/v1/hotspots?signal=petitions&method=gi", true, 422},
		{"/api/v1/hotspots?signal=sensor-exceedances&method=kde", false, 400},
		{"/api/v1/hotspots?signal=sensor-exceedances&method=gi&areas=../../etc/passwd", true, 400},
		{"/api/v1/checks/air-permits", true, 200},
		{"/api/v1/air/attribution?from=2022-10-27T00:00:00%2B08:00&to=2022-10-29T00:00:00%2B08:00", true, 422},
		{"/api/v1/air/attribution?from=2022-10-27T00:00:00%2B08:00", false, 400},
		{"/api/v1/air/risk?from=2022-10-27T00:00:00%2B08:00&to=2022-10-29T00:00:00%2B08:00", true, 200},
		{"/api/v1/air/risk?from=2022-10-27T00:00:00%2B08:00&to=2022-10-29T00:00:00%2B08:00&hex_edge=-5", false, 400},
		{"/api/v1/air/calibration?sensor=74DA38F207DE&reference=74DA38F20B20&day=2022-10-28", true, 400},
		{"/api/v1/air/calibration?sensor=74DA38F207DE", false, 400},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			checkOpenAPI(t, router, s.Handler(), httptest.NewRequest(http.MethodGet, tc.target, nil), nil, tc.validInput)
		})
	}
}

// TestAirIngest posts Civil IoT rows: new ones are added, the same rows
// again are duplicates, a conflicting value is a 400 naming the body.
func TestAirIngest(t *testing.T) {
	_, router := loadOpenAPI(t)
	seed := &sensor.Data{Sensors: []sensor.Sensor{{ID: "OLD001", Point: model.FromLonLat(120.3, 22.6), Lon: 120.3, Lat: 22.6, Kind: sensor.KindAirBox}}}
	s, _ := airServer(t, seed)
	body := "device_id,date,time,temperature,RH,PM2.5,lat,lon\nNEW001,2022-10-28,12:00:00,27,80,15,22.61,120.30\n"
	post := func(b string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/air/readings?format=civiliot", bytes.NewBufferString(b))
		req.Header.Set("Content-Type", "text/csv")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	rec := post(body)
	if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"readings_added":3`)) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = post(body)
	if !bytes.Contains(rec.Body.Bytes(), []byte(`"duplicates":3`)) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = post("device_id,date,time,temperature,RH,PM2.5,lat,lon\nNEW001,2022-10-28,12:00:00,27,80,99,22.61,120.30\n")
	if rec.Code != 400 {
		t.Fatalf("conflict answered %d", rec.Code)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/air/readings?format=civiliot", nil)
	req.Header.Set("Content-Type", "text/csv")
	checkOpenAPI(t, router, s.Handler(), req, []byte(body), true)
}

// TestSensorAnomaliesOGC: the OGC sensor-anomalies layer screens the last
// 14 days of the course file held in memory, which is the course's window,
// so its classes are acceptance test A-T1's: 7 indoor and 6 emission
// devices; class filters by equality.
func TestSensorAnomaliesOGC(t *testing.T) {
	s, _ := sharedAirServer(t)
	rec := get(t, s.Handler(), "/ogc/collections/sensor-anomalies/items?limit=100")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	fc := decode[struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}](t, rec.Body.Bytes())
	count := map[string]int{}
	for _, f := range fc.Features {
		count[f.Properties["class"].(string)]++
	}
	if len(fc.Features) != 20 || count["indoor"] != 7 || count["emission"] != 6 {
		t.Fatalf("%d sensors, classes %v", len(fc.Features), count)
	}
	rec = get(t, s.Handler(), "/ogc/collections/sensor-anomalies/items?class=emission")
	if n := len(decode[struct {
		Features []any `json:"features"`
	}](t, rec.Body.Bytes()).Features); rec.Code != 200 || n != 6 {
		t.Errorf("class=emission: %d, %d features", rec.Code, n)
	}
}

// TestAirAttributionFollowsAppliedPermits: air permits a replica applies
// after it started (MemoryBackend.ApplyAirPermits, which `serve --db`
// calls as its follower reads them) show at once in the permit checks and
// in the air attribution's candidate: the rendering plant under the
// planted plume gains its permit and the capacity finding, and its
// compliance multiplier rises with the finding.
func TestAirAttributionFollowsAppliedPermits(t *testing.T) {
	mb, h, target := plantedAttribution(t)
	plant := func() attributionCompliance {
		t.Helper()
		c, ok := attributionCandidates(t, h, target)["Q7301001"]
		if !ok {
			t.Fatalf("the rendering plant is not a candidate of %s", target)
		}
		return c
	}
	const perNo = "府環空操證字第9002號"
	before := plant()
	for _, p := range before.AirPermits {
		if p.PerNo == perNo {
			t.Fatal("the permit is there before it was applied")
		}
	}
	mb.ApplyAirPermits(&airpermit.Data{Permits: []airpermit.Permit{{Facility: "Q7301001", PerNo: perNo, Process: "M01", Stack: "P001",
		Industry: "rendering", Pollutant: "SO2", PermittedKgH: 500, Capacity: 1, Fuel: "重油", SulphurPct: 0.5}}})
	after := plant()
	hasPermit := slices.ContainsFunc(after.AirPermits, func(p struct {
		PerNo string `json:"per_no"`
	}) bool {
		return p.PerNo == perNo
	})
	hasFinding := slices.ContainsFunc(after.AirFindings, func(f struct{ Check string }) bool { return f.Check == "permit-capacity" })
	if !hasPermit || !hasFinding || after.Multiplier <= before.Multiplier {
		t.Errorf("after the permit was applied the plant's compliance is %+v (before %+v)", after, before)
	}
	rec := get(t, h, "/api/v1/checks/air-permits")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"facility":"Q7301001","permit":"`+perNo+`","check":"permit-capacity"`) {
		t.Errorf("the permit checks do not name the plant after the permit was applied: %d %.500s", rec.Code, rec.Body)
	}
}

// TestAirAttributionFollowsAppliedRecords: a facility applied to a
// running server (as a `serve --db` replica applies one another process
// imported, MemoryBackend.ApplyRecords) is a candidate of the air
// attribution at once. A second plant at the rendering plant's site, under
// the planted plume, is ranked beside it.
func TestAirAttributionFollowsAppliedRecords(t *testing.T) {
	mb, h, target := plantedAttribution(t)
	before := attributionCandidates(t, h, target)
	_, plant := before["Q7301001"]
	_, added := before["R0000002"]
	if !plant || added {
		t.Fatalf("the test needs the rendering plant Q7301001 as a candidate and no R0000002: %v", before)
	}
	src, ok := mb.Basin().DS.Facility("Q7301001")
	if !ok {
		t.Fatal("no facility Q7301001")
	}
	twin := *src
	twin.EmsNo, twin.Name = "R0000002", "同址新廠"
	if err := mb.ApplyRecords(context.Background(), &model.Dataset{Facilities: []model.Facility{twin}}); err != nil {
		t.Fatal(err)
	}
	after := attributionCandidates(t, h, target)
	_, plant = after["Q7301001"]
	_, added = after["R0000002"]
	if !plant || !added {
		t.Errorf("after the second plant was applied the candidates are %v, want Q7301001 and R0000002", after)
	}
}

// plantedAttribution serves the central fixture with a plume planted
// downwind of the rendering plant Q7301001, and returns the backend, the
// handler and the attribution request over the sensors' whole window.
func plantedAttribution(t *testing.T) (*api.MemoryBackend, http.Handler, string) {
	t.Helper()
	fx, err := centralData()
	if err != nil {
		t.Fatal(err)
	}
	air := *fx.air
	air.Sensors = plantedSensors(t, fx.air)
	mb, err := api.NewMemoryBackendWithBasin(fx.basin, api.WithAirData(&air))
	if err != nil {
		t.Fatal(err)
	}
	h := newServer(t, quietConfig(), mb).Handler()
	from, to := air.Sensors.Readings[0].Time, air.Sensors.Readings[0].Time
	for _, r := range air.Sensors.Readings {
		from, to = minTime(from, r.Time), maxTime(to, r.Time)
	}
	return mb, h, "/api/v1/air/attribution?" + url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Add(time.Minute).Format(time.RFC3339)}}.Encode()
}

// attributionCompliance is the part of a candidate's evidence the air
// attribution takes from the permits.
type attributionCompliance struct {
	AirPermits []struct {
		PerNo string `json:"per_no"`
	} `json:"air_permits"`
	AirFindings []struct{ Check string } `json:"air_findings"`
	Multiplier  float64                  `json:"multiplier"`
}

// attributionCandidates runs the attribution request and returns its
// candidates by facility.
func attributionCandidates(t *testing.T, h http.Handler, target string) map[string]attributionCompliance {
	t.Helper()
	rec := get(t, h, target)
	if rec.Code != 200 {
		t.Fatalf("attribution: %d %s", rec.Code, rec.Body)
	}
	var res struct {
		Attribution struct {
			Candidates []struct {
				FacilityID string `json:"facility_id"`
				Evidence   struct{ Compliance attributionCompliance }
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	out := map[string]attributionCompliance{}
	for _, c := range res.Attribution.Candidates {
		out[c.FacilityID] = c.Evidence.Compliance
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
