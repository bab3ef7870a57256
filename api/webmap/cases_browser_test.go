package webmap_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/accesstest"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/api/webmap"
)

// postJSON posts body to base+path as the demo identity and decodes the
// answer into out.
func postJSON(t *testing.T, base, path string, body any, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		var p map[string]any
		json.NewDecoder(res.Body).Decode(&p)
		t.Fatalf("POST %s: %s %v", path, res.Status, p)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// visibleLegend is the text of the legend's rows that are listed.
const visibleLegend = `Array.from(document.querySelectorAll('#legend .row')).filter((r) => !r.hidden).map((r) => r.textContent).join('|')`

// TestBrowserCaseRecords reopens a joint case in zh-TW at desktop and
// phone sizes: the trace's verdict with its reason and the suspect's
// industry in Chinese, the case's records by kind with their numbers (a
// dumping report and a micro-sensor anomaly, both drawn at their public
// positions), the bureau it is shared with and its referral history in
// Taiwan time; the legend lists only the layers shown.
func TestBrowserCaseRecords(t *testing.T) {
	exe := chromium(t)
	base, scen := serveCentralWith(t, true, nil)
	sc := scen[0]
	var created struct{ ID string }
	postJSON(t, base, "/api/v1/cases", map[string]any{"title": "福田圳聯合稽查", "trace": map[string]any{"station": sc.Station,
		"parameter": sc.Parameter, "value": sc.Value, "unit": sc.Unit, "time": sc.Time.Format(time.RFC3339)}}, &created)
	var report struct{ ID string }
	postJSON(t, base, "/api/v1/dumping/reports", map[string]any{"service_code": "dumping-industrial", "description": "農路旁堆置桶裝廢液",
		"x": dumpingPoint[0], "y": dumpingPoint[1], "crs": "EPSG:4326", "seen_it": true, "contact": "citizen@example.tw", "source": "web"}, &report)
	res, err := http.Get(base + "/ogc/collections/sensor-anomalies/items?f=json&class=emission&limit=1")
	if err != nil {
		t.Fatal(err)
	}
	var layer struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	err = json.NewDecoder(res.Body).Decode(&layer)
	res.Body.Close()
	if err != nil || len(layer.Features) == 0 || layer.Features[0].Properties["anomaly_id"] == nil {
		t.Fatalf("no emission sensor with an anomaly id: %v %+v", err, layer)
	}
	sensorID := layer.Features[0].Properties["device_id"].(string)
	items := "/api/v1/cases/" + created.ID
	postJSON(t, base, items+"/items", map[string]string{"kind": "dumping_report", "id": report.ID}, nil)
	postJSON(t, base, items+"/items", map[string]string{"kind": "sensor_anomaly", "id": layer.Features[0].Properties["anomaly_id"].(string)}, nil)
	postJSON(t, base, items+"/shares", map[string]string{"principal": "county:CHA", "access": "edit"}, nil)
	postJSON(t, base, items+"/referrals", map[string]string{"to_county": "TXG", "reason": "排放源位於臺中市"}, nil)

	for _, tc := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "case-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			legend := js[string](b, visibleLegend)
			if strings.Contains(legend, "仍有嫌疑之上游河段") || strings.Contains(legend, "案件紀錄") || !strings.Contains(legend, "處理中的通報") {
				t.Errorf("legend before any trace lists %q", legend)
			}
			b.step("reopen the case", chromedp.Navigate(base+"/?case="+created.ID),
				chromedp.WaitReady(chromedp.CSS(`#case-view #case-items[data-count="2"]`)), chromedp.Sleep(400*time.Millisecond))
			reason := b.text("#verdict-reason")
			if !strings.Contains(reason, "高於本站正常範圍") || !strings.Contains(reason, "可承載此負荷") || strings.Contains(reason, "normal range") {
				t.Errorf("verdict reason %q", reason)
			}
			if card := b.text("#suspects .suspect-card .small"); !strings.Contains(card, "電鍍業") || strings.Contains(card, "electroplating") {
				t.Errorf("the first suspect's industry: %q", card)
			}
			dump := b.text(`#case-items li[data-kind="dumping_report"]`)
			sensor := b.text(`#case-items li[data-kind="sensor_anomaly"]`)
			if !strings.Contains(dump, report.ID) || !strings.Contains(dump, "農路旁堆置桶裝廢液") || !strings.Contains(dump, "(UTC+8)") ||
				strings.Contains(dump, "citizen@example.tw") || b.text(`#case-items section[data-kind="dumping_report"] h4`) != "棄置通報 (1)" {
				t.Errorf("dumping item %q", dump)
			}
			if !strings.Contains(sensor, "感測器 "+sensorID) || !strings.Contains(sensor, "疑似鄰近污染源") || !strings.Contains(sensor, "MD 分數") ||
				!strings.Contains(sensor, "瞬間升高") {
				t.Errorf("sensor item %q", sensor)
			}
			if n := b.count("path.case-item-marker"); n != 2 {
				t.Errorf("%d case records drawn, want the dumping report and the sensor", n)
			}
			shares := b.text("#case-shares")
			if !strings.Contains(shares, "彰化縣環境保護局") || !strings.Contains(shares, "臺中市環境保護局") || !strings.Contains(shares, "編輯") || !strings.Contains(shares, "檢視") {
				t.Errorf("shares %q", shares)
			}
			refs := b.text("#case-referrals")
			if !strings.Contains(refs, "目前承辦：臺中市") || !strings.Contains(refs, "中央 → 臺中市") || !strings.Contains(refs, "排放源位於臺中市") || !strings.Contains(refs, "(UTC+8)") {
				t.Errorf("referrals %q", refs)
			}
			legend = js[string](b, visibleLegend)
			if !strings.Contains(legend, "仍有嫌疑之上游河段") || !strings.Contains(legend, "感測異常") {
				t.Errorf("legend with the case open lists %q", legend)
			}
			// Turning the dumping layer off takes its rows out of the legend.
			js[bool](b, `(() => { const l = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).find((x) => x.textContent.trim() === '棄置通報');
				const i = l.querySelector('input'); i.click(); return i.checked; })()`)
			b.step("let the legend follow", chromedp.Sleep(100*time.Millisecond))
			if legend = js[string](b, visibleLegend); strings.Contains(legend, "處理中的通報") {
				t.Errorf("legend lists the dumping layer turned off: %q", legend)
			}
			b.shot("records")
			if tc.name == "phone" {
				b.step("scroll to the records", chromedp.ScrollIntoView(chromedp.ID("case-items")))
				b.shot("records-panel")
			}
			b.checkErrors()
		})
	}
}

