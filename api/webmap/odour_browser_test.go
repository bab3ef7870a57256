package webmap_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/fixtures"
)

// TestBrowserOdour loads the map over the central fixture at desktop and
// phone sizes, in zh-TW and in English: the odour petitions layer draws
// every petition of the fixture at its public location, with the odour's
// name in the page's language and the privacy note, and no exact location
// reaches the page.
func TestBrowserOdour(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentral(t)
	for _, tc := range []struct {
		name, path, legend, category, traced, surface, lang string
		w, h                                                int
	}{
		{"desktop", "/", "異味陳情", "硫磺味", "候選污染源", "似然面最大值", "zh-TW", 1440, 900},
		{"phone", "/", "異味陳情", "硫磺味", "候選污染源", "似然面最大值", "zh-TW", 390, 844},
		{"desktop-en", "/?lang=en", "Odour petitions", "sulphur", "Candidate sources", "Surface maximum", "en", 1440, 900},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "odour-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+tc.path), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			n := js[string](b, `document.body.dataset.odourPetitions || ''`)
			if n == "" || n == "0" {
				t.Fatalf("petitions drawn: %q", n)
			}
			if got := b.count("path.odour-marker"); got == 0 || got > 200 {
				t.Fatalf("%d petition markers", got)
			}
			if legend := b.text(".legend"); !strings.Contains(legend, tc.legend) {
				t.Errorf("legend %q lacks %q", legend, tc.legend)
			}
			tips := js[string](b, `Object.values(document.querySelectorAll('path.odour-marker')).length && (() => {
				const out = [];
				document.querySelectorAll('path.odour-marker').forEach((m) => { m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); });
				document.querySelectorAll('.leaflet-tooltip').forEach((n) => out.push(n.textContent));
				document.querySelectorAll('path.odour-marker').forEach((m) => { m.dispatchEvent(new MouseEvent('mouseout', {bubbles: true, relatedTarget: document.body})); });
				return out.join('\n');
			})()`)
			if !strings.Contains(tips, tc.category) || !strings.Contains(tips, "(UTC+8)") {
				t.Errorf("tooltips lack %q or the Taiwan time: %.300s", tc.category, tips)
			}
			// The tooltips close again as the pointer leaves (a user hovers
			// one petition at a time), so the shot shows the map. They fade
			// out before they leave the page.
			_, _ = runStep(b.ctx, chromedp.Poll[bool](`document.querySelectorAll('.leaflet-tooltip .odour-tip').length === 0`,
				chromedp.WithPollingTimeout(3*time.Second)))
			if open := b.count(".leaflet-tooltip .odour-tip"); open != 0 {
				t.Errorf("%d tooltips stay open after the pointer left the petitions", open)
			}
			b.shot("odour")
			id := traceFirstPetition(b)
			top := topCandidate(t, base, id)
			if got := b.count("path.odour-trajectory"); got != 1 {
				t.Errorf("%d trajectory lines", got)
			}
			if got := b.count(".odour-candidates li"); got == 0 {
				t.Errorf("no candidates listed")
			}
			if popup := b.text(".odour-trace-popup"); !strings.Contains(popup, tc.traced) || !strings.Contains(popup, top) {
				t.Errorf("trace popup %q lacks %q or the REST answer's top candidate %s", popup, tc.traced, top)
			}
			// The whole popup is in the map's view (the candidates on a
			// phone's narrow map too).
			popupOut := `(() => {
				const p = document.querySelector('.odour-trace-popup .leaflet-popup-content-wrapper').getBoundingClientRect();
				const m = document.querySelector('#map').getBoundingClientRect();
				const inside = p.left >= m.left - 1 && p.right <= m.right + 1 && p.top >= m.top - 1 && p.bottom <= m.bottom + 1;
				return inside ? '' : JSON.stringify({popup: p, map: m});
			})()`
			// The map pans the popup into view (animated): wait for it.
			_, _ = runStep(b.ctx, chromedp.Poll[bool](popupOut+` === ''`, chromedp.WithPollingTimeout(3*time.Second)))
			if out := js[string](b, popupOut); out != "" {
				t.Errorf("the trace popup reaches outside the map: %s", out)
			}
			// The confidence reason in the page's language, from its code.
			if got, want := b.text(".odour-trace-popup .odour-reason"), reasonIn(t, tc.lang, traceConfidence(t, base, id)); got != want {
				t.Errorf("reason shown %q, want the %s catalogue's %q", got, tc.lang, want)
			}
			surface := js[string](b, `(() => {
				document.querySelectorAll('path.odour-surface-max').forEach((m) => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
				return Array.from(document.querySelectorAll('.leaflet-tooltip')).map((n) => n.textContent).join('\n');
			})()`)
			if !strings.Contains(surface, tc.surface) {
				t.Errorf("surface maximum tooltip lacks %q: %.300s", tc.surface, surface)
			}
			b.shot("odour-trace")
			b.checkErrors()
		})
	}
}

