package webmap_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
)

// chromium finds the browser, skipping the test without one unless the
// environment demands it (CI that installed it, or a real-data run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("ENVTRACE_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("REQUIRE_BROWSER") == "1" || os.Getenv("REQUIRE_REALDATA") == "1" {
		t.Fatal("chromium is required (REQUIRE_BROWSER or REQUIRE_REALDATA is set) but not installed: apt-get install -y chromium")
	}
	t.Skip("chromium not installed (apt-get install -y chromium); set REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// serveCentral serves the central-Taiwan fixture on 127.0.0.1 and returns
// its base URL; the server stops when the test ends.
func serveCentral(t *testing.T) (string, []fixtures.Scenario) {
	t.Helper()
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	ds, err := model.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	network, _, err := hydro.Load(context.Background(), ds.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := basin.New(network, ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	scen, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	list := make([]api.Scenario, len(scen))
	for i, s := range scen {
		list[i] = api.Scenario{ID: s.ID, Description: s.Description, Station: s.Station, Parameter: s.Parameter,
			Value: s.Value, Unit: s.Unit, Time: s.Time, FlowM3s: s.FlowM3s, Culprit: s.Culprit,
			UnexplainedBetween: s.UnexplainedBetween, TravelHours: s.TravelHours}
	}
	backend, err := api.NewMemoryBackendWithBasin(b, api.WithScenarios(list))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, backend)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), scen
}

// artifactDirs are where screenshots go: $ENVTRACE_ARTIFACTS (CI keeps
// it) or the test's temporary directory, and testdata-artifacts/ at the
// module root (git-ignored) for a developer to look at.
func artifactDirs(t *testing.T) []string {
	dirs := []string{os.Getenv("ENVTRACE_ARTIFACTS")}
	if dirs[0] == "" {
		dirs[0] = t.TempDir()
	}
	if root, err := filepath.Abs(filepath.Join("..", "..")); err == nil {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			dirs = append(dirs, filepath.Join(root, "testdata-artifacts"))
		}
	}
	return dirs
}

func saveArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	for _, d := range artifactDirs(t) {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Errorf("artifact dir: %v", err)
			continue
		}
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Errorf("write artifact: %v", err)
			continue
		}
		t.Logf("screenshot: %s", p)
	}
}

// runStep runs one action that returns a value, with a deadline.
func runStep[T any](ctx context.Context, a chromedp.Action[T]) (T, error) {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(sctx, a)
}

