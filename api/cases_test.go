package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/envtrace/envtrace/fixtures"
)

// savedCase is the part of a case the tests read.
type savedCase struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Items []struct {
		Kind   string `json:"kind"`
		Digest string `json:"digest"`
		Trace  struct {
			Inputs struct {
				Station string `json:"station"`
			} `json:"inputs"`
			Verdict       string          `json:"verdict"`
			DataVersion   string          `json:"data_version"`
			MethodVersion string          `json:"method_version"`
			Result        json.RawMessage `json:"result"`
			Map           struct {
				Outfalls []struct {
					FacilityID string `json:"facility_id"`
					Role       string `json:"role"`
					Rank       int    `json:"rank"`
				} `json:"outfalls"`
				Reaches []struct {
					ID     string       `json:"id"`
					Status string       `json:"status"`
					Line   [][2]float64 `json:"line"`
				} `json:"reaches"`
			} `json:"map"`
			Readings []struct {
				Role    string `json:"role"`
				Station string `json:"station"`
				Grade   string `json:"grade"`
				Stored  bool   `json:"stored"`
			} `json:"readings"`
		} `json:"trace"`
	} `json:"items"`
	Exports []struct {
		Format string `json:"format"`
		SHA256 string `json:"sha256"`
		Bytes  int    `json:"bytes"`
	} `json:"exports"`
}

func caseBody(sc fixtures.Scenario, title string) string {
	b, _ := json.Marshal(map[string]any{"title": title, "trace": map[string]any{"station": sc.Station, "parameter": sc.Parameter,
		"value": sc.Value, "unit": sc.Unit, "time": sc.Time.Format(time.RFC3339)}})
	return string(b)
}

// TestCaseFromEachScenario saves every fixture scenario as a case and
// checks what the case keeps: the verdict, the culprit first on the map,
// the reaches by status (a clean upstream station clears reaches; the
// unexplained scenario marks its stretch), the graded readings, and that
// the stored result is the trace endpoint's answer byte for byte.
func TestCaseFromEachScenario(t *testing.T) {
	s, fx := centralServer(t)
	for _, sc := range fx.scenarios {
		t.Run(sc.ID, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", "/api/v1/cases", caseBody(sc, "案件 "+sc.ID))
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			c := decode[savedCase](t, rec.Body.Bytes())
			if loc := rec.Header().Get("Location"); loc != "/api/v1/cases/"+c.ID {
				t.Errorf("Location %q for case %s", loc, c.ID)
			}
			if len(c.Items) != 1 || c.Items[0].Kind != "trace" {
				t.Fatalf("items %+v", c.Items)
			}
			tr := c.Items[0].Trace
			statuses := map[string]int{}
			for _, r := range tr.Map.Reaches {
				statuses[r.Status]++
				if len(r.Line) < 2 {
					t.Errorf("reach %s has no line", r.ID)
				}
			}
			switch {
			case sc.Culprit != "":
				if tr.Verdict != "explained" || len(tr.Map.Outfalls) == 0 || tr.Map.Outfalls[0].FacilityID != sc.Culprit || tr.Map.Outfalls[0].Rank != 1 {
					t.Errorf("verdict %s, outfalls %+v; want %s first", tr.Verdict, tr.Map.Outfalls, sc.Culprit)
				}
				if statuses["suspect"] == 0 || statuses["cleared"] == 0 || statuses["unexplained"] != 0 {
					t.Errorf("reach statuses %v: want suspect and cleared reaches (a clean station upstream), no stretch", statuses)
				}
			default:
				if tr.Verdict != "unexplained" || statuses["unexplained"] == 0 || statuses["cleared"] == 0 {
					t.Errorf("verdict %s, reach statuses %v: want the stretch between %v marked", tr.Verdict, statuses, sc.UnexplainedBetween)
				}
			}
			if len(tr.Readings) == 0 || tr.Readings[0].Role != "traced" || tr.Readings[0].Station != sc.Station {
				t.Errorf("readings %+v", tr.Readings)
			}
			live := get(t, s.Handler(), "/api/v1/trace?"+traceQuery(sc).Encode()+"&max_hours=72")
			if !bytes.Equal(bytes.TrimSpace(live.Body.Bytes()), tr.Result) {
				t.Errorf("stored result differs from the trace endpoint's answer:\n%s\n%s", tr.Result, live.Body)
			}
			back := get(t, s.Handler(), "/api/v1/cases/"+c.ID)
			if back.Code != 200 || !bytes.Equal(bytes.TrimSpace(back.Body.Bytes()), bytes.TrimSpace(rec.Body.Bytes())) {
				t.Errorf("reopened case differs from the saved one")
			}
		})
	}
	list := decode[struct {
		Cases []struct {
			ID, Station, Verdict string
		} `json:"cases"`
		Count int `json:"count"`
	}](t, get(t, s.Handler(), "/api/v1/cases").Body.Bytes())
	if list.Count != len(fx.scenarios) || list.Cases[0].Station == "" {
		t.Errorf("case list %+v", list)
	}
}