// traceFirstPetition opens the popup of the first petition drawn and
// presses its trace button, waiting for the trace; it returns the
// petition's id.
func traceFirstPetition(b *browser) string {
	b.t.Helper()
	ok := js[bool](b, `(() => {
		const m = document.querySelector('path.odour-marker');
		if (!m) return false;
		m.dispatchEvent(new MouseEvent('click', {bubbles: true}));
		const btn = document.querySelector('.odour-trace-button');
		if (!btn) return false;
		btn.click();
		return true;
	})()`)
	if !ok {
		b.t.Fatalf("%s: no trace button in the petition's popup", b.name)
	}
	b.step("trace a petition upwind", chromedp.WaitReady(chromedp.CSS(`body[data-odour-trace]`)))
	if id := js[string](b, `document.body.dataset.odourTrace`); id == "error" {
		b.t.Fatalf("%s: the upwind trace failed: %s", b.name, b.text("#error"))
	}
	return js[string](b, `document.body.dataset.odourTrace`)
}

// reasonConf is the confidence of a REST odour answer.
type reasonConf struct {
	Reason string         `json:"reason"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params"`
}

// reasonIn is the text the map must show for a confidence reason: the
// language's catalogue text for its code, filled with its parameters.
func reasonIn(t *testing.T, lang string, c reasonConf) string {
	t.Helper()
	text, ok := catalogue(t, "odour."+lang+".json")["odour.reason."+c.Code]
	if !ok {
		t.Fatalf("no %s text for reason code %q", lang, c.Code)
	}
	for k, v := range c.Params {
		if f, ok := v.(float64); ok {
			v = strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
		}
		text = strings.ReplaceAll(text, "{"+k+"}", fmt.Sprint(v))
	}
	return text
}

// traceConfidence is the confidence of the petition's trace as the REST
// API answers it.
func traceConfidence(t *testing.T, base, petition string) reasonConf {
	t.Helper()
	res, err := http.Get(base + "/api/v1/odour/trace?petition=" + url.QueryEscape(petition))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Confidence reasonConf `json:"confidence"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Confidence.Code == "" {
		t.Fatalf("trace %s: status %d, %v, %+v", petition, res.StatusCode, err, out)
	}
	return out.Confidence
}

// topCandidate is the first candidate of the petition's trace as the REST
// API answers it, which the map must list.
func topCandidate(t *testing.T, base, petition string) string {
	t.Helper()
	res, err := http.Get(base + "/api/v1/odour/trace?petition=" + url.QueryEscape(petition))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Candidates []struct {
			FacilityID string `json:"facility_id"`
		} `json:"candidates"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || len(out.Candidates) == 0 {
		t.Fatalf("trace %s: status %d, %v, %+v", petition, res.StatusCode, err, out)
	}
	return out.Candidates[0].FacilityID
}

