package webmap_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/tracing/industry"
)

var update = flag.Bool("update", false, "rewrite the generated catalogues (static/i18n/ref.*.json)")

// refCatalogue is the map's catalogue of the names the server's own
// tables hold: industry categories (tracing/industry: the Chinese 事業分類
// name and the English one) and county codes (access.Counties). They live
// in those tables once; the catalogue is generated from them.
func refCatalogue(lang string) map[string]string {
	out := map[string]string{}
	for _, id := range append(industry.IDs(), industry.Generic.ID) {
		p := industry.Generic
		if id != industry.Generic.ID {
			p, _ = industry.Lookup(id)
		}
		out["industry."+id] = p.Name
		if lang == "zh-TW" {
			out["industry."+id] = p.NameZH
		}
	}
	for _, c := range access.Counties {
		out["county."+c.Code] = c.Code
		if lang == "zh-TW" {
			out["county."+c.Code] = c.Name
		}
	}
	return out
}

// TestRefCatalogue: the embedded ref catalogues are exactly what the
// server's tables say (go test -update rewrites them).
func TestRefCatalogue(t *testing.T) {
	for _, lang := range []string{"zh-TW", "en"} {
		want, err := json.MarshalIndent(refCatalogue(lang), "", " ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		path := filepath.Join("static", "i18n", "ref."+lang+".json")
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from tracing/industry and access.Counties: run go test ./api/webmap -run TestRefCatalogue -update", path)
		}
	}
}
