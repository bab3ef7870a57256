package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/internal/config"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
)

// TestCaseCommandsMatchREST saves a case over REST into PostGIS, shares
// and refers it with the CLI, and checks that `case list --json` and
// `case show --json` print what GET /api/v1/cases and GET
// /api/v1/cases/{id} answer, that every command is in the audit trail,
// and that bad input is named.
func TestCaseCommandsMatchREST(t *testing.T) {
	url := storetest.DatabaseURL(t)
	if code, out, errs := runCmd(t, "db", "migrate", "--db", url); code != 0 {
		t.Fatalf("migrate: exit %d %s %s", code, out, errs)
	}
	ctx := context.Background()
	pool, err := postgis.Open(ctx, url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e := &env{cfg: config.Default(), stdout: io.Discard, stderr: io.Discard}
	b, cleanup, err := e.dataBasin(ctx) // the embedded fixture
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	backend, err := newMemoryBackend(b, false, api.WithCases(store.New(pool)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{}, backend)
	if err != nil {
		t.Fatal(err)
	}
	scs, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	sc := scs[0]
	body, _ := json.Marshal(map[string]any{"title": "福田圳案", "trace": map[string]any{"station": sc.Station, "parameter": sc.Parameter,
		"value": sc.Value, "unit": sc.Unit, "time": sc.Time.Format("2006-01-02T15:04:05Z07:00")}})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/cases", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var created struct{ ID string }
	json.Unmarshal(rec.Body.Bytes(), &created)
	id := created.ID

	if code, _, errs := runCmd(t, "case", "list", "--db", url); code != 2 || !strings.Contains(errs, "audit trail's key") {
		t.Fatalf("without the audit key: exit %d %s", code, errs)
	}
	t.Setenv("ENVTRACE_AUDIT_KEY", strings.Repeat("5a", 32))
	t.Setenv("USER", "officer-lin")
	for _, args := range [][]string{
		{"case", "share", id, "--db", url, "--principal", "county:CHA", "--access", "edit"},
		{"case", "refer", "--db", url, id, "--to", "臺中市", "--reason", "排放源位於臺中市"},
	} {
		code, out, errs := runCmd(t, args...)
		if code != 0 || !strings.Contains(out, `"county:CHA"`) && !strings.Contains(out, `"to_county": "TXG"`) {
			t.Fatalf("%v: exit %d %s %s", args, code, out, errs)
		}
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"case", "list", "--db", url, "--json"}},
		{[]string{"case", "show", id, "--db", url, "--json"}},
	} {
		code, out, errs := runCmd(t, tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", tc.args, code, errs)
		}
		rest := "/api/v1/cases"
		if tc.args[1] == "show" {
			rest += "/" + id
			if !strings.Contains(out, `"by": "user:cli:officer-lin"`) || !strings.Contains(out, `"county": "TXG"`) {
				t.Errorf("the referral is not on the case: %.800s", out)
			}
		}
		sameAsREST(t, srv.Handler(), rest, out)
	}
	if code, out, _ := runCmd(t, "case", "show", id, "--db", url); code != 0 || !strings.Contains(out, "county:TXG  edit") || !strings.Contains(out, "排放源位於臺中市") {
		t.Errorf("case show as text: %s", out)
	}
	recs, err := store.QueryAudit(ctx, pool, audit.Filter{Actor: "cli:officer-lin", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Action+" "+r.Resource)
	}
	want := []string{"write POST /api/v1/cases/" + id + "/shares", "write POST /api/v1/cases/" + id + "/referrals",
		"read GET /api/v1/cases", "read GET /api/v1/cases/" + id, "read GET /api/v1/cases/" + id}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit trail:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"case", "show", "C-20260101-00000000", "--db", url}, 1, "no case C-20260101-00000000"},
		{[]string{"case", "show", "nope", "--db", url}, 2, "not a case id"},
		{[]string{"case", "share", id, "--db", url, "--principal", "role:investigator"}, 2, "never a whole role"},
		{[]string{"case", "share", id, "--db", url, "--principal", "user:ngo-1", "--access", "edit"}, 2, "county bureau"},
		{[]string{"case", "refer", id, "--db", url, "--to", "Atlantis", "--reason", "r"}, 2, "county code"},
		{[]string{"case", "refer", id, "--db", url, "--to", "TXG", "--reason", "r"}, 2, "with TXG already"},
		{[]string{"case", "list", "--db", url, "--limit", "0"}, 2, "--limit"},
		{[]string{"case"}, 2, "usage"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			code, _, errs := runCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, tc.code, tc.want)
			}
		})
	}
}