// TestBrowserCPF draws the fixture's weather station's H2S CPF as a polar
// plot at desktop and phone sizes in zh-TW: one wedge per sector with a
// CPF above zero, the high sectors highlighted and every facility the
// REST answer lists in a high sector ringed, with zh-TW tooltips.
func TestBrowserCPF(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentral(t)
	const monitor = "WX-DR01" // the central fixture's Dacheng weather station
	res, err := http.Get(base + "/api/v1/air/cpf?monitor=" + monitor + "&parameter=H2S&percentile=90")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Sectors []struct {
			CPF  *float64 `json:"cpf"`
			High bool     `json:"high"`
		} `json:"sectors"`
		Facilities []struct {
			FacilityID string `json:"facility_id"`
		} `json:"facilities"`
	}
	err = json.NewDecoder(res.Body).Decode(&want)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("cpf: status %d, %v", res.StatusCode, err)
	}
	wedges, high := 0, 0
	for _, s := range want.Sectors {
		if s.CPF != nil && *s.CPF > 0 {
			wedges++
			if s.High {
				high++
			}
		}
	}
	if wedges == 0 || high == 0 {
		t.Fatalf("the fixture's CPF has %d wedges, %d high", wedges, high)
	}
	for _, tc := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "cpf-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("draw the CPF",
				chromedp.Click(chromedp.ID("cpf-button")),
				chromedp.WaitReady(chromedp.ID("cpf-monitor")),
				chromedp.SendKeys(chromedp.ID("cpf-monitor"), monitor),
				chromedp.Click(chromedp.ID("cpf-draw")),
				chromedp.WaitReady(chromedp.CSS(`body[data-cpf]`)),
			)
			if got := js[string](b, `document.body.dataset.cpf`); got != monitor {
				t.Fatalf("cpf drawn for %q: %s", got, b.text("#error"))
			}
			if got := b.count("path.cpf-wedge"); got != wedges {
				t.Errorf("%d wedges, want %d", got, wedges)
			}
			if got := b.count("path.cpf-high"); got != high {
				t.Errorf("%d high wedges, want %d", got, high)
			}
			if got := b.count("path.cpf-facility"); got != len(want.Facilities) {
				t.Errorf("%d facilities ringed, want %d", got, len(want.Facilities))
			}
			if tc.name == "desktop" {
				tips := js[string](b, `(() => {
					document.querySelectorAll('path.cpf-high').forEach((m) => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
					return Array.from(document.querySelectorAll('.leaflet-tooltip')).map((n) => n.textContent).join('\n');
				})()`)
				if !strings.Contains(tips, "風向") || !strings.Contains(tips, "小時") {
					t.Errorf("wedge tooltips %.300s", tips)
				}
			} else {
				// On a phone each tap opens the wedge's text in the one
				// popup: tapping wedge after wedge never piles texts up.
				for i := 0; i < high; i++ {
					js[bool](b, `(() => {
						const w = document.querySelectorAll('path.cpf-high')[`+strconv.Itoa(i)+`];
						w.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
						return w.dispatchEvent(new MouseEvent('click', {bubbles: true}));
					})()`)
					b.step("let the last popup fade", chromedp.Sleep(400*time.Millisecond))
					open := js[[]float64](b, `[document.querySelectorAll('.leaflet-popup').length, document.querySelectorAll('.leaflet-tooltip').length]`)
					text := b.text(".leaflet-popup")
					if len(open) != 2 || open[0] != 1 || open[1] != 0 || !strings.Contains(text, "風向") || !strings.Contains(text, "小時") {
						t.Fatalf("after tapping high wedge %d: %v popups and tooltips open, text %q", i+1, open, text)
					}
				}
			}
			if s := b.text("#cpf-out"); !strings.Contains(s, "百分位門檻") {
				t.Errorf("summary %q", s)
			}
			b.shot("cpf")
			b.checkErrors()
		})
	}
}

