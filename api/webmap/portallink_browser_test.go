package webmap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/accesstest"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/api/webmap"
)

// TestBrowserPortalLink: a facility signed in on the map sees, in its own
// facility's view, a zh-TW link to its self-management portal, which
// shows the portal page (fetched with the user's token) in its place, styled
// (the map's Content-Security-Policy lets the page's style sheet in by
// its hash); the demo administrator, for whom the portal is not, is not
// offered the link. At desktop and phone sizes, with screenshots.
func TestBrowserPortalLink(t *testing.T) {
	exe := chromium(t)
	iss := accesstest.NewIssuer(t)
	iss.LoginAs("fac-1", map[string]any{"envtrace_role": "facility", "facility": portalFacility, "name": "偉成金屬"})
	const client = "envtrace-map"
	oidc, err := access.NewOIDC(t.Context(), iss.URL, client)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := serveCentralWith(t, false, func(c *api.Config) {
		c.Auth = access.Chain{People: oidc}
		c.WebLogin = &webmap.Login{Issuer: iss.URL, ClientID: client}
	})
	openOwn := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`document.querySelector('.fac-`+portalFacility+`').dispatchEvent(new MouseEvent('click', {bubbles: true}))`)(ctx, tg)
		return err
	})
	view := chromedp.WaitReady(chromedp.CSS(`.facility[data-facility="` + portalFacility + `"] #effluent-charts`))
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "portal-link-"+size.name, size.w, size.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("open the plating shop as the demo administrator", openOwn, view)
			if n := b.count("#portal-link"); n != 0 {
				t.Errorf("the demo administrator is offered the facility's portal")
			}
			b.step("log in as the facility", chromedp.Click(chromedp.ID("login-button")),
				chromedp.WaitReady(chromedp.ID("login-who")), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			b.step("open its own facility", openOwn, view, chromedp.WaitReady(chromedp.ID("portal-link")))
			if link := b.text("#portal-link"); link != "本廠自主管理專區" {
				t.Errorf("link %q", link)
			}
			b.shot("facility")
			b.step("follow the link", chromedp.Click(chromedp.ID("portal-link")), chromedp.WaitReady(chromedp.ID("status")),
				chromedp.WaitReady(chromedp.ID("nearby")))
			var h1, proto, border string
			b.step("read the page", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				var err error
				if h1, err = chromedp.Evaluate[string](`document.querySelector('h1').textContent`)(ctx, tg); err != nil {
					return err
				}
				if proto, err = chromedp.Evaluate[string](`location.protocol`)(ctx, tg); err != nil {
					return err
				}
				// The page's own style sheet applies: its h2 rule draws a
				// #2a6f97 rule under each heading.
				border, err = chromedp.Evaluate[string](`getComputedStyle(document.querySelector('h2')).borderBottomColor`)(ctx, tg)
				return err
			}))
			if !strings.Contains(h1, "事業自主管理專區") || !strings.Contains(h1, portalFacility) {
				t.Errorf("the page shows %q", h1)
			}
			if proto != "blob:" {
				t.Errorf("the page's URL is a %s URL, want a blob URL", proto)
			}
			if border != "rgb(42, 111, 151)" {
				t.Errorf("the portal's style sheet was not applied (h2 border %q): blocked by the policy?", border)
			}
			b.shot("portal")
			b.checkErrors()
		})
	}
}
