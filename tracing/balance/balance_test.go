package balance_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/balance"
	"github.com/envtrace/envtrace/tracing/basin"
)

func centralBasin(t *testing.T) *basin.Basin {
	t.Helper()
	b, err := fixtures.LoadCentral(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBalance(t *testing.T) {
	b := centralBasin(t)
	ctx := context.Background()
	scenarios, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		if len(sc.UnexplainedBetween) != 2 {
			continue
		}
		t.Run(sc.ID, func(t *testing.T) {
			// The hour of the unpermitted release, at the continuous stations.
			rep, err := balance.Compute(ctx, b, sc.Parameter, sc.Time.Add(-30*time.Minute), sc.Time.Add(30*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			var seg *balance.Segment
			for i := range rep.Segments {
				if rep.Segments[i].Station == sc.UnexplainedBetween[1] {
					seg = &rep.Segments[i]
				}
			}
			if seg == nil {
				t.Fatalf("no segment ends at %s: %+v", sc.UnexplainedBetween[1], rep.Segments)
			}
			t.Logf("segment %+v", *seg)
			found := false
			for _, u := range seg.Upstream {
				found = found || u == sc.UnexplainedBetween[0]
			}
			if !found {
				t.Fatalf("%s's upstream neighbours %v miss %s", seg.Station, seg.Upstream, sc.UnexplainedBetween[0])
			}
			// Load at the station = C × Q × 86.4 from the scenario itself.
			want := sc.Value * sc.FlowM3s * 86.4
			if math.Abs(seg.LoadKgDay-want) > 0.01*want {
				t.Fatalf("load %.3f kg/day, want %.3f", seg.LoadKgDay, want)
			}
			if seg.GainKgDay <= seg.PermittedKgDay || seg.UnexplainedKgDay <= 0 {
				t.Fatalf("gain %.1f kg/day is within the permitted %.1f", seg.GainKgDay, seg.PermittedKgDay)
			}
		})
	}
	// A period without data gives no station loads, and a bad period or
	// parameter is an error.
	if _, err := balance.Compute(ctx, b, "pH", time.Now(), time.Now().Add(time.Hour)); err == nil {
		t.Fatal("pH has no load, want an error")
	}
	if _, err := balance.Compute(ctx, b, "COD", time.Now(), time.Now().Add(-time.Hour)); err == nil {
		t.Fatal("a period ending before it starts must be an error")
	}
}
