package webmap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserFarmland shows the intakes and the irrigated areas coloured
// by risk, follows a bad reading above the Futian canal's intake to the
// intakes it reaches, and raises the alert that closes them, at desktop
// and phone sizes, in zh-TW.
func TestBrowserFarmland(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentral(t)
	run := func(t *testing.T, name string, w, h int) {
		b := newBrowser(t, exe, base, name, w, h)
		b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"][data-farmland-intakes="19"]`)))
		if n := b.count("path.farmland-area"); n != 15 {
			t.Errorf("%d irrigated areas drawn, want 15", n)
		}
		if n := b.count("path.farmland-area.risk-none"); n == 15 {
			t.Error("every area is grey: no risk colouring")
		}
		if got := b.text("#farmland-button"); got != "農地影響" {
			t.Errorf("farmland button %q", got)
		}
		b.step("open the form", chromedp.Click(chromedp.ID("farmland-button")), chromedp.WaitReady(chromedp.ID("farmland-form")),
			chromedp.SetValue(chromedp.ID("f-kind"), "station"),
			chromedp.SendKeys(chromedp.ID("f-id"), "WQ-M03"),
			chromedp.SendKeys(chromedp.ID("f-value"), "1.815"),
			chromedp.SendKeys(chromedp.ID("f-time"), "2026-08-14T04:00:00+08:00"))
		b.step("impact", chromedp.Click(chromedp.ID("f-impact")), chromedp.WaitReady(chromedp.CSS(`body[data-farmland-impact="19"]`)))
		b.step("path", chromedp.WaitReady(chromedp.CSS(`body[data-farmland-path]:not([data-farmland-path="0"])`)))
		if n := b.count("path.farmland-path"); n == 0 {
			t.Error("no downstream path drawn from the station")
		}
		rows := b.count("#farmland-impact tbody tr.exceeds")
		if rows != 19 {
			t.Errorf("%d exceeding rows, want all 19 intakes below the station", rows)
		}
		first := b.text("#farmland-impact tbody tr:first-child")
		if !strings.Contains(first, "福田圳進水口") || !strings.Contains(first, "(UTC+8)") {
			t.Errorf("first row %q: want the Futian head gate, in Taiwan time", first)
		}
		b.shot("farmland-impact")
		b.step("alert", chromedp.Click(chromedp.ID("f-alert")), chromedp.WaitReady(chromedp.CSS(`#farmland-alert[data-intakes="19"]`)))
		if a := b.text("#farmland-alert"); !strings.Contains(a, "請於") || !strings.Contains(a, "福田工作站") || !strings.Contains(a, "04-7620-1101") {
			t.Errorf("alert %q", a)
		}
		b.shot("farmland-alert")
		if w < 700 {
			b.step("settle", chromedp.Sleep(200*time.Millisecond))
			if right := js[float64](b, `document.getElementById('farmland-form').getBoundingClientRect().right`); right > float64(w) {
				t.Errorf("the form runs %.0f px wide on a %d px phone", right, w)
			}
		}
		b.checkErrors()
	}
	t.Run("desktop", func(t *testing.T) { run(t, "desktop", 1440, 900) })
	t.Run("phone", func(t *testing.T) { run(t, "phone", 390, 844) })
}
