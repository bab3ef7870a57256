package inspection

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPrintablePlanInChromium opens the printable zh-TW plan in headless
// Chromium at desktop and phone size: every entry is a row, the page is
// Traditional Chinese, nothing overflows the phone's width but the
// scrollable route tables, it prints to PDF, and screenshots are kept
// ($ENVTRACE_ARTIFACTS or the test's directory).
func TestPrintablePlanInChromium(t *testing.T) {
	exe := ""
	for _, name := range []string{os.Getenv("ENVTRACE_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); name != "" && err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium is required (REQUIRE_BROWSER=1) but not installed")
		}
		t.Skip("chromium not installed; set REQUIRE_BROWSER=1 to make this a failure")
	}
	p := planFor(t, centralSource(t), 3)
	html, _, err := p.Export(FormatHTML)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "plan.html")
	if err := os.WriteFile(page, html, 0o644); err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("ENVTRACE_ARTIFACTS")
	if out == "" {
		out = t.TempDir()
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			actx, cancelA := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox,
				chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(size.w, size.h),
				chromedp.Flag("lang", "zh-TW"), chromedp.Flag("disable-dev-shm-usage", true))
			defer cancelA()
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
			defer cancelT()
			if size.w < 600 {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(size.w), int64(size.h), chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
				t.Fatal(err)
			}
			eval := func(expr string) float64 {
				v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr))
				if err != nil {
					t.Fatalf("%s: %v", expr, err)
				}
				return v
			}
			if rows := int(eval(`document.querySelectorAll('table tr').length - document.querySelectorAll('table').length`)); rows != len(entries(p)) {
				t.Errorf("%d rows, %d entries", rows, len(entries(p)))
			}
			if eval(`document.documentElement.lang === 'zh-Hant-TW' && document.title.startsWith('稽查計畫') ? 1 : 0`) != 1 {
				t.Error("the page is not the zh-TW plan")
			}
			if over := eval(`document.body.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("the page is %v px wider than the %s viewport", over, size.name)
			}
			img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil || len(img) == 0 {
				t.Fatalf("screenshot: %v", err)
			}
			if err := os.WriteFile(filepath.Join(out, "inspection-plan-"+size.name+".png"), img, 0o644); err != nil {
				t.Error(err)
			}
			t.Logf("screenshot: %s", filepath.Join(out, "inspection-plan-"+size.name+".png"))
		})
	}
}
