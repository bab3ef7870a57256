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
		{"金屬表面處理業", "electroplating"},
		{"屠宰業", "slaughterhouse"},
		{"醫院", "hospital"},
		{"  Textile   dyeing ", "dyeing"},
		{"皮革、毛皮整製業", "tanning"},
		{"石油化學業", "petrochemical"},
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

// TestResolveUnknown: an unknown or missing category is traced with the
// documented generic profile, and says so.
func TestResolveUnknown(t *testing.T) {
	p, warn := Resolve("bakery")
	if p.ID != Generic.ID || !strings.Contains(warn, `"bakery"`) || !strings.Contains(warn, "generic profile") {
		t.Fatalf("Resolve(bakery) = %s, %q", p.ID, warn)
	}
	if _, ok := p.Emits("Cu"); ok || p.Acid || p.Alkali {
		t.Fatal("the generic profile must not claim metals, acids or alkalis")
	}
	if s, ok := p.Emits("COD"); !ok || s.MaxRaw != 1500 {
		t.Fatalf("generic COD %+v", s)
	}
	if _, warn := Resolve(""); !strings.Contains(warn, "no industry category") {
		t.Fatalf("empty category warning %q", warn)
	}
	if p, warn := Resolve("電鍍業"); p.ID != "electroplating" || warn != "" {
		t.Fatalf("known category: %s %q", p.ID, warn)
	}
}

// TestAcidAlkali: pH excursions are traced to the categories that handle
// acids or alkalis, and not to those that do not.
func TestAcidAlkali(t *testing.T) {
	for id, want := range map[string][2]bool{
		"electroplating": {true, true}, "pcb": {true, true}, "dyeing": {false, true}, "paper": {false, true},
		"battery": {true, false}, "livestock": {false, false}, "hospital": {false, false}, "sewage": {false, false},
	} {
		p, err := Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Acid != want[0] || p.Alkali != want[1] {
			t.Errorf("%s acid %v alkali %v, want %v", id, p.Acid, p.Alkali, want)
		}
	}
}

// TestEveryCategoryHasChineseAndEnglish: the vocabulary is bilingual.
func TestEveryCategoryHasChineseAndEnglish(t *testing.T) {
	for _, p := range append(All(), Generic) {
		if p.Name == "" || p.NameZH == "" || len(p.Signatures) == 0 {
			t.Errorf("%s: name %q, 中文 %q, %d signatures", p.ID, p.Name, p.NameZH, len(p.Signatures))
		}
	}
}
