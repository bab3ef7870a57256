package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/fixtures/odoursynth"
	"github.com/envtrace/envtrace/fixtures/sensorsynth"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// TestAirAttributeMatchesREST plants a sensor plume from the fixture's
// rendering plant under the fixture's wind (fixtures/sensorsynth), writes
// the sensors into the fixture directory, and checks that `envtrace air
// attribute --json` and GET /api/v1/air/attribution give the same JSON,
// for the ranking and for the trace of one event.
func TestAirAttributeMatchesREST(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the puff model")
	}
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	d, err := datadir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var fs []odoursynth.Factory
	for _, f := range d.Water.Facilities {
		if f.EmsNo == "Q7301001" {
			lon, lat, _ := f.Position()
			fs = append(fs, odoursynth.Factory{ID: f.EmsNo, Name: f.Name, Industry: f.Industry, Lon: lon, Lat: lat})
		}
	}
	st := d.Monitors[0]
	sc, err := sensorsynth.Generate(t.Context(), sensorsynth.Config{Station: st, Wind: d.Wind, Centre: [2]float64{fs[0].Lon, fs[0].Lat},
		Factories: fs, Sensors: 40, Hours: 3}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := sensor.WriteDir(dir, sc.Data); err != nil {
		t.Fatal(err)
	}
	srv := fixtureServer(t, dir).srv
	from, to := sc.From.In(sensor.Taipei).Format(time.RFC3339), sc.To.In(sensor.Taipei).Format(time.RFC3339)
	code, stdout, stderr := runCmd(t, "air", "attribute", "--data", dir, "--from", from, "--to", to, "--json")
	if code != 0 {
		t.Fatalf("air attribute: exit %d: %s", code, stderr)
	}
	var cli struct {
		Events []struct {
			ID string `json:"event_id"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(stdout), &cli); err != nil {
		t.Fatal(err)
	}
	if len(cli.Events) == 0 {
		t.Fatal("the planted plume raised no emission or RED event")
	}
	event := cli.Events[0].ID
	q := url.Values{"from": {from}, "to": {to}}
	// The ranking's twin is checked on the output above: running the same
	// command again would trace every event again for the same answer.
	t.Run("ranking", func(t *testing.T) {
		sameAsREST(t, srv.Handler(), "/api/v1/air/attribution?"+q.Encode(), stdout)
	})
	cases := []struct {
		args []string
		rest string
	}{
		{[]string{"air", "attribute", "--data", dir, "--from", from, "--to", to, "--event", event, "--json"},
			"/api/v1/air/attribution?" + q.Encode() + "&event=" + url.QueryEscape(event)},
		{[]string{"air", "risk", "--data", dir, "--from", from, "--to", to, "--hex-edge", "1500", "--json"},
			"/api/v1/air/risk?" + q.Encode() + "&hex_edge=1500"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args[len(tc.args)-2:], " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			sameAsREST(t, srv.Handler(), tc.rest, stdout)
		})
	}
	code, _, stderr = runCmd(t, "air", "attribute", "--data", dir, "--from", from, "--to", to, "--event", "nope@x")
	if code != 2 || !strings.Contains(stderr, "--event") {
		t.Errorf("an unknown event: exit %d: %s", code, stderr)
	}
	if code, stdout, _ := runCmd(t, "air", "attribute", "--data", dir, "--from", from, "--to", to); code != 0 || !strings.Contains(stdout, "Q7301001") {
		t.Errorf("text output: exit %d\n%s", code, stdout)
	}
	// Risk: the events lie downwind of the rendering plant, so under the
	// wind its industry ranks first among the fixture's industries.
	code, stdout, stderr = runCmd(t, "air", "risk", "--data", dir, "--from", from, "--to", to, "--json")
	if code != 0 {
		t.Fatalf("air risk: exit %d: %s", code, stderr)
	}
	var risk struct {
		Association string `json:"association"`
		Industries  []struct {
			Industry string  `json:"industry"`
			Ratio    float64 `json:"ratio"`
		} `json:"industries"`
	}
	if err := json.Unmarshal([]byte(stdout), &risk); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(risk.Association, "downwind") || len(risk.Industries) == 0 || risk.Industries[0].Industry != "rendering" || risk.Industries[0].Ratio <= 1 {
		t.Errorf("risk: %s; industries %+v", risk.Association, risk.Industries)
	}
}
