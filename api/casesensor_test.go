package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/store"
)

// TestCaseSensorAnomaly adds a micro-sensor anomaly to a case by the id
// the map's sensor-anomalies layer gives it: the case keeps the device's
// public summary, whose numbers are those GET /api/v1/air/anomalies
// answers for the same window; an unknown device and a normal one are
// 400s naming the id.
func TestCaseSensorAnomaly(t *testing.T) {
	realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv")
	sensors, err := allLocData()
	if err != nil {
		t.Fatal(err)
	}
	fx, err := centralData()
	if err != nil {
		t.Fatal(err)
	}
	d := *fx.air
	d.Sensors = sensors
	mb, err := api.NewMemoryBackendWithBasin(fx.basin, api.WithCases(store.NewMemory()), api.WithAirData(&d))
	if err != nil {
		t.Fatal(err)
	}
	h := newServer(t, quietConfig(), mb).Handler()
	rec := do(t, h, "POST", "/api/v1/cases", caseBody(fx.scenarios[0], "感測器異常"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	caseID := decode[struct{ ID string }](t, rec.Body.Bytes()).ID
	layer := decode[struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}](t, get(t, h, "/ogc/collections/sensor-anomalies/items?limit=100").Body.Bytes())
	var anomaly, normal map[string]any
	for _, f := range layer.Features {
		switch {
		case f.Properties["class"] == "emission" && anomaly == nil:
			anomaly = f.Properties
		case f.Properties["anomaly_id"] == nil:
			normal = f.Properties
		}
	}
	if anomaly == nil || anomaly["anomaly_id"] == nil {
		t.Fatalf("no emission sensor with an anomaly id on the layer: %v", anomaly)
	}
	id := anomaly["anomaly_id"].(string)
	rec = do(t, h, "POST", "/api/v1/cases/"+caseID+"/items", `{"kind":"sensor_anomaly","id":"`+id+`"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("add %s: %d %s", id, rec.Code, rec.Body)
	}
	item := decode[struct {
		Kind string `json:"kind"`
		Ref  struct {
			RefID   string `json:"ref_id"`
			Source  string `json:"source"`
			Summary struct {
				DeviceID       string   `json:"device_id"`
				Class          string   `json:"class"`
				MD             float64  `json:"md"`
				Neighbours     []string `json:"neighbours"`
				EmissionSlices int      `json:"emission_slices"`
				RED            []any    `json:"red"`
			} `json:"summary"`
		} `json:"sensor_anomaly"`
	}](t, rec.Body.Bytes())
	q := url.Values{"from": {anomaly["window_from"].(string)}, "to": {anomaly["window_to"].(string)}}
	screen := decode[struct {
		Devices []struct {
			DeviceID string  `json:"device_id"`
			Class    string  `json:"class"`
			MD       float64 `json:"md"`
			Evidence struct {
				Neighbours     []string `json:"neighbours"`
				EmissionSlices int      `json:"emission_slices"`
				REDSlices      int      `json:"red_slices"`
			} `json:"evidence"`
		} `json:"devices"`
	}](t, get(t, h, "/api/v1/air/anomalies?"+q.Encode()).Body.Bytes())
	found := false
	for _, dv := range screen.Devices {
		if dv.DeviceID != anomaly["device_id"] {
			continue
		}
		found = true
		s := item.Ref.Summary
		if item.Kind != "sensor_anomaly" || item.Ref.RefID != id || s.DeviceID != dv.DeviceID || s.Class != dv.Class || s.MD != dv.MD ||
			len(s.Neighbours) != len(dv.Evidence.Neighbours) || s.EmissionSlices != dv.Evidence.EmissionSlices || len(s.RED) != dv.Evidence.REDSlices {
			t.Errorf("item %+v, screen %+v", item, dv)
		}
		if !strings.HasPrefix(item.Ref.Source, "/api/v1/air/anomalies?from=") {
			t.Errorf("source %s", item.Ref.Source)
		}
	}
	if !found {
		t.Fatalf("device %v not in the screen", anomaly["device_id"])
	}
	bad := map[string]string{"an unknown device": "NO-SUCH@" + strings.SplitN(id, "@", 2)[1]}
	if normal != nil {
		bad["a normal device without RED events"] = normal["device_id"].(string) + "@" + strings.SplitN(id, "@", 2)[1]
	}
	for name, bid := range bad {
		body, _ := json.Marshal(map[string]string{"kind": "sensor_anomaly", "id": bid})
		rec := do(t, h, "POST", "/api/v1/cases/"+caseID+"/items", string(body))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), strings.SplitN(bid, "@", 2)[0]) {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
}

// TestCaseInspectionItem adds a fixture inspection to a case: the case
// keeps its counts and the inspected facility's public site (what the map
// and the exports draw), never the inspector or the notes.
func TestCaseInspectionItem(t *testing.T) {
	s, fx := centralServer(t)
	h := s.Handler()
	rec := do(t, h, "POST", "/api/v1/cases", caseBody(fx.scenarios[0], "稽查案"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	caseID := decode[struct{ ID string }](t, rec.Body.Bytes()).ID
	const id, fac = "I-20260520-C1", "N7789799"
	rec = do(t, h, "POST", "/api/v1/inspections", `{"id":"`+id+`","facility_id":"`+fac+`","date":"2026-05-20T10:00:00+08:00","selection":"risk",
		"inspector":"林稽查員","note":"業者負責人態度不佳","findings":[{"description":"廢水處理設施未操作"}],"violations":[{"article":"水污法第7條","description":"COD 超標"}]}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("inspection: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, h, "POST", "/api/v1/cases/"+caseID+"/items", `{"kind":"inspection","id":"`+id+`"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("add: %d %s", rec.Code, rec.Body)
	}
	got := decode[struct {
		Ref struct {
			Summary map[string]any `json:"summary"`
		} `json:"inspection"`
	}](t, rec.Body.Bytes()).Ref.Summary
	facility := decode[struct {
		Name     string     `json:"name"`
		Position [2]float64 `json:"position"`
	}](t, get(t, h, "/api/v1/facilities/"+fac).Body.Bytes())
	if got["facility_id"] != fac || got["date"] != "2026-05-20" || got["findings"] != 1.0 || got["violations"] != 1.0 || got["facility_name"] != facility.Name ||
		got["lon"] != facility.Position[0] || got["lat"] != facility.Position[1] || got["lon"] == nil {
		t.Errorf("summary %v, facility %+v", got, facility)
	}
	for _, k := range []string{"林稽查員", "態度不佳", "inspector", "note"} {
		if strings.Contains(rec.Body.String(), k) {
			t.Errorf("the case item holds %s", k)
		}
	}
}
