package industry

import (
	"strings"
	"testing"

	"github.com/envtrace/envtrace/tracing/param"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"electroplating", "electroplating"},
		{"電鍍業", "electroplating"},
		{" PCB ", "pcb"},
		{"染整業", "dyeing"},
		{"Piggery", "livestock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Lookup(tc.name)
			if err != nil || p.ID != tc.want {
				t.Fatalf("Lookup(%q) = %v, %v; want %s", tc.name, p.ID, err, tc.want)
			}
		})
	}
	if _, err := Lookup("bakery"); err == nil || !strings.Contains(err.Error(), `"bakery"`) {
		t.Fatalf("unknown category error = %v", err)
	}
}

// Every signature names a registered parameter, and a plant's raw
// wastewater is never cleaner than its treated effluent.
func TestSignaturesAreConsistent(t *testing.T) {
	for _, p := range All() {
		for id, s := range p.Signatures {
			if _, err := param.Lookup(id); err != nil {
				t.Errorf("%s: %v", p.ID, err)
			}
			if s.MaxRaw < s.TypicalEffluent || s.TypicalEffluent <= 0 {
				t.Errorf("%s %s: raw %v below effluent %v", p.ID, id, s.MaxRaw, s.TypicalEffluent)
			}
		}
	}
	ep, _ := Lookup("electroplating")
	if _, ok := ep.Emits("Cu"); !ok {
		t.Fatal("electroplating must emit copper")
	}
	food, _ := Lookup("food")
	if _, ok := food.Emits("Cu"); ok {
		t.Fatal("food processing does not emit copper")
	}
}
