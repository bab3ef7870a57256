package webmap_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/accesstest"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/api/webmap"
)

// TestBrowserLogin signs in from the map with the authorization-code
// flow and PKCE at a local issuer, at desktop and phone sizes: before,
// the case list (staff only) is refused; after, the page's own API calls
// carry the ID token and the list opens; logging out forgets it.
func TestBrowserLogin(t *testing.T) {
	exe := chromium(t)
	iss := accesstest.NewIssuer(t)
	iss.LoginAs("officer-7", map[string]any{"envtrace_role": "officer", "county": "CHA", "name": "王小明"})
	const client = "envtrace-map"
	oidc, err := access.NewOIDC(t.Context(), iss.URL, client)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := serveCentralWith(t, false, func(c *api.Config) {
		c.Auth, c.DemoIdentity = access.Chain{People: oidc}, false
		c.WebLogin = &webmap.Login{Issuer: iss.URL, ClientID: client}
	})
	for i, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, exe, base, "login-"+size.name, size.w, size.h)
			b.step("load the map", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			if b.count(`#login-button`) != 1 {
				t.Fatal("no login button")
			}
			b.step("cases before login", chromedp.Click(chromedp.ID("cases-button")),
				chromedp.WaitVisible(chromedp.ID("error")))
			if got := b.text(`#error`); got == "" {
				t.Fatal("the case list opened without login")
			}
			b.step("log in", chromedp.Click(chromedp.ID("login-button")),
				chromedp.WaitReady(chromedp.ID("login-who")), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
			if who := b.text(`#login-who`); who != "已登入：王小明（officer）" {
				t.Errorf("signed in as %q", who)
			}
			if iss.Exchanges != i+1 {
				t.Errorf("%d codes exchanged with a matching verifier, want %d", iss.Exchanges, i+1)
			}
			if q := js[string](b, `location.search`); q != "" {
				t.Errorf("the code stays in the address bar: %q", q)
			}
			b.step("cases after login", chromedp.Click(chromedp.ID("cases-button")),
				chromedp.WaitVisible(chromedp.ID("case-list")))
			b.shot("signed-in")
			b.step("log out", chromedp.Click(chromedp.ID("logout-button")),
				chromedp.Sleep(300*time.Millisecond), chromedp.WaitReady(chromedp.ID("login-button")))
			if tok := js[string](b, `sessionStorage.getItem('envtrace.token') || ''`); tok != "" {
				t.Error("the token outlived logout")
			}
			b.checkErrors()
		})
	}
}
