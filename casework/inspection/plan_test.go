package inspection

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/risk"
)

const centralDir = "../../fixtures/central"

func centralSource(t *testing.T) *Source {
	t.Helper()
	s, err := ReadSource(centralDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlanSmoke(t *testing.T) {
	s := centralSource(t)
	p, err := BuildPlan(context.Background(), s, PlanOptions{Date: time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei), Teams: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(p, "", " ")
	t.Log(string(b))
	_ = risk.Names
}
