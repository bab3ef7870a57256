package permits_test

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
)

// TestFixtureAnswerKey checks every finding against the fixture's answer
// key: each planted exceedance and report oddity is found, and nothing
// else is flagged by those checks.
func TestFixtureAnswerKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	ds, err := model.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	key, err := fixtures.DMRChecks()
	if err != nil {
		t.Fatal(err)
	}
	rep := permits.Check(ds)
	if rep.Facilities != len(ds.Facilities) {
		t.Fatalf("checked %d facilities of %d", rep.Facilities, len(ds.Facilities))
	}
	byCheck := map[string][]string{}
	for _, f := range rep.Findings {
		id := f.Facility
		switch {
		case f.Check == "limit":
			id += " " + f.Period[:7]
		case strings.HasPrefix(f.Check, "effluent-"):
			id += " " + f.Outfall + " " + f.Parameter + " " + f.Period
		}
		byCheck[f.Check] = append(byCheck[f.Check], id)
		if len(f.Numbers) == 0 || f.Message == "" || f.Severity == "" {
			t.Errorf("finding without numbers, message or severity: %+v", f)
		}
	}
	want := map[string][]string{}
	kinds := map[string]string{
		"exceedance": "limit", "constant_flow": "constant-flow",
		"permit_above_treatment_capacity": "capacity", "discharge_above_intake": "water-balance",
		"effluent_spike": permits.CheckEffluentSpike, "effluent_shift": permits.CheckEffluentShift,
		"effluent_stuck": permits.CheckEffluentStuck, "effluent_impossible": permits.CheckEffluentImpossible,
	}
	for _, k := range key {
		id := k.EmsNo
		switch {
		case k.Kind == "exceedance":
			id += " " + k.Period
		case strings.HasPrefix(k.Kind, "effluent_"):
			id += " " + k.Outfall + " " + k.Parameter + " " + k.Period
		}
		want[kinds[k.Kind]] = append(want[kinds[k.Kind]], id)
	}
	tests := []string{"limit", "constant-flow", "capacity", "water-balance",
		permits.CheckEffluentSpike, permits.CheckEffluentShift, permits.CheckEffluentStuck, permits.CheckEffluentImpossible}
	for _, check := range tests {
		t.Run(check, func(t *testing.T) {
			got, exp := byCheck[check], want[check]
			sort.Strings(got)
			sort.Strings(exp)
			if !slices.Equal(got, exp) {
				t.Fatalf("found %v\nwant  %v", got, exp)
			}
		})
	}
	t.Logf("peer outliers: %v", byCheck["peer"])
	// Severity order: high findings come first.
	for i := 1; i < len(rep.Findings); i++ {
		if rank(rep.Findings[i-1].Severity) > rank(rep.Findings[i].Severity) {
			t.Fatalf("findings are not in severity order at %d", i)
		}
	}
}

func rank(s permits.Severity) int {
	return map[permits.Severity]int{permits.High: 0, permits.Medium: 1, permits.Low: 2}[s]
}
