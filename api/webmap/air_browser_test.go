package webmap_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/fixtures/odoursynth"
	"github.com/envtrace/envtrace/fixtures/sensorsynth"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// plantSensors writes 40 sensors with a PM2.5 plume from the fixture's
// rendering plant under the fixture's wind (fixtures/sensorsynth) into dir.
func plantSensors(t *testing.T, dir string) {
	t.Helper()
	d, err := datadir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := d.Water.Facility("Q7301001")
	if !ok {
		t.Fatal("the fixture has no rendering plant Q7301001")
	}
	lon, lat, _ := f.Position()
	src := odoursynth.Factory{ID: f.EmsNo, Name: f.Name, Industry: f.Industry, Lon: lon, Lat: lat}
	sc, err := sensorsynth.Generate(t.Context(), sensorsynth.Config{Station: d.Monitors[0], Wind: d.Wind, Centre: [2]float64{lon, lat},
		Factories: []odoursynth.Factory{src}, Sensors: 40, Hours: 3}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := sensor.WriteDir(dir, sc.Data); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserAir: the micro-sensor layer draws every sensor coloured by its
// ADF class with the class's name in the tooltip, at desktop and phone
// sizes in zh-TW.
func TestBrowserAir(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentralWith(t, true, nil)
	for _, tc := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "air-"+tc.name, tc.w, tc.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			if n := js[string](b, `document.body.dataset.airSensors || ''`); n != "40" {
				t.Fatalf("sensors drawn: %q", n)
			}
			if got := b.count("path.air-marker"); got != 40 {
				t.Fatalf("%d sensor markers", got)
			}
			if legend := b.text(".legend"); !strings.Contains(legend, "微型感測器") || !strings.Contains(legend, "疑似鄰近污染源") {
				t.Errorf("legend %q", legend)
			}
			tips := js[string](b, `(() => {
				document.querySelectorAll('path.air-marker').forEach((m) => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
				return Array.from(document.querySelectorAll('.leaflet-tooltip')).map((n) => n.textContent).join('\n');
			})()`)
			if !strings.Contains(tips, "感測器 SYN001") || !strings.Contains(tips, "MD 分數") {
				t.Errorf("tooltips %.300s", tips)
			}
			b.shot("air")
			b.checkErrors()
		})
	}
}
