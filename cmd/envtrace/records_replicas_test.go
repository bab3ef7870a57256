package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/model"
)

// weighed is one facility of a trace's answer, as this test reads it.
type weighed struct {
	FacilityID string `json:"facility_id"`
	Evidence   struct {
		Permit string `json:"permit"`
	} `json:"evidence"`
}

// traceOn traces the scenario's reading on r and maps every facility the
// trace weighed to its list and permit ("suspects P-1").
func traceOn(t *testing.T, r *replica, sc fixtures.Scenario) (string, map[string]string) {
	t.Helper()
	q := url.Values{"station": {sc.Station}, "parameter": {sc.Parameter}, "value": {fmt.Sprint(sc.Value)},
		"unit": {sc.Unit}, "time": {sc.Time.Format(time.RFC3339)}, "flow": {fmt.Sprint(sc.FlowM3s)}}
	var tr struct {
		Verdict      string    `json:"verdict"`
		Suspects     []weighed `json:"suspects"`
		Insufficient []weighed `json:"insufficient"`
		RuledOut     []weighed `json:"ruled_out"`
	}
	getJSON(t, r.base+"/api/v1/trace?"+q.Encode(), &tr)
	out := map[string]string{}
	for list, ws := range map[string][]weighed{"suspects": tr.Suspects, "insufficient": tr.Insufficient, "ruled_out": tr.RuledOut} {
		for _, w := range ws {
			out[w.FacilityID] = list + " " + w.Evidence.Permit
		}
	}
	return tr.Verdict, out
}

// importRecords writes ds as a data directory and imports it with the
// CLI, as a bureau would while the replicas run.
func importRecords(t *testing.T, dbURL string, ds *model.Dataset) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "records")
	if err := model.WriteDir(dir, ds); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCmd(t, "import", "--db", dbURL, "--data", dir); code != 0 {
		t.Fatalf("import: exit %d: %s %s", code, out, errs)
	}
}

// servedAt returns the value r serves for station's parameter at instant
// at, and whether it serves one.
func servedAt(t *testing.T, r *replica, station, parameter string, at time.Time) (float64, bool) {
	t.Helper()
	q := url.Values{"parameter": {parameter}, "from": {at.Format(time.RFC3339)}, "to": {at.Add(time.Second).Format(time.RFC3339)}}
	var page struct{ Readings []struct{ Value float64 } }
	if code := httpJSON(t, http.MethodGet, r.base+"/api/v1/stations/"+url.PathEscape(station)+"/readings?"+q.Encode(), "", &page); code != http.StatusOK {
		return 0, false // an unknown station is a 404 until the replica holds it
	}
	if len(page.Readings) == 0 {
		return 0, false
	}
	return page.Readings[0].Value, true
}

