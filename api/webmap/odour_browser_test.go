package webmap_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
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
		name, path, legend, category string
		w, h                         int
	}{
		{"desktop", "/", "異味陳情", "硫磺味", 1440, 900},
		{"phone", "/", "異味陳情", "硫磺味", 390, 844},
		{"desktop-en", "/?lang=en", "Odour petitions", "sulphur", 1440, 900},
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
				return out.join('\n');
			})()`)
			if !strings.Contains(tips, tc.category) || !strings.Contains(tips, "(UTC+8)") {
				t.Errorf("tooltips lack %q or the Taiwan time: %.300s", tc.category, tips)
			}
			b.shot("odour")
			b.checkErrors()
		})
	}
}
