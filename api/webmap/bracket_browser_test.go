package webmap_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/fixtures"
)

// bracketNote is one note of a facility's evidence.bracketing_by.
type bracketNote struct {
	Kind, Station string
}

// ruledOutByStation traces each scenario over the API and returns the
// first whose answer rules a facility out by a clean station, with that
// facility's notes.
func ruledOutByStation(t *testing.T, base string, scen []fixtures.Scenario) (fixtures.Scenario, string, []bracketNote) {
	t.Helper()
	for _, sc := range scen {
		q := url.Values{"station": {sc.Station}, "parameter": {sc.Parameter}, "value": {strconv.FormatFloat(sc.Value, 'f', -1, 64)},
			"unit": {sc.Unit}, "time": {sc.Time.Format(time.RFC3339)}}
		if sc.FlowM3s > 0 {
			q.Set("flow", strconv.FormatFloat(sc.FlowM3s, 'f', -1, 64))
		}
		res, err := http.Get(base + "/api/v1/trace?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		var ans struct {
			RuledOut []struct {
				FacilityID string `json:"facility_id"`
				Evidence   struct {
					BracketingBy []bracketNote `json:"bracketing_by"`
				} `json:"evidence"`
			} `json:"ruled_out"`
		}
		err = json.NewDecoder(res.Body).Decode(&ans)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			continue
		}
		for _, r := range ans.RuledOut {
			if n := r.Evidence.BracketingBy; len(n) == 1 && n[0].Kind == "cleared" {
				return sc, r.FacilityID, n
			}
		}
	}
	t.Fatal("no scenario rules a facility out by a clean station")
	return fixtures.Scenario{}, "", nil
}

// TestBrowserRuledOutWording traces a scenario in which a clean station
// rules a facility out, at desktop and phone sizes in zh-TW and on the
// desktop in English: the ruled-out line says so in the page's language,
// worded from the evidence's notes (station, time in Taiwan time, weight),
// never in the engine's English sentence on the Chinese page.
func TestBrowserRuledOutWording(t *testing.T) {
	exe := chromium(t)
	base, scen := serveCentral(t)
	sc, facility, notes := ruledOutByStation(t, base, scen)
	for _, tc := range []struct {
		name, lang string
		w, h       int
		want       []string
		not        []string
	}{
		{"desktop", "", 1440, 900, []string{"此排放口下游的 " + notes[0].Station + " 測站", "量測正常", "(UTC+8)", "予以排除"}, []string{"read clean", "downstream"}},
		{"phone", "", 390, 844, []string{"此排放口下游的 " + notes[0].Station + " 測站", "量測正常"}, []string{"read clean"}},
		{"english", "en", 1440, 900, []string{"station " + notes[0].Station + ", downstream of this outfall, read clean at", "(UTC+8)", "ruled out"}, []string{"測站"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "bracket-"+tc.name, tc.w, tc.h)
			page := base + "/"
			if tc.lang != "" {
				page += "?lang=" + tc.lang
			}
			b.step("load the map", chromedp.Navigate(page), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.pickScenario(sc)
			b.trace()
			line := js[string](b, `(() => { const li = Array.from(document.querySelectorAll('#ruled-out li')).find((x) => x.textContent.includes('(`+facility+`)'));
				return li ? li.textContent : ''; })()`)
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("ruled-out line of %s lacks %q: %q", facility, w, line)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(line, w) {
					t.Errorf("ruled-out line of %s holds %q: %q", facility, w, line)
				}
			}
			// The suspect cards' upstream rows are worded the same way.
			if rows := js[string](b, `Array.from(document.querySelectorAll('.suspect-card dd.bracketing')).map((d) => d.textContent).join('|')`); tc.lang == "" && strings.Contains(rows, "station ") {
				t.Errorf("suspect cards' upstream rows in English: %q", rows)
			}
			js[bool](b, `(document.getElementById('ruled-out').open = true)`)
			b.step("open the ruled-out list", chromedp.ScrollIntoView(chromedp.CSS(`#ruled-out li:nth-child(3)`)))
			b.shot("ruled-out")
			b.checkErrors()
		})
	}
}
