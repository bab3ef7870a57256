package webmap_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// analysisLayerNames are the zh-TW names the switcher must show for the
// analysis layers of the OGC API.
var analysisLayerNames = map[string]string{
	"hotspots-petitions-gi":            "陳情熱點（Gi*）",
	"hotspots-petitions-ehsa":          "陳情新興熱點（EHSA）",
	"hotspots-sensor-exceedances-gi":   "感測器超標熱點（Gi*）",
	"hotspots-sensor-exceedances-ehsa": "感測器超標新興熱點（EHSA）",
	"hotspots-violations-gi":           "違規紀錄熱點（Gi*）",
	"hotspots-violations-ehsa":         "違規紀錄新興熱點（EHSA）",
	"air-risk-areas":                   "空污高風險區",
	"odour-surface":                    "異味三角定位似然面（近 30 日陳情）",
}

// TestBrowserAnalysisLayers: with sensors under the rendering plant's
// plume (plantSensors), the layer switcher offers every analysis layer of
// the OGC API under its zh-TW name, and switching the risk areas and the
// odour surface on draws exactly the layer's features, with zh-TW
// tooltips, at desktop and phone sizes.
func TestBrowserAnalysisLayers(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentralWith(t, true, nil)
	matched := func(id string) int {
		res, err := http.Get(base + "/ogc/collections/" + id + "/items?f=json&limit=1")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var fc struct {
			N int `json:"numberMatched"`
		}
		if err := json.NewDecoder(res.Body).Decode(&fc); err != nil || res.StatusCode != http.StatusOK || fc.N == 0 {
			t.Fatalf("%s: status %d, %v, %d features", id, res.StatusCode, err, fc.N)
		}
		return fc.N
	}
	want := map[string]int{"air-risk-areas": matched("air-risk-areas"), "odour-surface": matched("odour-surface")}
	for _, tc := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "analysis-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			offered := strings.Fields(js[string](b, `document.body.dataset.analysisLayers || ''`))
			labels := js[string](b, `Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).map((n) => n.textContent.trim()).join('\n')`)
			for id, name := range analysisLayerNames {
				if !strings.Contains(strings.Join(offered, " "), id) {
					t.Errorf("layer %s not offered (offered: %v)", id, offered)
				}
				if !slices.Contains(strings.Split(labels, "\n"), name) {
					t.Errorf("the switcher lacks %q:\n%s", name, labels)
				}
			}
			for id, n := range want {
				if !js[bool](b, `(() => {
					const l = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).find((n) => n.textContent.trim() === `+strconv.Quote(analysisLayerNames[id])+`);
					if (!l) return false;
					l.querySelector('input').click();
					return true;
				})()`) {
					t.Fatalf("no switch for %s", id)
				}
				attr := `document.body.dataset.drawn_` + strings.ReplaceAll(id, "-", "_")
				for deadline := time.Now().Add(60 * time.Second); js[string](b, attr+` || ''`) == ""; time.Sleep(100 * time.Millisecond) {
					if time.Now().After(deadline) {
						b.shot("failure")
						b.checkErrors()
						t.Fatalf("%s not drawn after 60 s", id)
					}
				}
				if got := b.count("path.analysis-" + id); got != n {
					t.Errorf("%s: %d drawn, want %d", id, got, n)
				}
			}
			b.shot("analysis")
			tips := js[string](b, `(() => {
				document.querySelectorAll('path.analysis-air-risk-areas, path.analysis-odour-surface').forEach((m) => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
				return Array.from(document.querySelectorAll('.leaflet-tooltip')).map((n) => n.textContent).join('\n');
			})()`)
			if !strings.Contains(tips, "風險區") || !strings.Contains(tips, "似然值") {
				t.Errorf("tooltips %.300s", tips)
			}
			b.checkErrors()
		})
	}
}