// TestCaseExports renders a case in every format and checks the content a
// reader relies on, the digest headers against the bytes, and that each
// digest is recorded with the case once.
func TestCaseExports(t *testing.T) {
	s, fx := centralServer(t)
	sc := scenario(t, fx, "night-plating-canal")
	rec := do(t, s.Handler(), "POST", "/api/v1/cases", caseBody(sc, "福田圳夜間電鍍排放"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	c := decode[savedCase](t, rec.Body.Bytes())
	base := "/api/v1/cases/" + c.ID
	digests := map[string]string{}
	for _, tc := range []struct{ format, target, ctype string }{
		{"report", base + "/report", "text/html"},
		{"geojson", base + "/export?f=geojson", "application/geo+json"},
		{"csv", base + "/export?f=csv", "text/csv"},
		{"kml", base + "/export?f=kml", "application/vnd.google-earth.kml+xml"},
		{"xlsx", base + "/export?f=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			r1 := get(t, s.Handler(), tc.target)
			if r1.Code != 200 || !strings.HasPrefix(r1.Header().Get("Content-Type"), tc.ctype) {
				t.Fatalf("status %d, type %q: %s", r1.Code, r1.Header().Get("Content-Type"), r1.Body)
			}
			body := r1.Body.Bytes()
			sum := sha256.Sum256(body)
			if r1.Header().Get("X-Content-SHA256") != hex.EncodeToString(sum[:]) ||
				r1.Header().Get("Repr-Digest") != "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":" {
				t.Errorf("digest headers %q %q do not match the body", r1.Header().Get("X-Content-SHA256"), r1.Header().Get("Repr-Digest"))
			}
			r2 := get(t, s.Handler(), tc.target)
			if !bytes.Equal(body, r2.Body.Bytes()) {
				t.Errorf("the same case exported twice gave different bytes")
			}
			digests[tc.format] = hex.EncodeToString(sum[:])
			checkExport(t, tc.format, body, sc)
		})
	}
	back := decode[savedCase](t, get(t, s.Handler(), base).Body.Bytes())
	if len(back.Exports) != len(digests) {
		t.Fatalf("%d exports recorded, want %d (each once): %+v", len(back.Exports), len(digests), back.Exports)
	}
	for _, e := range back.Exports {
		if digests[e.Format] != e.SHA256 || e.Bytes == 0 {
			t.Errorf("recorded %s digest %s, sent %s", e.Format, e.SHA256, digests[e.Format])
		}
	}
	for target, status := range map[string]int{
		"/api/v1/cases/C-20260101-00000000":              404,
		"/api/v1/cases/nope/report":                      404,
		base + "/export":                                 400,
		base + "/export?f=pdf":                           400,
		"/api/v1/cases?limit=0":                          400,
		"/api/v1/cases/C-20260101-00000000/export?f=csv": 404,
	} {
		if rec := get(t, s.Handler(), target); rec.Code != status {
			t.Errorf("%s: status %d, want %d", target, rec.Code, status)
		}
	}
	bad := do(t, s.Handler(), "POST", "/api/v1/cases", `{"title":"x","trace":{"station":"WQ-C1-01","parameter":"Cu","value":1,"unit":"mg/L","time":"today"}}`)
	if bad.Code != 400 || !strings.Contains(bad.Body.String(), "trace.time") {
		t.Errorf("bad time: %d %s", bad.Code, bad.Body)
	}
}