// TestBrowserOdourSurface computes the triangulation surface of the
// fixture's rendering episode on the map at desktop and phone sizes in
// zh-TW: every cell of the REST answer is drawn, the surface maximum is
// marked with its nearest facility, and the ranking is listed.
func TestBrowserOdourSurface(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentral(t)
	scs, err := fixtures.OdourScenarios()
	if err != nil {
		t.Fatal(err)
	}
	var sc fixtures.OdourScenario
	for _, s := range scs {
		if s.ID == "rendering-august" {
			sc = s
		}
	}
	from, to := sc.From.Format(time.RFC3339), sc.To.Format(time.RFC3339)
	res, err := http.Get(base + "/api/v1/odour/rank?" + url.Values{"from": {from}, "to": {to}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Confidence reasonConf        `json:"confidence"`
		Surface    []json.RawMessage `json:"surface"`
		SurfaceMax struct {
			NearestFacilityID string `json:"nearest_facility_id"`
		} `json:"surface_max"`
	}
	err = json.NewDecoder(res.Body).Decode(&want)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || len(want.Surface) == 0 {
		t.Fatalf("rank: status %d, %v, %d cells", res.StatusCode, err, len(want.Surface))
	}
	for _, tc := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "surface-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("compute the surface",
				chromedp.Click(chromedp.ID("rank-button")),
				chromedp.WaitReady(chromedp.ID("rank-from")),
				chromedp.SendKeys(chromedp.ID("rank-from"), from),
				chromedp.SendKeys(chromedp.ID("rank-to"), to),
				chromedp.Click(chromedp.ID("rank-draw")),
				chromedp.WaitReady(chromedp.CSS(`body[data-odour-rank]`)),
			)
			if got := js[string](b, `document.body.dataset.odourRank`); got == "error" {
				t.Fatalf("surface failed: %s", b.text("#error"))
			}
			if got := b.count("path.odour-surface-cell"); got != len(want.Surface) {
				t.Errorf("%d surface cells drawn, want %d", got, len(want.Surface))
			}
			if got := b.count("path.odour-surface-max"); got != 1 {
				t.Errorf("%d surface maxima", got)
			}
			tips := js[string](b, `(() => {
				document.querySelectorAll('path.odour-surface-max').forEach((m) => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
				return Array.from(document.querySelectorAll('.leaflet-tooltip')).map((n) => n.textContent).join('\n');
			})()`)
			if !strings.Contains(tips, "似然面最大值") || !strings.Contains(tips, want.SurfaceMax.NearestFacilityID) {
				t.Errorf("surface maximum tooltip %.300s lacks its nearest facility %s", tips, want.SurfaceMax.NearestFacilityID)
			}
			if s := b.text("#rank-out"); !strings.Contains(s, sc.Source) || !strings.Contains(s, "可信度") {
				t.Errorf("ranking %q lacks the source %s", s, sc.Source)
			}
			if got, zh := b.text("#rank-out .odour-reason"), reasonIn(t, "zh-TW", want.Confidence); got != zh || got == want.Confidence.Reason {
				t.Errorf("reason shown %q, want the zh-TW catalogue's %q", got, zh)
			}
			b.shot("surface")
			b.checkErrors()
		})
	}
}

