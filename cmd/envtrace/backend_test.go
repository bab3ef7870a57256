package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
)

// TestAPIScenariosCopyEveryField checks apiScenarios against the fixture's
// real scenarios field by field through reflection, so a field added to
// api.Scenario and forgotten in the conversion fails here.
func TestAPIScenariosCopyEveryField(t *testing.T) {
	scs, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) == 0 {
		t.Fatal("the fixture has no scenarios")
	}
	got := apiScenarios(scs)
	if len(got) != len(scs) {
		t.Fatalf("%d scenarios converted, want %d", len(got), len(scs))
	}
	for i := range scs {
		src, dst := reflect.ValueOf(scs[i]), reflect.ValueOf(got[i])
		for f := 0; f < dst.NumField(); f++ {
			df := dst.Type().Field(f)
			sf, ok := src.Type().FieldByName(df.Name)
			if !ok {
				t.Fatalf("api.Scenario.%s has no fixtures.Scenario counterpart", df.Name)
			}
			sn, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			dn, _, _ := strings.Cut(df.Tag.Get("json"), ",")
			if sn != dn {
				t.Errorf("field %s: JSON name %q in the fixture, %q in the API", df.Name, sn, dn)
			}
			if !reflect.DeepEqual(src.FieldByName(df.Name).Interface(), dst.Field(f).Interface()) {
				t.Errorf("scenario %s field %s: not copied", scs[i].ID, df.Name)
			}
		}
	}
}
