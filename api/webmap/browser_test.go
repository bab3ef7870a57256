package webmap_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	browsercdp "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/farmalert"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/internal/config"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/farmland"
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
	return serveCentralWith(t, false, nil)
}

// tempDirs are the fixture directories written outside a test's own
// TempDir (they outlive the test that wrote them), removed by TestMain.
var (
	tempMu   sync.Mutex
	tempDirs []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// centralData is the central fixture written, read and placed on its
// river network once per test binary and variant (with sensors planted
// under the rendering plant's plume, or without): every browser test
// serves the same data, and a server never changes the data it is given
// (cases, reports and records go into each server's own stores, ingested
// readings into its own copies). ok is false when an earlier test failed
// to build it.
type centralData struct {
	once  sync.Once
	ok    bool
	dir   string
	basin *basin.Basin
	scen  []api.Scenario
	fx    []fixtures.Scenario
	air   *datadir.Dir
	irr   *farmland.Data
	// insp is the ranking's source; each server forks it, so the water
	// traces of the readings are computed once for all.
	insp *inspection.Source
}

// central holds the plain fixture ([0]) and the one with planted sensors
// ([1]).
var central [2]centralData

// loadCentral builds c on the first call; planted adds the sensors.
func loadCentral(t *testing.T, planted bool) *centralData {
	t.Helper()
	c := &central[0]
	if planted {
		c = &central[1]
	}
	c.once.Do(func() {
		dir, err := os.MkdirTemp("", "envtrace-webmap-test-")
		if err != nil {
			t.Fatal(err)
		}
		tempMu.Lock()
		tempDirs = append(tempDirs, dir)
		tempMu.Unlock()
		if err := fixtures.WriteCentral(dir); err != nil {
			t.Fatal(err)
		}
		if planted {
			plantSensors(t, dir)
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
		air, err := datadir.ReadWith(dir, ds)
		if err != nil {
			t.Fatal(err)
		}
		irr, err := farmland.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		// The ranking's source, so that the facility portal is served (the
		// map links a facility to it).
		insp, err := inspection.NewSource(air)
		if err != nil {
			t.Fatal(err)
		}
		insp.UseBasin(b)
		c.dir, c.basin, c.scen, c.fx, c.air, c.irr, c.insp = dir, b, list, scen, air, irr, insp
		c.ok = true
	})
	if !c.ok {
		t.Fatal("the central fixture failed to load in an earlier test")
	}
	return c
}

// serveCentralWith is serveCentral over the fixture with sensors planted
// under the rendering plant's plume (planted, see plantSensors) or
// without, and the server's configuration adjusted by adjust (nil: the
// demo's, agency keys and demo identity).
func serveCentralWith(t *testing.T, planted bool, adjust func(*api.Config)) (string, []fixtures.Scenario) {
	t.Helper()
	c := loadCentral(t, planted)
	eng, err := farmland.New(c.basin, c.irr, 0)
	if err != nil {
		t.Fatal(err)
	}
	fa := &api.FarmlandArea{Engine: eng, Alerts: farmalert.NewBook(outbox.NewMemory())}
	desk, err := petition.NewDesk(nil, privacy.NewFuzzer(bytes.Repeat([]byte{5}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	insp := c.insp.Fork() // each server keeps its own records and new readings
	mem := store.NewMemory()
	insp.Repo, insp.SelfReports = mem, mem
	mb, err := api.NewMemoryBackendWithBasin(c.basin, api.WithScenarios(c.scen), api.WithCases(store.NewMemory()), api.WithFarmland(fa), api.WithAirData(c.air),
		api.WithPetitions(&api.PetitionArea{Desk: desk}), api.WithInspections(insp))
	if err != nil {
		t.Fatal(err)
	}
	dir, scen := c.dir, c.fx
	backend := &withDumping{MemoryBackend: mb, area: dumpingArea(t, dir)}
	// The basemap's tile server does not exist: the page must work with
	// no tile server, as it does offline.
	dead := []config.Basemap{{ID: "osm", URL: "http://127.0.0.1:9/{z}/{x}/{y}.png", Default: true}}
	cfg := api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Basemaps: dead,
		Auth: dumpingAuth(), DemoIdentity: true}
	if adjust != nil {
		adjust(&cfg)
	}
	srv, err := api.New(cfg, backend)
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

// browser is one headless Chromium for the test, with script errors
// collected: the page must run clean, not just look right.
type browser struct {
	t      *testing.T
	ctx    context.Context
	base   string
	name   string // artifact prefix: desktop or phone
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T, exe, base, name string, w, h int) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-TW"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, name: name}
	// Listen starts the browser, so it runs on the context without a
	// deadline; each step gets its own.
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			b.errors = append(b.errors, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, "console.error: "+strings.Join(parts, " "))
			}
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if w < 600 {
		b.step("phone viewport", chromedp.EmulateViewport(int64(w), int64(h), chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	}
	return b
}

// step runs actions with a deadline, saving a screenshot on failure.
func (b *browser) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		b.shot("failure")
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// js evaluates an expression in the page.
func js[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := runStep(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: evaluate %s: %v", b.name, expr, err)
	}
	return v
}

func (b *browser) count(selector string) int {
	b.t.Helper()
	return js[int](b, `document.querySelectorAll(`+strconv.Quote(selector)+`).length`)
}

func (b *browser) text(selector string) string {
	b.t.Helper()
	return js[string](b, `(document.querySelector(`+strconv.Quote(selector)+`) || {}).textContent || ''`)
}

func (b *browser) shot(what string) {
	fctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if img, err := chromedp.Run(fctx, chromedp.CaptureScreenshot()); err == nil {
		saveArtifact(b.t, "webmap-"+b.name+"-"+what+".png", img)
	}
}

// pickScenario chooses a known case in the picker, which opens its
// station with its reading filled in.
func (b *browser) pickScenario(sc fixtures.Scenario) {
	b.t.Helper()
	b.step("pick scenario "+sc.ID,
		chromedp.SetValue(chromedp.ID("scenario"), sc.ID),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.getElementById('scenario').dispatchEvent(new Event('change'))`)(ctx, tg)
			return err
		}),
		chromedp.WaitReady(chromedp.CSS(`.station[data-station="`+sc.Station+`"] #trace-form`)),
	)
}

// trace presses Trace and waits for the result and the map's animation.
func (b *browser) trace() {
	b.t.Helper()
	b.step("trace",
		chromedp.Click(chromedp.ID("trace-button")),
		chromedp.WaitReady(chromedp.CSS(`#trace-results[data-done="true"] #verdict`)),
		chromedp.Sleep(500*time.Millisecond),
	)
}

func (b *browser) checkErrors() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		// Failed loads of the dead tile server and of a deliberately bad
		// trace are logged by the browser; everything else is a bug.
		if strings.Contains(e, "400") || strings.Contains(e, "127.0.0.1:9") || strings.Contains(e, "ERR_CONNECTION_REFUSED") {
			continue
		}
		b.t.Errorf("%s: page error: %s", b.name, e)
	}
}

// scenarioChecks traces one fixture scenario and checks what an officer
// must see: the zh-TW verdict, each suspect's evidence, the reaches by
// status and the station's charts.
func scenarioChecks(t *testing.T, b *browser, sc fixtures.Scenario) {
	b.pickScenario(sc)
	if v := js[string](b, `document.getElementById('f-value').value`); v != fmt.Sprint(sc.Value) {
		t.Errorf("%s: form prefilled with %q, want %v", sc.ID, v, sc.Value)
	}
	b.trace()
	verdict := js[string](b, `document.getElementById('verdict').dataset.verdict`)
	heading := b.text("#verdict strong")
	suspect, cleared, stretch := b.count("path.reach-suspect"), b.count("path.reach-cleared"), b.count("path.reach-unexplained")
	if cleared == 0 {
		t.Errorf("%s: no cleared reach drawn (a clean station is upstream)", sc.ID)
	}
	if sc.Culprit != "" {
		top := js[string](b, `(document.querySelector('#suspects .suspect-card') || {dataset: {}}).dataset.facility || ''`)
		if verdict != "explained" || heading != "可由許可排放源解釋" || top != sc.Culprit || suspect == 0 || stretch != 0 {
			t.Errorf("%s: verdict %s %q, top card %q (want %s), reaches suspect %d stretch %d", sc.ID, verdict, heading, top, sc.Culprit, suspect, stretch)
		}
		card := b.text("#suspects .suspect-card")
		for _, want := range []string{"推估排放時段", "(UTC+8)", "所需負荷／許可負荷", "公斤/日", "所需放流濃度", "許可與行業", "過去超標", "分數因子", "涵蓋", "負荷比"} {
			if !strings.Contains(card, want) {
				t.Errorf("%s: the first suspect's card lacks %q: %s", sc.ID, want, card)
			}
		}
		if n := b.count(".suspect-icon.first"); n != 1 {
			t.Errorf("%s: %d first-rank markers", sc.ID, n)
		}
	} else {
		want := "請查 " + sc.UnexplainedBetween[0] + " 至 " + sc.UnexplainedBetween[1] + " 之間的河段。"
		if verdict != "unexplained" || stretch == 0 || b.count(".suspect-icon") != 0 || b.text("#verdict .stretch") != want {
			t.Errorf("%s: verdict %s, stretch reaches %d, rank markers %d, stretch text %q (want %q)", sc.ID, verdict, stretch,
				b.count(".suspect-icon"), b.text("#verdict .stretch"), want)
		}
	}
	// The reason is worded from the catalogue in the page's language.
	if r := b.text("#verdict-reason"); !regexp.MustCompile(`\p{Han}`).MatchString(r) || regexp.MustCompile(`readings|range|discharge`).MatchString(r) {
		t.Errorf("%s: verdict reason not in zh-TW: %q", sc.ID, r)
	}
	if ins := b.text("#insufficient"); ins != "" && (strings.Contains(ins, "could carry") || !strings.Contains(ins, "無法")) {
		t.Errorf("%s: why a facility cannot carry the load is not in zh-TW: %q", sc.ID, ins)
	}
	if n := b.count("#upstream tbody tr"); n == 0 {
		t.Errorf("%s: the upstream stations and what they read are not shown", sc.ID)
	}
	b.step("charts", chromedp.WaitReady(chromedp.CSS(`figure.station-chart[data-drawn="true"] canvas`)))
	// Continuous stations measure no complete RPI sample; fixed ones chart it.
	if st := js[string](b, `document.querySelector('.station .meta').textContent`); strings.Contains(st, "定點") {
		b.step("RPI chart", chromedp.WaitReady(chromedp.CSS(`figure.rpi-chart[data-drawn="true"] canvas`)))
	} else if b.count(`figure.rpi-chart`)+strings.Count(b.text("#station-charts"), "無完整 RPI") == 0 {
		t.Errorf("%s: neither an RPI chart nor its absence is shown", sc.ID)
	}
	b.shot(sc.ID)
}

// TestBrowser drives the web map in headless Chromium the way an officer
// would, at desktop size and at phone size (390×844), with a basemap whose
// tile server does not answer: every fixture scenario, a routine reading
// that must mark nobody, saving a case, reopening it from its permalink
// and printing its report to PDF. Screenshots go to testdata-artifacts/.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	base, scen := serveCentral(t)
	t.Run("desktop", func(t *testing.T) {
		b := newBrowser(t, exe, base, "desktop", 1440, 900)
		b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
		lang := js[string](b, `document.documentElement.lang`)
		intro := b.text(".intro")
		stations, rivers, labels := b.count("path.station-marker"), b.count(".leaflet-rivers-pane path"), b.count(".river-label")
		if lang != "zh-Hant-TW" || !strings.Contains(intro, "水質測站") || stations != 18 || rivers < 100 || labels < 5 || b.count(".basin-outline") != 1 {
			t.Errorf("map: lang %q, intro %q, %d stations, %d rivers, %d river labels", lang, intro, stations, rivers, labels)
		}
		if n := b.count(".leaflet-control-layers-base input"); n != 2 {
			t.Errorf("layer switcher offers %d basemaps, want the configured one and none", n)
		}
		b.shot("map")
		for _, sc := range scen {
			scenarioChecks(t, b, sc)
		}
		routine(t, b)
		saveReopenPrint(t, b, scen)
		b.step("English", chromedp.Navigate(base+"/?lang=en"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
		if lang, h := js[string](b, `document.documentElement.lang`), b.text("#scenario option"); lang != "en" || !strings.Contains(h, "choose a known case") {
			t.Errorf("English page: lang %q, picker %q", lang, h)
		}
		b.checkErrors()
	})
	t.Run("phone", func(t *testing.T) {
		b := newBrowser(t, exe, base, "phone", 390, 844)
		b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
		// The legend starts folded and covers little of the map.
		legend := js[[]float64](b, `(() => { const r = document.getElementById('legend').getBoundingClientRect(), m = document.getElementById('map').getBoundingClientRect(); return [r.width * r.height, m.width * m.height]; })()`)
		if len(legend) != 2 || legend[1] == 0 || legend[0] > 0.1*legend[1] || b.count("#legend.folded") != 1 {
			t.Errorf("phone legend covers %v of the map (area, map area)", legend)
		}
		b.shot("map")
		for _, sc := range scen {
			if sc.Culprit != "" {
				scenarioChecks(t, b, sc)
				break
			}
		}
		// The panel folds away to give the map back.
		b.step("fold the panel", chromedp.Click(chromedp.ID("fold-button")), chromedp.Sleep(200*time.Millisecond))
		side := js[float64](b, `document.getElementById('side').getBoundingClientRect().height`)
		if side > 844*0.2 {
			t.Errorf("folded panel is %.0f px high", side)
		}
		b.shot("folded")
		locate(t, b)
		b.checkErrors()
	})
}

// routine traces WQ-M02's routine COD reading of 2026-09-09, which must
// mark nobody.
func routine(t *testing.T, b *browser) {
	// The station may lie outside the view the last trace zoomed to: click
	// its marker as the map's own handler receives it.
	js[bool](b, `document.querySelector('path.station-marker.st-WQ-M02').dispatchEvent(new MouseEvent('click', {bubbles: true}))`)
	b.step("open WQ-M02", chromedp.WaitReady(chromedp.CSS(`.station[data-station="WQ-M02"] #trace-form`)))
	b.step("enter the routine reading",
		chromedp.SetValue(chromedp.ID("f-parameter"), "COD"), chromedp.SetValue(chromedp.ID("f-value"), "7.2"),
		chromedp.SetValue(chromedp.ID("f-unit"), "mg/L"), chromedp.SetValue(chromedp.ID("f-time"), "2026-09-09T09:15:00+08:00"))
	b.trace()
	verdict := js[string](b, `document.getElementById('verdict').dataset.verdict`)
	if verdict != "within_normal_range" {
		t.Errorf("WQ-M02 routine reading: the engine says %q, want within_normal_range", verdict)
	}
	if r := b.text("#verdict-reason"); !strings.Contains(r, "在本站正常範圍") || !strings.Contains(r, "不指認任何對象") {
		t.Errorf("WQ-M02 routine reading: reason %q", r)
	}
	if n, cards := b.count(".suspect-icon"), b.count(".suspect-card"); n != 0 || cards != 0 || b.count("#suspects-none") != 1 {
		t.Errorf("WQ-M02 routine reading marks %d outfalls and shows %d suspect cards", n, cards)
	}
	b.shot("routine-WQ-M02")
}

// saveReopenPrint saves the plating scenario as a case, reopens it from
// its permalink and prints its report to an A4 PDF holding the suspect
// table.
func saveReopenPrint(t *testing.T, b *browser, scen []fixtures.Scenario) {
	sc := scen[0]
	b.pickScenario(sc)
	b.trace()
	b.step("save as case", chromedp.SetValue(chromedp.ID("case-title"), "福田圳夜間電鍍排放"), chromedp.Click(chromedp.ID("save-case")),
		chromedp.WaitReady(chromedp.ID("case-link")))
	id := js[string](b, `document.querySelector('#case-saved [data-case]').dataset.case`)
	b.step("reopen from the permalink", chromedp.Click(chromedp.ID("clear-button")), chromedp.Navigate(b.base+"/?case="+id),
		chromedp.WaitReady(chromedp.CSS(`#case-view[data-case="`+id+`"] #suspects`)), chromedp.Sleep(400*time.Millisecond))
	if top := js[string](b, `document.querySelector('#case-view .suspect-card').dataset.facility`); top != sc.Culprit || b.count("path.reach-cleared") == 0 {
		t.Errorf("reopened case: top %q, want %s; %d cleared reaches", top, sc.Culprit, b.count("path.reach-cleared"))
	}
	b.shot("case")
	b.step("the case list", chromedp.Click(chromedp.ID("cases-button")), chromedp.WaitReady(chromedp.CSS(`#case-list a[data-case="`+id+`"]`)))
	b.step("open the report", chromedp.Navigate(b.base+"/api/v1/cases/"+id+"/report"), chromedp.WaitReady(chromedp.ID("suspects")))
	pdf, err := runStep(b.ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), func(p *page.PrintToPDFParams) { yes := true; p.PreferCSSPageSize = &yes }))
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "case-report.pdf", pdf)
	checkPDF(t, pdf, sc)
}

// checkPDF reads the printed report with poppler: A4 pages, and the
// suspect table's text.
func checkPDF(t *testing.T, pdf []byte, sc fixtures.Scenario) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	tool := func(name string, args ...string) string {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("REQUIRE_BROWSER") == "1" {
				t.Fatalf("%s is required to read the printed report: apt-get install -y poppler-utils", name)
			}
			t.Skipf("%s not installed (apt-get install -y poppler-utils)", name)
		}
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return string(out)
	}
	info := tool("pdfinfo", p)
	var w, h float64
	if m := regexp.MustCompile(`Page size:\s+([0-9.]+) x ([0-9.]+) pts`).FindStringSubmatch(info); m != nil {
		w, _ = strconv.ParseFloat(m[1], 64)
		h, _ = strconv.ParseFloat(m[2], 64)
	}
	if math.Abs(w-595.28) > 1 || math.Abs(h-841.89) > 1 {
		t.Errorf("the report's pages are %g × %g pt, not A4 (595 × 842):\n%s", w, h, info)
	}
	text := tool("pdftotext", "-layout", p, "-")
	for _, want := range []string{"河川污染溯源案件報告", "嫌疑對象", sc.Culprit, "偉成金屬表面處理股份有限公司", "可供執法之證據", "方法說明"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed report lacks %q", want)
		}
	}
}

// locate traces from a position on the Futian canal: it snaps to a reach
// and lists the facilities upstream.
func locate(t *testing.T, b *browser) {
	lat, lon, acc := 24.0650, 120.6540, 10.0
	b.step("grant and fake the position",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc})
			return err
		}))
	if err := chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, browsercdp.SetPermission, browsercdp.SetPermissionParams{Permission: &browsercdp.PermissionDescriptor{Name: "geolocation"}, Setting: browsercdp.PermissionSettingGranted, Origin: b.base})
		return err
	})); err != nil {
		t.Logf("grant geolocation: %v", err)
	}
	b.step("trace from my location", chromedp.Click(chromedp.ID("locate-button")), chromedp.WaitReady(chromedp.CSS(`#located`)), chromedp.Sleep(300*time.Millisecond))
	if reach := js[string](b, `document.getElementById('located').dataset.reach`); reach == "" || b.count("path.reach-suspect") == 0 {
		t.Errorf("located on reach %q with %d upstream reaches drawn", reach, b.count("path.reach-suspect"))
	}
	b.shot("located")
}