// TestRecordsReachRunningReplicas runs two `serve --db` on one database
// and imports, with the CLI while they run, what used to need a restart:
//   - a new discharger beside the culprit of a fixture scenario, with its
//     outfall, permit and limits: the trace on both replicas then weighs it
//     under its new permit; its outfall moved away, the trace stops
//     naming it;
//   - a new station with a reading: both replicas serve the reading (they
//     used to stop, unable to hold it);
//   - a corrected value of a stored reading (it keeps its seq): both serve
//     the new value.
//
// The inspection ranking on the second replica lists the new facility.
func TestRecordsReachRunningReplicas(t *testing.T) {
	dbURL := replicaDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	a, b := startReplica(ctx, t, dbURL), startReplica(ctx, t, dbURL)
	defer func() {
		cancel()
		for _, r := range []*replica{a, b} {
			if code := <-r.done; code != 0 {
				t.Errorf("serve at %s exited with %d:\n%s", r.base, code, r.errs.String())
			}
		}
	}()
	dir := filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	ds, err := model.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	scs, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	var sc fixtures.Scenario
	for _, s := range scs {
		if s.ID == "night-plating-canal" {
			sc = s
		}
	}
	if sc.ID == "" {
		t.Fatal("the fixture has no night-plating-canal scenario")
	}
	verdict, before := traceOn(t, b, sc)
	if verdict != "explained" || before[sc.Culprit] == "" {
		t.Fatalf("the test needs a trace naming the culprit %s: %s %v", sc.Culprit, verdict, before)
	}

	// A second plant of the culprit's industry at the culprit's outfall,
	// permitted like it.
	culprit, _ := ds.Facility(sc.Culprit)
	twin := *culprit
	twin.EmsNo, twin.Name = "L0000001", "同業新廠"
	var outs []model.Outfall
	for _, o := range ds.OutfallsOf(sc.Culprit) {
		o2 := *o
		o2.Facility = twin.EmsNo
		outs = append(outs, o2)
	}
	var permits []model.Permit
	var limits []model.PermitLimit
	for i, p := range ds.PermitsOf(sc.Culprit) {
		p2 := *p
		p2.PerNo, p2.Facility = fmt.Sprintf("LIVE-%d", i+1), twin.EmsNo
		permits = append(permits, p2)
		for _, l := range ds.LimitsOf(p.PerNo) {
			l2 := *l
			l2.Permit = p2.PerNo
			limits = append(limits, l2)
		}
	}
	if len(outs) == 0 || len(permits) == 0 {
		t.Fatalf("the culprit %s has %d outfalls and %d permits", sc.Culprit, len(outs), len(permits))
	}
	// The twin is weighed as the culprit is, under its copy of the
	// culprit's permit.
	list, per, _ := strings.Cut(before[sc.Culprit], " ")
	want := ""
	for i, p := range ds.PermitsOf(sc.Culprit) {
		if p.PerNo == per {
			want = list + " " + permits[i].PerNo
		}
	}
	if want == "" {
		t.Fatalf("the culprit is weighed under %q, none of its permits", per)
	}
	records := &model.Dataset{Facilities: []model.Facility{twin}, Outfalls: outs, Permits: permits, Limits: limits}
	start := time.Now()
	importRecords(t, dbURL, records)
	imported := time.Since(start)
	for _, r := range []*replica{b, a} {
		lag := waitUntil(t, "the new discharger in the trace on "+r.base, func() bool {
			_, names := traceOn(t, r, sc)
			return names[twin.EmsNo] != ""
		})
		_, names := traceOn(t, r, sc)
		if got := names[twin.EmsNo]; got != want {
			t.Errorf("%s weighs the new discharger as %q, want %q, as it weighs the culprit (%q)", r.base, got, want, names[sc.Culprit])
		}
		t.Logf("%s traced with the new discharger %v after the import returned (import: %v)", r.base, lag, imported)
	}

	// The new discharger's outfall moves to an outfall the trace does not
	// reach: the trace stops naming it.
	far := -1
	for i, o := range ds.Outfalls {
		if before[o.Facility] == "" {
			far = i
			break
		}
	}
	if far < 0 {
		t.Fatal("every outfall of the fixture is upstream of the scenario's station")
	}
	moved := outs[0]
	moved.Point = ds.Outfalls[far].Point
	importRecords(t, dbURL, &model.Dataset{Facilities: []model.Facility{twin}, Outfalls: []model.Outfall{moved}})
	waitUntil(t, "the moved discharger to leave the trace", func() bool {
		_, names := traceOn(t, b, sc)
		return names[twin.EmsNo] == "" && names[sc.Culprit] != ""
	})

	// The inspection ranking lists the new facility.
	var rk struct {
		Facilities []struct {
			FacilityID string `json:"facility_id"`
		} `json:"facilities"`
	}
	getJSON(t, b.base+"/api/v1/inspect/rank?as_of=2026-09-01", &rk)
	ranked := false
	for _, f := range rk.Facilities {
		ranked = ranked || f.FacilityID == twin.EmsNo
	}
	if !ranked {
		t.Errorf("the ranking on %s does not list the new facility %s", b.base, twin.EmsNo)
	}

	// A new station and its first reading, imported together: the
	// replicas hold both (the reading may reach a replica before the
	// station's records do).
	st := ds.Stations[0]
	st.ID, st.Name = "WQ-LIVE", "新測站"
	at := time.Date(2027, 2, 1, 8, 0, 0, 0, time.UTC)
	importRecords(t, dbURL, withReadings(&model.Dataset{Stations: []model.Station{st}},
		model.Reading{Station: st.ID, Time: at, Parameter: "NH3-N", Value: 0.3, Unit: "mg/L"}))
	for _, r := range []*replica{b, a} {
		waitUntil(t, "the new station's reading on "+r.base, func() bool { v, ok := servedAt(t, r, st.ID, "NH3-N", at); return ok && v == 0.3 })
	}
	// A reading posted to one replica at the new station reaches the other.
	body, _ := json.Marshal([]map[string]any{{"station": st.ID, "time": at.Add(time.Hour).Format(time.RFC3339), "parameter": "NH3-N", "value": 0.31, "unit": "mg/L"}})
	if code := httpJSON(t, http.MethodPost, a.base+"/api/v1/readings", string(bytes.TrimSpace(body)), nil); code != http.StatusOK {
		t.Fatalf("POST a reading of the new station: %d", code)
	}
	waitUntil(t, "the posted reading on "+b.base, func() bool { v, ok := servedAt(t, b, st.ID, "NH3-N", at.Add(time.Hour)); return ok && v == 0.31 })

	// The laboratory corrects the first reading: re-imported, it keeps its
	// seq, and both replicas serve the corrected value.
	importRecords(t, dbURL, withReadings(&model.Dataset{Stations: []model.Station{st}},
		model.Reading{Station: st.ID, Time: at, Parameter: "NH3-N", Value: 0.35, Unit: "mg/L"}))
	for _, r := range []*replica{b, a} {
		waitUntil(t, "the corrected value on "+r.base, func() bool { v, _ := servedAt(t, r, st.ID, "NH3-N", at); return v == 0.35 })
	}
}

