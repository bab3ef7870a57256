package balance_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/balance"
)

// The ammonia gained between two main-stem stations during an unpermitted
// slurry release, set against what the permits in between allow.
func ExampleCompute() {
	dir, _ := os.MkdirTemp("", "central")
	defer os.RemoveAll(dir)
	b, err := fixtures.LoadCentral(context.Background(), dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := time.Date(2026, 9, 5, 3, 0, 0, 0, time.FixedZone("CST", 8*3600))
	rep, err := balance.Compute(context.Background(), b, "NH3-N", t.Add(-30*time.Minute), t.Add(30*time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rep.Segments {
		if s.Station == "WQ-M06" {
			fmt.Printf("%s above %v: gain %.0f kg/day, permitted %.0f, exceeds permitted: %v\n",
				s.Station, s.Upstream, s.GainKgDay, s.PermittedKgDay, s.ExceedsPermitted)
		}
	}
	// Output:
	// WQ-M06 above [WQ-M05]: gain 2133 kg/day, permitted 0, exceeds permitted: true
}