// TestBrowserCasePublic reopens a case as the civil-society group it is
// shared with, signed in on the map, at desktop and phone sizes in zh-TW:
// the panel shows the public summary (id, title, date in Taiwan time, the
// kinds of record it holds) and none of the staff's trace, records,
// exports, shares or referrals.
func TestBrowserCasePublic(t *testing.T) {
	exe := chromium(t)
	iss := accesstest.NewIssuer(t)
	iss.LoginAs("ngo-3", map[string]any{"envtrace_role": "ngo", "name": "守護福田圳"})
	const client = "envtrace-map"
	oidc, err := access.NewOIDC(t.Context(), iss.URL, client)
	if err != nil {
		t.Fatal(err)
	}
	// Requests without a token are the demo's, which files the case; the
	// map's are the group's.
	base, scen := serveCentralWith(t, false, func(c *api.Config) {
		c.Auth = access.Chain{People: oidc}
		c.WebLogin = &webmap.Login{Issuer: iss.URL, ClientID: client}
	})
	sc := scen[0]
	var created struct{ ID string }
	postJSON(t, base, "/api/v1/cases", map[string]any{"title": "福田圳公開案件", "trace": map[string]any{"station": sc.Station,
		"parameter": sc.Parameter, "value": sc.Value, "unit": sc.Unit, "time": sc.Time.Format(time.RFC3339)}}, &created)
	var report struct{ ID string }
	postJSON(t, base, "/api/v1/dumping/reports", map[string]any{"service_code": "dumping-industrial", "description": "農路旁堆置桶裝廢液",
		"x": dumpingPoint[0], "y": dumpingPoint[1], "crs": "EPSG:4326", "seen_it": true, "contact": "citizen@example.tw", "source": "web"}, &report)
	items := "/api/v1/cases/" + created.ID
	postJSON(t, base, items+"/items", map[string]string{"kind": "dumping_report", "id": report.ID}, nil)
	postJSON(t, base, items+"/shares", map[string]string{"principal": "user:" + iss.URL + "#ngo-3"}, nil)

	for _, tc := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "case-public-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("log in", chromedp.Click(chromedp.ID("login-button")),
				chromedp.WaitReady(chromedp.ID("login-who")), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("reopen the case", chromedp.Navigate(base+"/?case="+created.ID),
				chromedp.WaitReady(chromedp.CSS(`#case-public[data-case="`+created.ID+`"]`)))
			panel := b.text("#case-public")
			if !strings.Contains(panel, "福田圳公開案件") || !strings.Contains(panel, created.ID) || !strings.Contains(panel, "(UTC+8)") ||
				!strings.Contains(panel, "公開摘要") {
				t.Errorf("public panel %q", panel)
			}
			if kinds := b.text("#case-public-kinds"); !strings.Contains(kinds, "污染追查（1）") || !strings.Contains(kinds, "棄置通報（1）") {
				t.Errorf("kinds %q", kinds)
			}
			for _, staff := range []string{"#case-view", "#case-report", "#case-items", "#case-shares", "#case-referrals", "#trace-results", "#suspects", ".exports"} {
				if n := b.count(staff); n != 0 {
					t.Errorf("the group's panel shows %s", staff)
				}
			}
			if panel := b.text("#case-public"); strings.Contains(panel, "農路旁堆置桶裝廢液") || strings.Contains(panel, "citizen@example.tw") {
				t.Errorf("the public panel shows a record: %q", panel)
			}
			b.shot("public")
			b.checkErrors()
		})
	}
}
