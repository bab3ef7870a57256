package suspect_test

import (
	"context"
	"fmt"
	"os"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// Tracing a night-time copper spike on an irrigation canal back to the
// plating shop that dumped its rinse.
func ExampleEngine_Trace() {
	dir, _ := os.MkdirTemp("", "central")
	defer os.RemoveAll(dir)
	b, err := fixtures.LoadCentral(context.Background(), dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	sc, _ := fixtures.Scenarios()
	res, err := suspect.New(b, suspect.Options{}).Trace(context.Background(), suspect.Request{
		Station: sc[0].Station, Parameter: sc[0].Parameter, Value: sc[0].Value, Unit: sc[0].Unit, Time: sc[0].Time,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	top := res.Suspects[0]
	fmt.Printf("%s %s (%s), %.1f km and %.1f h upstream\n", top.FacilityID, top.Name, top.Evidence.Industry, top.DistanceKm, top.TravelHours)
	fmt.Println("explained:", res.Unexplained.Explained, "ruled out:", len(res.RuledOut) > 0)
	// Output:
	// N1489153 偉成金屬表面處理股份有限公司 (electroplating), 3.6 km and 2.0 h upstream
	// explained: true ruled out: true
}
