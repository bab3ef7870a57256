package webmap_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/crs"
)

// withDumping serves the dumping desk beside the fixture's water data.
type withDumping struct {
	*api.MemoryBackend
	area *api.DumpingArea
}

func (w *withDumping) DumpingArea() *api.DumpingArea { return w.area }

// dumpingKeys are the test's agency keys.
var dumpingKeys = map[string]access.Principal{
	"k-npa":    {Subject: "npa", Role: access.LandAgency, Scope: access.Scope{Agency: "npa-central"}},
	"k-wra":    {Subject: "wra", Role: access.LandAgency, Scope: access.Scope{Agency: "wra-river3"}},
	"k-centre": {Subject: "centre", Role: access.Admin},
}

// dumpingAuth authenticates dumpingKeys, as the demo does its keys.
func dumpingAuth() access.StaticTokens {
	keys := access.StaticTokens{}
	for k, p := range dumpingKeys {
		keys.Add(k, p)
	}
	return keys
}

// dumpingPoint is a lon/lat well inside a national-property parcel of the
// fixture, set by dumpingArea.
var dumpingPoint [2]float64

func dumpingArea(t *testing.T, dir string) *api.DumpingArea {
	t.Helper()
	land, err := dumping.ReadLand(dir)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := dumping.NewRouter(land, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range land.Parcels {
		c := p.Geometry.Bound().Center()
		if d := rt.Route(c); p.Manager == "npa-central" && d.ParcelID == p.ID && len(d.Candidates) == 1 {
			ll, err := crs.Transform(crs.TWD97TM2, crs.WGS84, c)
			if err != nil {
				t.Fatal(err)
			}
			dumpingPoint = [2]float64{ll[0], ll[1]}
			break
		}
	}
	ring, err := privacy.ParseKeyring(bytes.Repeat([]byte{'3'}, 64))
	if err != nil {
		t.Fatal(err)
	}
	sealer := dumping.Protection{Keys: ring, Secret: bytes.Repeat([]byte{3}, 32)}
	return &api.DumpingArea{Desk: dumping.NewDesk(dumping.NewMemory(), rt, sealer, dumping.DeskConfig{})}
}

// TestBrowserDumping reports a dump through the map's form, reads it in
// the agency's queue with its due time, follows the agency's reply to the
// public summary, and reads the centre's service-level dashboard, at
// desktop and phone sizes, in zh-TW.
func TestBrowserDumping(t *testing.T) {
	exe := chromium(t)
	base, _ := serveCentral(t)
	post := func(path, key, body string) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			t.Fatalf("POST %s: %s", path, res.Status)
		}
	}
	var id string
	t.Run("desktop", func(t *testing.T) {
		b := newBrowser(t, exe, base, "desktop", 1440, 900)
		b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"][data-dumping-reports="0"]`)))
		if got := b.text("#dumping-report-button"); got != "通報棄置" {
			t.Errorf("report button %q", got)
		}
		b.step("open the form", chromedp.Click(chromedp.ID("dumping-report-button")), chromedp.WaitReady(chromedp.ID("dumping-form")))
		b.step("fill the form",
			chromedp.SendKeys(chromedp.ID("d-lon"), strconv.FormatFloat(dumpingPoint[0], 'f', 6, 64)),
			chromedp.SendKeys(chromedp.ID("d-lat"), strconv.FormatFloat(dumpingPoint[1], 'f', 6, 64)),
			chromedp.SendKeys(chromedp.ID("d-description"), "農路旁堆置廢棄家具與裝潢廢料"),
			chromedp.SendKeys(chromedp.ID("d-contact"), "citizen@example.tw"),
			chromedp.Click(chromedp.ID("d-seen")))
		b.shot("dumping-form")
		b.step("send", chromedp.Click(chromedp.ID("d-submit")), chromedp.WaitReady(chromedp.CSS(`#dumping-result[data-id]`)),
			chromedp.WaitReady(chromedp.CSS(`body[data-dumping-reports="1"]`)))
		id = js[string](b, `document.getElementById('dumping-result').dataset.id`)
		if sent := b.text("#dumping-result"); !strings.Contains(sent, "財政部國有財產署中區分署") || !strings.Contains(sent, "已分派") {
			t.Errorf("confirmation %q", sent)
		}
		if n := b.count("path.dumping-marker.dumping-open"); n != 1 {
			t.Errorf("%d open report markers", n)
		}
		// The agency's queue: the report with its due time in Taiwan time.
		b.step("agency desk", chromedp.Click(chromedp.ID("dumping-desk-button")), chromedp.WaitReady(chromedp.ID("d-key")),
			chromedp.SendKeys(chromedp.ID("d-key"), "k-npa"), chromedp.Click(chromedp.ID("d-queue")),
			chromedp.WaitReady(chromedp.CSS(`#dumping-queue tr[data-id="`+id+`"]`)))
		row := b.text(`#dumping-queue tr[data-id="` + id + `"]`)
		if !strings.Contains(row, "已分派") || !strings.Contains(row, "(UTC+8)") || strings.Contains(row, "citizen") {
			t.Errorf("queue row %q", row)
		}
		b.shot("dumping-queue")
		// Another agency's key shows another queue: not this report.
		b.step("another agency", chromedp.SetValue(chromedp.ID("d-key"), "k-wra"), chromedp.Click(chromedp.ID("d-queue")),
			chromedp.WaitReady(chromedp.CSS(`#dumping-desk-out h3`)))
		if n := b.count(`#dumping-queue tr[data-id="` + id + `"]`); n != 0 {
			t.Error("another agency's queue shows the report")
		}
		// The agency replies (through the API, as its system would); the
		// public summary on the map shows the reply.
		post("/api/v1/dumping/reports/"+id+"/transitions", "k-npa", `{"state":"investigating"}`)
		post("/api/v1/dumping/reports/"+id+"/replies", "k-npa", `{"inspected":true,"finding":"已派員現勘，通知地主限期清除"}`)
		b.step("open the report from the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"][data-dumping-reports="1"]`)),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := chromedp.Evaluate[bool](`document.querySelector('path.dumping-marker').dispatchEvent(new MouseEvent('click', {bubbles: true}))`)(ctx, tg)
				return err
			}),
			chromedp.WaitReady(chromedp.CSS(`#dumping-report[data-state="investigating"] .reply`)))
		panel := b.text("#dumping-report")
		for _, want := range []string{"查處中", "財政部國有財產署中區分署", "已現勘", "通知地主限期清除", "(UTC+8)", "偏移至多 161 公尺"} {
			if !strings.Contains(panel, want) {
				t.Errorf("public summary lacks %q: %s", want, panel)
			}
		}
		if strings.Contains(panel, "citizen@") {
			t.Error("the public summary shows the reporter's contact")
		}
		b.shot("dumping-report")
		// The centre's service-level dashboard.
		b.step("dashboard", chromedp.Click(chromedp.ID("dumping-desk-button")), chromedp.WaitReady(chromedp.ID("d-key")),
			chromedp.SetValue(chromedp.ID("d-key"), "k-centre"), chromedp.Click(chromedp.ID("d-dashboard")),
			chromedp.WaitReady(chromedp.CSS(`#dumping-dashboard tr[data-agency="npa-central"]`)))
		if row := b.text(`#dumping-dashboard tr[data-agency="npa-central"]`); !strings.HasPrefix(row, "財政部國有財產署中區分署1") {
			t.Errorf("dashboard row %q", row)
		}
		b.shot("dumping-dashboard")
		b.checkErrors()
	})
	t.Run("phone", func(t *testing.T) {
		b := newBrowser(t, exe, base, "phone", 390, 844)
		b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"][data-dumping-reports="1"]`)))
		b.step("open the form", chromedp.Click(chromedp.ID("dumping-report-button")), chromedp.WaitReady(chromedp.ID("dumping-form")),
			chromedp.Sleep(200*time.Millisecond))
		w := js[float64](b, `document.getElementById('dumping-form').getBoundingClientRect().right`)
		if w > 390 {
			t.Errorf("the form runs %.0f px wide on a 390 px phone", w)
		}
		b.shot("dumping-form")
		b.checkErrors()
	})
}
