package webmap_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/model"
)

// The plating shop of the central fixture, in Changhua.
const portalFacility = "N1489153"

// servePortal serves the central fixture with its inspection records and
// a self-report store, for a facility key ("fac") and the centre
// ("centre"); it returns the base URL.
func servePortal(t *testing.T) string {
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
	air, err := datadir.ReadWith(dir, ds)
	if err != nil {
		t.Fatal(err)
	}
	insp, err := inspection.NewSource(air)
	if err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemory()
	insp.Repo, insp.SelfReports = mem, mem
	mb, err := api.NewMemoryBackendWithBasin(b, api.WithAirData(air), api.WithInspections(insp))
	if err != nil {
		t.Fatal(err)
	}
	keys := access.StaticTokens{}
	keys.Add("fac", access.Principal{Subject: "fac", Role: access.Facility, Scope: access.Scope{Facility: portalFacility}})
	keys.Add("centre", access.Principal{Subject: "centre", Role: access.Admin})
	srv, err := api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: keys}, mb)
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
	return "http://" + ln.Addr().String()
}

// post sends a JSON body with a key and returns the answer's id.
func post(t *testing.T, url, key, body string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", url, res.StatusCode, out)
	}
	_, rest, _ := strings.Cut(string(out), `"id":"`)
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

// as makes the browser send key with every request.
func as(key string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + key}})
		return err
	})
}

// TestBrowserPortalAndPlan opens, in Chromium at desktop and phone size,
// the facility's zh-TW portal page as the facility (its charts, status,
// nearby readings and its self-reports with the bureau's decisions) and
// the printable inspection plan as the centre, checks them and keeps
// zh-TW screenshots (docs/img holds copies).
func TestBrowserPortalAndPlan(t *testing.T) {
	exe := chromium(t)
	base := servePortal(t)
	reports := base + "/api/v1/portal/self-reports"
	mon := post(t, reports, "fac", `{"kind":"monitoring","monitoring":{"permit":"彰縣環水許字第10043號","outfall":"D01","parameter":"Cu","value":2.4,"unit":"mg/L","sampled_at":"2026-08-25T10:00:00+08:00","lab":"自設檢驗室"}}`)
	fix := post(t, reports, "fac", `{"kind":"corrective_action","corrective_action":{"inspection_id":"I-20251115-N1489153","violation":0,"action":"更換加藥泵並增設銅連續監測","started_on":"2025-11-20","completed_on":"2025-12-10"}}`)
	post(t, reports, "fac", `{"kind":"monitoring","monitoring":{"permit":"彰縣環水許字第10043號","parameter":"COD","value":42,"unit":"mg/L","sampled_at":"2026-08-28T10:00:00+08:00"}}`)
	post(t, reports+"/"+mon+"/decision", "centre", `{"status":"rejected","reason":"檢驗報告未附認可實驗室證號"}`)
	post(t, reports+"/"+fix+"/decision", "centre", `{"status":"accepted"}`)
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, size.name, size.w, size.h)
			b.step("open the portal as the facility", as("fac"), chromedp.Navigate(base+"/api/v1/portal?as_of=2026-09-01&format=html"),
				chromedp.WaitReady(chromedp.ID("self-reports")))
			if !js[bool](b, `document.documentElement.lang === 'zh-Hant-TW' && document.title.startsWith('事業自主管理專區')`) {
				t.Error("the portal is not the zh-TW page")
			}
			if n := b.count("#charts svg"); n < 3 || b.count("#charts circle") < 10 {
				t.Errorf("%d effluent charts with %d points", n, b.count("#charts circle"))
			}
			if rows := b.count("#self-reports tr") - 1; rows != 3 {
				t.Errorf("%d self-report rows, want 3", rows)
			}
			if txt := b.text("#self-reports"); !strings.Contains(txt, "已退回") || !strings.Contains(txt, "檢驗報告未附認可實驗室證號") || !strings.Contains(txt, "已接受") || !strings.Contains(txt, "審查中") {
				t.Errorf("self-reports without their decisions: %s", txt)
			}
			// Penalties as a notice states them, in whole dollars.
			if txt := b.text("body"); !strings.Contains(txt, "水污法第7條 60,000 元") || strings.Contains(txt, "e+") {
				t.Errorf("the inspection record's penalties are not written in whole dollars")
			}
			// The canal station below the shop's outfall, said to be chosen
			// down the river, with its readings in Taiwan time.
			if rows, txt := b.count("#nearby tr")-1, b.text("#nearby"); rows < 1 || !strings.Contains(txt, "WQ-C1-01") ||
				!strings.Contains(txt, "放流口下游（沿河道）") || !strings.Contains(txt, "2026-08-31 23:00") {
				t.Errorf("nearby: %d rows: %s", rows, txt)
			}
			if over := js[float64](b, `document.body.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("the portal is %v px wider than the %s viewport", over, size.name)
			}
			b.shot("portal")
			js[bool](b, `document.getElementById('nearby-heading').scrollIntoView(), true`)
			b.shot("portal-nearby-self-reports")
			b.step("open the plan as the centre", as("centre"), chromedp.Navigate(base+"/api/v1/inspect/plan?date=2026-09-01&teams=3&format=html"),
				chromedp.WaitReady(chromedp.CSS("table")))
			if !js[bool](b, `document.title.startsWith('稽查計畫') && document.querySelectorAll('table tr').length > 3`) {
				t.Error("the plan is not the zh-TW plan with its rows")
			}
			if over := js[float64](b, `document.body.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("the plan is %v px wider than the %s viewport", over, size.name)
			}
			b.shot("inspection-plan")
			b.checkErrors()
		})
	}
}