// checkExport reads one export the way its consumer would and finds the
// culprit in it.
func checkExport(t *testing.T, format string, body []byte, sc fixtures.Scenario) {
	t.Helper()
	switch format {
	case "report":
		html := string(body)
		for _, want := range []string{`lang="zh-Hant-TW"`, "@page { size: A4", "嫌疑對象", sc.Culprit, "可供執法之證據", "篩檢資料", "方法說明", "資料快照", "<svg"} {
			if !strings.Contains(html, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if strings.Contains(html, "<script") {
			t.Error("the report carries a script")
		}
	case "geojson":
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
			Case map[string]any `json:"case"`
		}
		if err := json.Unmarshal(body, &fc); err != nil || fc.Type != "FeatureCollection" || fc.Case["verdict"] != "explained" {
			t.Fatalf("geojson: %v %+v", err, fc.Case)
		}
		kinds := map[string]int{}
		for _, f := range fc.Features {
			kinds[f.Properties["kind"].(string)]++
		}
		if kinds["station"] != 1 || kinds["suspect"] == 0 || kinds["reach"] == 0 {
			t.Errorf("geojson features %v", kinds)
		}
	case "csv":
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
		if err != nil || len(rows) < 2 || rows[1][2] != sc.Culprit || rows[1][1] != "1" {
			t.Errorf("csv: %v; first row %v, want rank 1 %s", err, rows[1], sc.Culprit)
		}
	case "kml":
		var doc struct {
			Placemarks []struct {
				Name  string `xml:"name"`
				Style string `xml:"styleUrl"`
			} `xml:"Document>Placemark"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Placemarks) < 3 {
			t.Fatalf("kml: %v, %d placemarks", err, len(doc.Placemarks))
		}
		styles := map[string]bool{}
		for _, p := range doc.Placemarks {
			styles[p.Style] = true
		}
		if !styles["#cleared"] || !styles["#suspect"] || !styles["#outfall-suspect"] {
			t.Errorf("kml styles %v", styles)
		}
	case "xlsx":
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) != 4 || sheets[1] != "嫌疑對象" || sheets[3] != "案件項目" {
			t.Fatalf("sheets %v", sheets)
		}
		id, _ := f.GetCellValue("嫌疑對象", "C2")
		rank, _ := f.GetCellValue("嫌疑對象", "B2")
		if id != sc.Culprit || rank != "1" {
			t.Errorf("xlsx first suspect %q rank %q, want %s rank 1", id, rank, sc.Culprit)
		}
	}
}

// TestCaseOfRoutineReading: a case saved from a routine reading (WQ-M02's
// COD 7.2 mg/L) keeps the verdict that names nobody: no outfall or reach
// on its map, its versions, and a report that says so with the station's
// normal range.
func TestCaseOfRoutineReading(t *testing.T) {
	s, _ := centralServer(t)
	rec := do(t, s.Handler(), "POST", "/api/v1/cases",
		`{"title":"WQ-M02 例行採樣","trace":{"station":"WQ-M02","parameter":"COD","value":7.2,"unit":"mg/L","time":"2026-09-09T09:15:00+08:00"}}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	c := decode[savedCase](t, rec.Body.Bytes())
	tr := c.Items[0].Trace
	if tr.Verdict != "within_normal_range" || len(tr.Map.Outfalls) != 0 || len(tr.Map.Reaches) != 0 {
		t.Fatalf("verdict %s, %d outfalls and %d reaches on the map", tr.Verdict, len(tr.Map.Outfalls), len(tr.Map.Reaches))
	}
	if !strings.HasPrefix(tr.DataVersion, "sha256:") || tr.MethodVersion == "" {
		t.Errorf("versions %q %q", tr.DataVersion, tr.MethodVersion)
	}
	report := get(t, s.Handler(), "/api/v1/cases/"+c.ID+"/report")
	body := report.Body.String()
	for _, want := range []string{"屬正常範圍，不指認任何對象", "本案不指認任何排放源", `id="baseline"`, "is within the station", tr.DataVersion} {
		if report.Code != 200 || !strings.Contains(body, want) {
			t.Errorf("report (status %d) lacks %q", report.Code, want)
		}
	}
}
