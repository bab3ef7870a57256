package webmap_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserOGCPages opens the OGC API's HTML pages in headless Chromium
// at desktop and phone sizes, as a GIS analyst exploring the layers in a
// browser would: the items page draws each listed feature on its map
// (with the web map's vendored Leaflet, nothing from outside) beside a
// table of the same features, and a single facility's page draws it.
func TestBrowserOGCPages(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentral(t)
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
				chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
				chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(size.w, size.h),
				chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true))
			defer cancelAlloc()
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			// Start the browser on the context without a deadline: the first
			// action's context owns the browser's lifetime.
			if err := chromedp.Do(ctx); err != nil {
				t.Fatalf("start chromium: %v", err)
			}
			// Headless windows are at least 500 px wide; emulate the viewport
			// for the phone.
			if _, err := runStep(ctx, chromedp.EmulateViewport(int64(size.w), int64(size.h))); err != nil {
				t.Fatal(err)
			}
			count := func(js string) int {
				t.Helper()
				v, err := runStep(ctx, chromedp.Evaluate[int](js))
				if err != nil {
					t.Fatalf("%s: %v", js, err)
				}
				return v
			}
			load := func(path string) {
				t.Helper()
				sctx, c := context.WithTimeout(ctx, 60*time.Second)
				defer c()
				if err := chromedp.Do(sctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS(`#map .leaflet-overlay-pane`))); err != nil {
					t.Fatalf("open %s: %v", path, err)
				}
			}

			load("/ogc/collections/stations/items?f=html&limit=12")
			rows, drawn := count(`document.querySelectorAll('#items tbody tr').length`), count(`document.querySelectorAll('#map path.leaflet-interactive').length`)
			if rows != 12 || drawn != 12 || count(`window.ogcFeatureCount`) != 12 {
				t.Errorf("stations page: %d rows, %d markers drawn, want 12 each", rows, drawn)
			}
			if w := count(`document.documentElement.scrollWidth`); w > size.w+1 {
				t.Errorf("the page is %d px wide in a %d px window", w, size.w)
			}
			shot, err := runStep(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			saveArtifact(t, fmt.Sprintf("ogc-items-%s.png", size.name), shot)

			load("/ogc/collections/reaches/items?f=html&limit=40")
			if drawn := count(`document.querySelectorAll('#map path.leaflet-interactive').length`); drawn != 40 {
				t.Errorf("reaches page drew %d reaches, want 40", drawn)
			}
			load("/ogc/collections/facilities/items/N3299784?f=html")
			if drawn := count(`document.querySelectorAll('#map path.leaflet-interactive').length`); drawn != 1 {
				t.Errorf("facility page drew %d features, want 1", drawn)
			}
		})
	}
}
