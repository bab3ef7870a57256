package dmr_test

import (
	"fmt"

	"github.com/envtrace/envtrace/tracing/dmr"
)

func ExampleCompare() {
	limit := dmr.Limit{Parameter: "Cu", Value: 3.0, Unit: "mg/L", StatBase: dmr.SingleSample}
	report := dmr.Report{Parameter: "銅", Value: 3600, Unit: "µg/L", StatBase: dmr.SingleSample}
	c, err := dmr.Compare(limit, report)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v: %.1f mg/L, %.0f%% over\n", c.Status, c.Reported, c.ExceedancePct)
	// Output: exceeded: 3.6 mg/L, 20% over
}
