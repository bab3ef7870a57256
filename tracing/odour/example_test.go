package odour_test

import (
	"fmt"

	"github.com/envtrace/envtrace/tracing/odour"
)

// A petition reporting a sulphur smell points at paper mills and
// petrochemical plants, not at a piggery; a generic "industrial" smell
// keeps every factory as a candidate, at a lower weight.
func ExampleMatchIndustry() {
	sulphur, _ := odour.ParseCategory("工業/硫磺味")
	generic, _ := odour.ParseCategory("industrial")
	for _, ind := range []string{"造紙業", "petrochemical", "livestock"} {
		fmt.Printf("%s: %s %.1f, %s %.1f\n", ind, sulphur, odour.MatchIndustry(sulphur, ind).Weight, generic, odour.MatchIndustry(generic, ind).Weight)
	}
	// Output:
	// 造紙業: industrial/sulphur 1.0, industrial 0.8
	// petrochemical: industrial/sulphur 1.0, industrial 0.8
	// livestock: industrial/sulphur 0.0, industrial 0.5
}
