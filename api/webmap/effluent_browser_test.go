package webmap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// drawnLimit is what the page reports of one limit series of a drawn
// effluent chart: its legend label, how many periods it has a value in, its
// distinct values, the canvas rows (CSS pixels) its first and last points
// sit on, and the chart's reported points and periods.
type drawnLimit struct {
	Label          string    `json:"label"`
	Points         int       `json:"points"`
	Values         []float64 `json:"values"`
	Ys             []float64 `json:"ys"`
	ReportedPoints int       `json:"reported"`
	Periods        int       `json:"periods"`
}

// chartLimits reads the limit series of the drawn chart id from its uPlot
// instance: the chart is a canvas, so the series are what it paints.
const chartLimits = `(id) => {
  const fig = document.querySelector('figure[data-chart="' + id + '"]');
  if (!fig || !fig.plot) return null;
  const u = fig.plot;
  const out = [];
  u.series.forEach((s, i) => {
    if (i === 0 || !/限/.test(s.label) || s.label.includes('超標')) return;
    const vals = u.data[i].filter((v) => v != null);
    const ys = vals.map((v) => Math.round(u.valToPos(v, 'y')));
    out.push({ label: s.label, points: vals.length, values: [...new Set(vals)], ys: [ys[0], ys[ys.length - 1]],
      reported: u.data[1].filter((v) => v != null).length, periods: u.data[0].length });
  });
  return out;
}`

// TestBrowserEffluentLimits opens the plating shop's facility view in
// Chromium at desktop and phone size and reads its effluent charts: pH,
// held between 6 and 9, draws two horizontal limit lines labelled 許可下限
// and 許可上限 (not one line zig-zagging between the two limits), one
// reported point per period; COD, held only below 100, draws one line.
// Screenshots of the pH chart go to the artifacts.
func TestBrowserEffluentLimits(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentral(t)
	open := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`document.querySelector('.fac-`+portalFacility+`').dispatchEvent(new MouseEvent('click', {bubbles: true}))`)(ctx, tg)
		return err
	})
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "effluent-"+size.name, size.w, size.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("open the plating shop", open,
				chromedp.WaitReady(chromedp.CSS(`figure[data-chart="effluent-pH-single_sample"][data-drawn="true"] canvas`)),
				chromedp.WaitReady(chromedp.CSS(`figure[data-chart="effluent-COD-single_sample"][data-drawn="true"] canvas`)))
			ph := js[[]drawnLimit](b, `(`+chartLimits+`)('effluent-pH-single_sample')`)
			if len(ph) != 2 {
				t.Fatalf("the pH chart draws %d limit lines, want 2 (lower and upper): %+v", len(ph), ph)
			}
			want := []struct {
				label string
				value float64
			}{{"許可下限", 6}, {"許可上限", 9}}
			for i, l := range ph {
				if l.Label != want[i].label || len(l.Values) != 1 || l.Values[0] != want[i].value || l.Points != l.Periods || len(l.Ys) != 2 || l.Ys[0] != l.Ys[1] {
					t.Errorf("pH limit line %d: %+v, want %s at %v across all %d periods, level", i, l, want[i].label, want[i].value, l.Periods)
				}
				if l.ReportedPoints != l.Periods {
					t.Errorf("pH chart: %d reported points for %d periods, want one a period", l.ReportedPoints, l.Periods)
				}
			}
			if len(ph) == 2 && len(ph[0].Ys) == 2 && len(ph[1].Ys) == 2 && ph[0].Ys[0] <= ph[1].Ys[0] {
				t.Errorf("pH chart: the lower limit is drawn at row %v, not below the upper at row %v", ph[0].Ys[0], ph[1].Ys[0])
			}
			if legend := b.text(`figure[data-chart="effluent-pH-single_sample"] .u-legend`); !strings.Contains(legend, "許可下限") || !strings.Contains(legend, "許可上限") {
				t.Errorf("pH chart legend %q does not name both limits in zh-TW", legend)
			}
			cod := js[[]drawnLimit](b, `(`+chartLimits+`)('effluent-COD-single_sample')`)
			if len(cod) != 1 || cod[0].Label != "許可限值" || len(cod[0].Values) != 1 || cod[0].Values[0] != 100 {
				t.Errorf("the COD chart (upper limit only) draws %+v, want one 許可限值 line at 100", cod)
			}
			js[bool](b, `document.querySelector('figure[data-chart="effluent-pH-single_sample"]').scrollIntoView(), true`)
			b.shot("pH")
			b.checkErrors()
		})
	}
}
