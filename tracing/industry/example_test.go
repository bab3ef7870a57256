package industry_test

import (
	"fmt"

	"github.com/envtrace/envtrace/tracing/industry"
)

// A station reads high nickel: which plants could have discharged it?
func ExampleLookup() {
	for _, name := range []string{"電鍍業", "food", "dyeing"} {
		p, _ := industry.Lookup(name)
		s, ok := p.Emits("Ni")
		fmt.Printf("%s emits Ni: %v (raw up to %v mg/L)\n", p.ID, ok, s.MaxRaw)
	}
	// Output:
	// electroplating emits Ni: true (raw up to 120 mg/L)
	// food emits Ni: false (raw up to 0 mg/L)
	// dyeing emits Ni: false (raw up to 0 mg/L)
}
