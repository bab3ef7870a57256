package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/internal/config"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
	"github.com/envtrace/envtrace/tracing/datadir"
)

// withKey sends every request with a bearer token.
type withKey struct {
	h   http.Handler
	key string
}

func (w withKey) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	r.Header.Set("Authorization", "Bearer "+w.key)
	w.h.ServeHTTP(rw, r)
}

// TestPortalCommandsMatchREST: `envtrace portal show --json` prints what
// GET /api/v1/portal answers the facility itself, and `portal
// self-reports --json` what GET /api/v1/portal/self-reports answers the
// centre, over self-reports stored in PostGIS.
func TestPortalCommandsMatchREST(t *testing.T) {
	const fac = "N1489153"
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	url := storetest.DatabaseURL(t)
	if code, out, errs := runCmd(t, "db", "migrate", "--db", url); code != 0 {
		t.Fatalf("migrate: exit %d %s %s", code, out, errs)
	}
	pool, err := postgis.Open(context.Background(), url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	e := &env{cfg: config.Default(), stdout: io.Discard, stderr: io.Discard}
	e.cfg.Data = dir
	b, cleanup, err := e.dataBasin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	airData, err := datadir.ReadWith(dir, b.DS)
	if err != nil {
		t.Fatal(err)
	}
	insp, err := inspection.NewSource(airData)
	if err != nil {
		t.Fatal(err)
	}
	insp.SelfReports = store.New(pool)
	in := &inspection.SelfReportInput{Kind: inspection.KindMonitoring, Monitoring: &inspection.Monitoring{
		Permit: "彰縣環水許字第10043號", Parameter: "Cu", Value: 800, Unit: "µg/L", SampledAt: time.Date(2026, 8, 20, 9, 0, 0, 0, inspection.Taipei)}}
	if _, err := inspection.Submit(t.Context(), insp, asFacility(fac), in, time.Now()); err != nil {
		t.Fatal(err)
	}
	backend, err := newMemoryBackend(b, false, api.WithAirData(airData), api.WithInspections(insp))
	if err != nil {
		t.Fatal(err)
	}
	keys := access.StaticTokens{}
	keys.Add("fac", access.Principal{Subject: "fac", Role: access.Facility, Scope: access.Scope{Facility: fac}})
	keys.Add("centre", access.Principal{Subject: "centre", Role: access.Admin})
	srv, err := api.New(api.Config{Auth: keys}, backend)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args     []string
		rest, as string
	}{
		{[]string{"portal", "show", "--data", dir, "--db", url, "--facility", fac, "--as-of", "2026-09-01", "--json"}, "/api/v1/portal?as_of=2026-09-01", "fac"},
		{[]string{"portal", "self-reports", "--db", url, "--json"}, "/api/v1/portal/self-reports", "centre"},
		{[]string{"portal", "self-reports", "--db", url, "--facility", fac, "--status", "submitted", "--json"}, "/api/v1/portal/self-reports?facility_id=" + fac + "&status=submitted", "centre"},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if tc.args[1] == "self-reports" && !strings.Contains(stdout, `"unit": "mg/L"`) && !strings.Contains(stdout, `"unit":"mg/L"`) {
				t.Errorf("the stored self-report is missing or unconverted: %.400s", stdout)
			}
			sameAsREST(t, withKey{srv.Handler(), tc.as}, tc.rest, stdout)
		})
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"portal"}, "usage"},
		{[]string{"portal", "show", "--data", dir}, "--facility is required"},
		{[]string{"portal", "show", "--data", dir, "--facility", fac, "--as-of", "soon"}, "RFC 3339"},
		{[]string{"portal", "self-reports", "--db", url, "--status", "lost"}, "--status"},
	} {
		if code, _, stderr := runCmd(t, tc.args...); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