// TestBrowserHotspots draws the emerging hot spots (EHSA) of the
// fixture's odour petitions on 1 km hexagons at desktop and phone sizes in
// zh-TW: every classified unit of the REST answer is drawn, with its class
// in zh-TW.
func TestBrowserHotspots(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentral(t)
	res, err := http.Get(base + "/api/v1/hotspots?signal=petitions&method=ehsa&hex_edge=1000")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Units []struct {
			Class string `json:"class"`
		} `json:"units"`
	}
	err = json.NewDecoder(res.Body).Decode(&want)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("hotspots: status %d, %v", res.StatusCode, err)
	}
	hot, cold := 0, 0
	for _, u := range want.Units {
		switch {
		case strings.HasSuffix(u.Class, " hot spot"):
			hot++
		case strings.HasSuffix(u.Class, " cold spot"):
			cold++
		}
	}
	if hot == 0 {
		t.Fatalf("the fixture's petitions have no emerging hot spot (%d units)", len(want.Units))
	}
	for _, tc := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "hotspots-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("draw the hot spots",
				chromedp.Click(chromedp.ID("hotspot-button")),
				chromedp.WaitReady(chromedp.ID("hs-draw")),
				chromedp.SetValue(chromedp.ID("hs-method"), "ehsa"),
				chromedp.Click(chromedp.ID("hs-draw")),
				chromedp.WaitReady(chromedp.CSS(`body[data-hotspots]`)),
			)
			if got := js[string](b, `document.body.dataset.hotspots`); got == "error" {
				t.Fatalf("hot spots failed: %s", b.text("#error"))
			}
			if got := b.count("path.hotspot-hot"); got != hot {
				t.Errorf("%d hot units drawn, want %d", got, hot)
			}
			if got := b.count("path.hotspot-cold"); got != cold {
				t.Errorf("%d cold units drawn, want %d", got, cold)
			}
			tips := js[string](b, `(() => {
				document.querySelectorAll('path.hotspot-hot').forEach((m) => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
				return Array.from(document.querySelectorAll('.leaflet-tooltip')).map((n) => n.textContent).join('\n');
			})()`)
			if !strings.Contains(tips, "新熱點") || !strings.Contains(tips, "網格") {
				t.Errorf("unit tooltips %.300s", tips)
			}
			b.shot("hotspots")
			b.checkErrors()
		})
	}
}

// TestBrowserRiskAreas draws the air risk areas of 40 sensors under the
// fixture's rendering plume (plantSensors) on 500 m hexagons over 2026 at
// desktop and phone sizes in zh-TW: every area of the REST answer is drawn
// with its score in a zh-TW tooltip.
func TestBrowserRiskAreas(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentralWith(t, true, nil)
	const from, to = "2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00"
	res, err := http.Get(base + "/api/v1/air/risk?" + url.Values{"from": {from}, "to": {to}, "hex_edge": {"500"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Areas []json.RawMessage `json:"areas"`
	}
	err = json.NewDecoder(res.Body).Decode(&want)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || len(want.Areas) == 0 {
		t.Fatalf("risk: status %d, %v, %d areas", res.StatusCode, err, len(want.Areas))
	}
	for _, tc := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "risk-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("draw the risk areas",
				chromedp.Click(chromedp.ID("hotspot-button")),
				chromedp.WaitReady(chromedp.ID("risk-draw")),
				chromedp.SetValue(chromedp.ID("hs-edge"), "500"),
				chromedp.SendKeys(chromedp.ID("hs-from"), from),
				chromedp.SendKeys(chromedp.ID("hs-to"), to),
				chromedp.Click(chromedp.ID("risk-draw")),
				chromedp.WaitReady(chromedp.CSS(`body[data-hotspots]`)),
			)
			if got := js[string](b, `document.body.dataset.hotspots`); got == "error" {
				t.Fatalf("risk areas failed: %s", b.text("#error"))
			}
			if got := b.count("path.risk-area"); got != len(want.Areas) {
				t.Errorf("%d risk areas drawn, want %d", got, len(want.Areas))
			}
			tips := js[string](b, `(() => {
				document.querySelectorAll('path.risk-area').forEach((m) => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
				return Array.from(document.querySelectorAll('.leaflet-tooltip')).map((n) => n.textContent).join('\n');
			})()`)
			if !strings.Contains(tips, "風險區") || !strings.Contains(tips, "分數") {
				t.Errorf("risk tooltips %.300s", tips)
			}
			b.shot("risk")
			b.checkErrors()
		})
	}
}
