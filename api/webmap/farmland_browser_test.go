package webmap_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserFarmland shows the intakes and the irrigated areas coloured
// by risk, follows a bad reading above the Futian canal's intake to the
// intakes it reaches (the impact table readable at either size), and
// raises the alert that closes them, at desktop and phone sizes, in zh-TW.
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
		checkImpactTable(t, b, w)
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

// impactLabels are the impact table's column labels in zh-TW, in order.
var impactLabels = []string{"取水口", "抵達時間", "流達時間（小時）", "稀釋倍數", "預估濃度", "灌溉用水標準", "灌區面積（公頃）", "管理處工作站"}

// impactCells is what checkImpactTable measures of the impact table.
type impactCells struct {
	Display  []string // the cells' CSS display
	Labels   []string // the first row's cells' ::before content
	Heads    []string // the header cells' text
	HeadH    float64  // the header row's height, px
	MinWidth float64  // the narrowest cell, px
	MaxLines int      // the most lines a cell's value takes
	Over     float64  // how far the table reaches past its container, px
	Scroll   float64  // the container's horizontal overflow, px
	Cells    int      // cells measured
}

// checkImpactTable checks the impact table's layout. On a desktop it is a
// table under its header row. On a phone each row is a card of label and
// value pairs that fits the panel: no cell narrower than 250 px, no value
// on more than two lines (a squeezed column wraps letter by letter), each
// value beside its zh-TW label; the card list is shot scrolled into view.
func checkImpactTable(t *testing.T, b *browser, w int) {
	t.Helper()
	got := js[impactCells](b, `(() => {
		const table = document.getElementById('farmland-impact'), out = document.getElementById('farmland-out');
		const cells = [...table.querySelectorAll('tbody td')];
		const lines = (td) => {
			const r = document.createRange();
			r.selectNodeContents(td);
			return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size;
		};
		return {
			Display: [...new Set(cells.map((td) => getComputedStyle(td).display))],
			Labels: [...table.querySelectorAll('tbody tr:first-child td')].map((td) => getComputedStyle(td, '::before').content),
			Heads: [...table.querySelectorAll('thead th')].map((th) => th.textContent),
			HeadH: table.querySelector('thead').getBoundingClientRect().height,
			MinWidth: Math.min(...cells.map((td) => td.getBoundingClientRect().width)),
			MaxLines: Math.max(...cells.map(lines)),
			Over: table.getBoundingClientRect().right - out.getBoundingClientRect().right,
			Scroll: out.scrollWidth - out.clientWidth,
			Cells: cells.length,
		};
	})()`)
	if !slices.Equal(got.Heads, impactLabels) {
		t.Errorf("header cells %q, want %q", got.Heads, impactLabels)
	}
	if got.Cells != 19*len(impactLabels) {
		t.Errorf("%d cells, want %d", got.Cells, 19*len(impactLabels))
	}
	if w >= 700 {
		if !slices.Equal(got.Display, []string{"table-cell"}) || got.HeadH < 20 {
			t.Errorf("desktop: cells displayed as %q under a header %.0f px high, want a table", got.Display, got.HeadH)
		}
		return
	}
	b.step("scroll to the impact table", chromedp.ScrollIntoView(chromedp.ID("farmland-impact")), chromedp.Sleep(200*time.Millisecond))
	b.shot("farmland-impact-table")
	t.Logf("phone: narrowest cell %.0f px, at most %d lines a value, table %.0f px past its container, %.0f px to scroll",
		got.MinWidth, got.MaxLines, got.Over, got.Scroll)
	if got.HeadH > 1 {
		t.Errorf("phone: the header row is %.0f px high, want it only for screen readers", got.HeadH)
	}
	if got.MinWidth < 250 || got.MaxLines > 2 {
		t.Errorf("phone: narrowest cell %.0f px, a value on %d lines: want every cell at least 250 px and no value on more than 2 lines", got.MinWidth, got.MaxLines)
	}
	if got.Over > 0.5 || got.Scroll > 0 {
		t.Errorf("phone: the table reaches %.0f px past its container (%.0f px to scroll), want it to fit", got.Over, got.Scroll)
	}
	want := make([]string, len(impactLabels))
	for i, l := range impactLabels {
		want[i] = strconv.Quote(l)
	}
	if !slices.Equal(got.Labels, want) {
		t.Errorf("phone: a row's labels %q, want %q", got.Labels, want)
	}
}
