package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
)

// TestInspectCommandsMatchREST: `envtrace inspect rank|plan --json` and
// their REST twins give the same JSON, the ranking's terms add up to
// each score, and the water traces recomputed from the readings reach
// both.
func TestInspectCommandsMatchREST(t *testing.T) {
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	srv := fixtureServer(t, dir).srv
	for _, tc := range []struct {
		args []string
		rest string
	}{
		{[]string{"inspect", "rank", "--data", dir, "--as-of", "2026-09-01T00:00:00+08:00", "--json"}, "/api/v1/inspect/rank?as_of=2026-09-01T00:00:00%2B08:00"},
		{[]string{"inspect", "plan", "--data", dir, "--date", "2026-09-01", "--teams", "3", "--json"}, "/api/v1/inspect/plan?date=2026-09-01&teams=3"},
	} {
		t.Run(tc.args[1], func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			sameAsREST(t, srv.Handler(), tc.rest, stdout)
			if tc.args[1] != "rank" {
				return
			}
			var a map[string]any
			if err := json.Unmarshal([]byte(stdout), &a); err != nil {
				t.Fatal(err)
			}
			named := 0
			for _, f := range a["facilities"].([]any) {
				f := f.(map[string]any)
				var sum float64
				for _, term := range f["terms"].([]any) {
					term := term.(map[string]any)
					sum += term["contribution"].(float64)
					if term["name"] == "water_trace_suspicion" && term["value"].(float64) > 0 && term["data_date"] != nil {
						named++
					}
				}
				if math.Abs(sum-f["score"].(float64)) > 1e-9 {
					t.Errorf("%s: terms sum to %v, score %v", f["facility_id"], sum, f["score"])
				}
			}
			if named == 0 { // the fixture's planted incidents name their culprits
				t.Error("no facility has a water-trace suspicion: the readings' traces do not reach the ranking")
			}
		})
	}
}

func TestInspectCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"inspect"}, 2, "usage"},
		{[]string{"inspect", "rank"}, 2, "--as-of is required"},
		{[]string{"inspect", "rank", "--as-of", "soon"}, 2, "RFC 3339"},
		{[]string{"inspect", "plan", "--date", "2026-09-01"}, 2, "--teams are required"},
		{[]string{"inspect", "plan", "--date", "2026/09/01", "--teams", "2"}, 2, "YYYY-MM-DD"},
		{[]string{"inspect", "plan", "--date", "2026-09-01", "--teams", "2", "--random-share", "1.5"}, 2, "random share"},
		{[]string{"inspect", "plan", "--date", "2026-09-01", "--teams", "2", "--format", "pdf"}, 2, "format"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}
