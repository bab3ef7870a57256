package webmap_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/envtrace/envtrace/tracing/odour"
)

// TestOdourReasonCatalogue: every confidence reason code of the odour
// ranking has its text in both languages' catalogues
// (odour.reason.<code>), with exactly the placeholders of the engine's
// parameters, so the map never shows an English sentence on a zh-TW page
// nor a placeholder left unfilled.
func TestOdourReasonCatalogue(t *testing.T) {
	ph := regexp.MustCompile(`\{(\w+)\}`)
	names := func(s string) []string {
		var out []string
		for _, m := range ph.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	codes := odour.ReasonCodes()
	if len(codes) < 10 {
		t.Fatalf("%d reason codes", len(codes))
	}
	han := regexp.MustCompile(`\p{Han}`)
	for _, lang := range []string{"zh-TW", "en"} {
		cat := catalogue(t, "odour."+lang+".json")
		for _, code := range codes {
			text, ok := cat["odour.reason."+code]
			if !ok {
				t.Errorf("%s: no odour.reason.%s", lang, code)
				continue
			}
			if want := names(odour.ReasonTemplate(code)); !slices.Equal(names(text), want) {
				t.Errorf("%s odour.reason.%s has placeholders %v, the engine gives %v", lang, code, names(text), want)
			}
			if lang == "zh-TW" && !han.MatchString(text) {
				t.Errorf("zh-TW odour.reason.%s = %q is not in Chinese", code, text)
			}
		}
	}
}