// BenchmarkRecordsReplicaLatency measures how long a record changed by an
// import (a facility's note) and a reading value corrected by the same
// import take to be served by a running replica (the goal is ≤ 1 s),
// against the time the import itself takes (the baseline: its two
// commits in PostGIS).
func BenchmarkRecordsReplicaLatency(b *testing.B) {
	dbURL := replicaDB(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := startReplica(ctx, b, dbURL)
	pool, err := postgis.Open(ctx, dbURL, postgis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	ds, err := store.LoadDataset(ctx, pool)
	if err != nil {
		b.Fatal(err)
	}
	fac := ds.Facilities[0]
	at := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	reading := model.Reading{Station: "WQ-M06", Time: at, Parameter: "NH3-N", Value: 0.5, Unit: "mg/L"}
	if _, _, err := store.IngestReadings(ctx, pool, []model.Reading{reading}); err != nil {
		b.Fatal(err)
	}
	waitReading(b, r, at, 0.5)
	var imp, toFacility, toCorrection, worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fac.Note = fmt.Sprintf("benchmark %d", i)
		reading.Value = 0.501 + float64(i)/1000
		start := time.Now()
		if err := store.ImportDataset(ctx, pool, withReadings(&model.Dataset{Facilities: []model.Facility{fac}}, reading), nil); err != nil {
			b.Fatal(err)
		}
		imported := time.Now()
		imp += imported.Sub(start)
		var seenFacility, seenCorrection time.Duration
		for seenFacility == 0 || seenCorrection == 0 {
			if seenFacility == 0 && strings.Contains(getBody(b, r.base+"/api/v1/facilities/"+url.PathEscape(fac.EmsNo)), fac.Note) {
				seenFacility = time.Since(imported)
			}
			if v, ok := readingAt(b, r, at); seenCorrection == 0 && ok && v == reading.Value {
				seenCorrection = time.Since(imported)
			}
			if time.Since(imported) > 30*time.Second {
				b.Fatalf("the replica does not serve import %d after 30 s", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		toFacility += seenFacility
		toCorrection += seenCorrection
		worst = max(worst, seenFacility, seenCorrection)
	}
	b.StopTimer()
	n := time.Duration(b.N)
	b.ReportMetric(float64((imp/n).Microseconds())/1000, "ms-import")
	b.ReportMetric(float64((toFacility/n).Microseconds())/1000, "ms-record-to-replica")
	b.ReportMetric(float64((toCorrection/n).Microseconds())/1000, "ms-correction-to-replica")
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms-worst")
	b.ReportMetric(float64(toFacility)/float64(imp), "ratio-record-vs-import")
	b.ReportMetric(2, "records/op")
}

// getBody GETs url and returns its 200 body.
func getBody(t testing.TB, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(body)
}

// withReadings is ds, a literal of records, holding rs as its readings.
func withReadings(ds *model.Dataset, rs ...model.Reading) *model.Dataset {
	ds.SetReadings(rs)
	return ds
}