// TestBrowserTrace drives the web map in headless Chromium the way an
// inspector would: load the map, pick a known case, click its station,
// trace, and read the ranked suspects. The fixture knows the culprit, so
// the test knows the answer. It also checks that an error is shown in the
// page and that a facility's permit opens.
func TestBrowserTrace(t *testing.T) {
	exe := chromium(t)
	base, scen := serveCentral(t)
	var sc fixtures.Scenario
	for _, s := range scen {
		if s.ID == "night-plating-canal" {
			sc = s
		}
	}
	if sc.Culprit == "" {
		t.Fatal("fixture lacks the night-plating-canal scenario")
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()

	// Script errors and CSP violations fail the test: the page must run
	// clean, not just look right. Listen starts the browser, so it runs on
	// the context without a deadline (a deadline there would end the
	// browser); each step below gets its own.
	var mu sync.Mutex
	var jsErrors []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			jsErrors = append(jsErrors, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				jsErrors = append(jsErrors, "console.error: "+strings.Join(parts, " "))
			}
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	// step runs actions with a deadline, saving a screenshot on failure.
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			fctx, c := context.WithTimeout(ctx, 5*time.Second)
			if shot, err := chromedp.Run(fctx, chromedp.CaptureScreenshot()); err == nil {
				saveArtifact(t, "webmap-failure.png", shot)
			}
			c()
			t.Fatalf("%s: %v", what, err)
		}
	}
	str := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := runStep(ctx, a)
		if err != nil {
			t.Fatalf("read the page: %v", err)
		}
		return v
	}
	count := func(selector string) int {
		t.Helper()
		v, err := runStep(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(selector)+`).length`))
		if err != nil {
			t.Fatalf("count %s: %v", selector, err)
		}
		return v
	}

	// 1. The map loads: rivers, stations coloured by RPI, facilities, the
	// legend and the scenario picker.
	step("load the map",
		chromedp.Navigate(base+"/"),
		chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)),
	)
	stations, rivers, facilities := count("path.station-marker"), count(".leaflet-rivers-pane path"), count(".facility-icon")
	legendRows, options := count("#legend .row"), count("#scenario option")
	if stations != 18 || rivers < 100 || facilities != 43 || legendRows < 9 || options != len(scen)+1 {
		t.Errorf("map: %d stations, %d river paths, %d facilities, %d legend rows, %d scenario options",
			stations, rivers, facilities, legendRows, options)
	}

	// 2. Pick the scenario, then click its station on the map: the panel
	// opens with the scenario's reading filled in.
	step("pick the scenario and click its station",
		chromedp.SetValue(chromedp.ID("scenario"), sc.ID),
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Evaluate[bool](`document.getElementById('scenario').dispatchEvent(new Event('change'))`)(ctx, tg)
			return chromedp.Void{}, err
		},
		chromedp.WaitReady(chromedp.CSS(`#trace-form`)),
		chromedp.Click(chromedp.CSS(`path.station-marker.st-`+sc.Station)),
		chromedp.WaitReady(chromedp.CSS(`.station[data-station="`+sc.Station+`"] #trace-form`)),
	)
	title := str(chromedp.Text(chromedp.CSS(`h2.title`)))
	value, unit, when := str(chromedp.Value(chromedp.ID("f-value"))), str(chromedp.Value(chromedp.ID("f-unit"))), str(chromedp.Value(chromedp.ID("f-time")))
	if !strings.HasPrefix(title, sc.Station) || value != fmt.Sprint(sc.Value) || unit != sc.Unit {
		t.Errorf("panel %q prefilled with %q %q %q, want the scenario's %v %s", title, value, unit, when, sc.Value, sc.Unit)
	}
	if got, err := time.Parse(time.RFC3339, when); err != nil || !got.Equal(sc.Time) {
		t.Errorf("time prefilled %q, want %s", when, sc.Time.Format(time.RFC3339))
	}

	// 3. Trace: the culprit is the top suspect, and the trace is drawn.
	step("trace",
		chromedp.Click(chromedp.ID("trace-button")),
		chromedp.WaitReady(chromedp.CSS(`#trace-results[data-done="true"] #suspects`)),
		chromedp.Sleep(600*time.Millisecond), // let the map finish its zoom animation
	)
	top, err := runStep(ctx, chromedp.AttributeValue(chromedp.CSS(`#suspects tbody tr`), "data-facility"))
	if err != nil {
		t.Fatal(err)
	}
	verdict := str(chromedp.Text(chromedp.ID("verdict")))
	rows, suspects, traced := count("#suspects tbody tr"), count(".suspect-icon"), count(".leaflet-traced-pane path")
	if top.Value != sc.Culprit {
		t.Errorf("top suspect in the panel is %q, want the culprit %s", top.Value, sc.Culprit)
	}
	if !strings.Contains(verdict, "Explained") || rows == 0 || suspects != rows || traced < 3 {
		t.Errorf("verdict %q, %d suspect rows, %d suspect markers, %d traced reaches", verdict, rows, suspects, traced)
	}
	shot, err := runStep(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "webmap-trace.png", shot)

	// 4. A bad reading: the problem is shown in the page, naming the field.
	step("trace a bad time",
		chromedp.SetValue(chromedp.ID("f-time"), "yesterday evening"),
		chromedp.Click(chromedp.ID("trace-button")),
		chromedp.WaitReady(chromedp.CSS(`#trace-results[data-done="error"]`)),
		chromedp.WaitVisible(chromedp.ID("error")),
	)
	if errText := str(chromedp.Text(chromedp.ID("error"))); !strings.Contains(errText, "time") || !strings.Contains(errText, "RFC 3339") {
		t.Errorf("error box: %q", errText)
	}
	if n := count("#f-time.invalid"); n != 1 {
		t.Errorf("the time field is not marked invalid")
	}

	// 5. The culprit's facility: permit, limits and rationality checks.
	step("open the culprit's facility",
		chromedp.Click(chromedp.CSS(`.facility-icon.fac-`+sc.Culprit)),
		chromedp.WaitReady(chromedp.CSS(`.facility[data-facility="`+sc.Culprit+`"]`)),
		chromedp.Sleep(200*time.Millisecond),
	)
	facTitle := str(chromedp.Text(chromedp.CSS(`.facility h2.title`)))
	permits := str(chromedp.Text(chromedp.CSS(`.facility .permit`)))
	findings := str(chromedp.Text(chromedp.ID("findings")))
	if facTitle == "" || !strings.Contains(permits, "Cu") || !strings.Contains(findings, "limit") {
		t.Errorf("facility panel %q: permit %q, findings %q", facTitle, permits, findings)
	}
	if shot, err = runStep(ctx, chromedp.CaptureScreenshot()); err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "webmap-facility.png", shot)

	mu.Lock()
	defer mu.Unlock()
	for _, e := range jsErrors {
		// The failed trace of step 4 is logged by the browser as a
		// failed resource load (400); everything else is a bug.
		if strings.Contains(e, "400") {
			continue
		}
		t.Errorf("page error: %s", e)
	}
}
