package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/store/storetest"
)

// getJSON GETs url and decodes its 200 answer into out.
func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	if code := httpJSON(t, http.MethodGet, url, "", out); code != http.StatusOK {
		t.Fatalf("GET %s: %d", url, code)
	}
}

// waitUntil polls cond every 100 ms until it holds or the generous
// timeout passes (the replicas share the machine with other work).
func waitUntil(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("timed out after 60 s waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// odourCandidate is the part of an odour ranking's candidate this test
// reads: its facility and its air-permit evidence.
type odourCandidate struct {
	FacilityID string `json:"facility_id"`
	Evidence   struct {
		Compliance struct {
			AirPermits []struct {
				PerNo string `json:"per_no"`
			} `json:"air_permits"`
			AirFindings []struct {
				Check string `json:"check"`
			} `json:"air_findings"`
		} `json:"compliance"`
	} `json:"evidence"`
}

// TestAirPermitsReachRunningReplicas runs two `serve --db` on one
// database and imports air permits, fuel declarations, CEMS records,
// rainfall and a bureau's factor with the CLI while they run: both serve
// GET /api/v1/checks/air-permits as `envtrace check air-permits --data`
// answers on the directory, and the odour ranking's first candidate
// carries its new air permit and finding, without a restart. A CEMS day
// posted to one replica (POST /api/v1/air/cems) reaches both, and its CLI
// twin `envtrace import cems` answers the same JSON.
func TestAirPermitsReachRunningReplicas(t *testing.T) {
	dbURL := storetest.DatabaseURL(t)
	dir := filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"db", "migrate", "--db", dbURL}, {"import", "--db", dbURL, "--data", dir}} {
		if code, _, errs := runCmd(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	replicas := []*replica{startReplica(ctx, t, dbURL), startReplica(ctx, t, dbURL)}

	scs, err := fixtures.OdourScenarios()
	if err != nil {
		t.Fatal(err)
	}
	rank := replicas[0].base + "/api/v1/odour/rank?" + url.Values{"from": {scs[0].From.Format(time.RFC3339)}, "to": {scs[0].To.Format(time.RFC3339)}}.Encode()
	var before struct{ Candidates []odourCandidate }
	getJSON(t, rank, &before)
	if len(before.Candidates) == 0 {
		t.Fatal("the odour ranking has no candidates")
	}
	first := before.Candidates[0]
	if n := len(first.Evidence.Compliance.AirPermits); n != 0 {
		t.Fatalf("%s has %d air permits before any were imported", first.FacilityID, n)
	}
	var empty struct{ Findings []any }
	getJSON(t, replicas[0].base+"/api/v1/checks/air-permits", &empty)
	if len(empty.Findings) != 0 {
		t.Fatalf("%d air-permit findings before any permit was imported", len(empty.Findings))
	}

	// The first candidate gets a permit far beyond what its boiler could
	// emit (1 kL/h of 0.5 % oil: about 9.4 kg/h of SO2 uncontrolled).
	writeAirPermitFiles(t, dir)
	permits := filepath.Join(dir, "air_permits.csv")
	b, err := os.ReadFile(permits)
	if err != nil {
		t.Fatal(err)
	}
	const perNo = "府環空操證字第9001號"
	b = append(b, []byte(first.FacilityID+","+perNo+",M01,P001,SO2,500,kg/h,1,kL/h,重油,0.5,紡織染整,2024-01-01,2028-12-31,test: far beyond capacity\n")...)
	if err := os.WriteFile(permits, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCmd(t, "import", "--db", dbURL, "--data", dir); code != 0 || !strings.Contains(out, "imported air permits: 5 new permits") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errs)
	}
	code, cli, errs := runCmd(t, "check", "air-permits", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("check air-permits: %s", errs)
	}
	var want any
	if err := json.Unmarshal([]byte(cli), &want); err != nil {
		t.Fatal(err)
	}
	for _, rule := range []string{"permit-capacity", "fuel-sulphur", "cems-flat-line", "stealth-emission"} {
		if !strings.Contains(cli, `"check": "`+rule+`"`) {
			t.Fatalf("the directory's report lacks %s: the test would not cover it", rule)
		}
	}
	for i, r := range replicas {
		took := waitUntil(t, "replica "+r.base+" to serve the imported air permits", func() bool {
			var got any
			getJSON(t, r.base+"/api/v1/checks/air-permits", &got)
			return reflect.DeepEqual(got, want)
		})
		t.Logf("replica %d served the imported permits' checks after %s", i, took)
		rank := r.base + "/api/v1/odour/rank?" + url.Values{"from": {scs[0].From.Format(time.RFC3339)}, "to": {scs[0].To.Format(time.RFC3339)}}.Encode()
		waitUntil(t, "replica "+r.base+"'s odour candidate to carry its air permit", func() bool {
			var res struct{ Candidates []odourCandidate }
			getJSON(t, rank, &res)
			for _, c := range res.Candidates {
				if c.FacilityID != first.FacilityID {
					continue
				}
				cm := c.Evidence.Compliance
				hasPermit, hasFinding := false, false
				for _, p := range cm.AirPermits {
					hasPermit = hasPermit || p.PerNo == perNo
				}
				for _, f := range cm.AirFindings {
					hasFinding = hasFinding || f.Check == "permit-capacity"
				}
				return hasPermit && hasFinding
			}
			return false
		})
	}

	// A flat-lined day of the candidate's stack, posted to one replica,
	// is stored and reaches both: the flat-line rule fires on it.
	var day strings.Builder
	day.WriteString("ems_no,stack_id,time,parameter,value,unit,status\n")
	start := time.Date(2024, 5, 13, 0, 0, 0, 0, time.FixedZone("+08", 8*3600))
	for k := range 96 {
		fmt.Fprintf(&day, "%s,P001,%s,SO2,42,ppm,10\n", first.FacilityID, start.Add(time.Duration(k)*15*time.Minute).Format(time.RFC3339))
	}
	resp, err := http.Post(replicas[0].base+"/api/v1/air/cems", "text/csv", strings.NewReader(day.String()))
	if err != nil {
		t.Fatal(err)
	}
	posted, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(posted) != `{"received":96,"inserted":96,"duplicates":0}`+"\n" {
		t.Fatalf("POST /api/v1/air/cems: %d %s", resp.StatusCode, posted)
	}
	for _, r := range replicas {
		waitUntil(t, "replica "+r.base+" to flag the posted flat line", func() bool {
			var rep struct {
				Findings []struct{ Facility, Check string }
			}
			getJSON(t, r.base+"/api/v1/checks/air-permits", &rep)
			for _, f := range rep.Findings {
				if f.Facility == first.FacilityID && f.Check == "cems-flat-line" {
					return true
				}
			}
			return false
		})
	}
	// The CLI twin answers the same JSON: the same day again is all
	// duplicates; a changed value is refused with its line.
	file := filepath.Join(t.TempDir(), "cems.csv")
	if err := os.WriteFile(file, []byte(day.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "import", "cems", "--db", dbURL, "--json", file)
	var got, wantDup any
	json.Unmarshal([]byte(out), &got)
	json.Unmarshal([]byte(`{"received":96,"inserted":0,"duplicates":96}`), &wantDup)
	if code != 0 || !reflect.DeepEqual(got, wantDup) {
		t.Fatalf("import cems: exit %d\n%s\n%s", code, out, errs)
	}
	changed := strings.Replace(day.String(), ",42,ppm", ",43,ppm", 1)
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "import", "cems", "--db", dbURL, file); code == 0 || !strings.Contains(errs, "cems.csv:2: "+first.FacilityID+" stack P001 SO2") {
		t.Errorf("a conflicting file: exit %d: %s", code, errs)
	}
}
