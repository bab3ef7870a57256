package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// The irrigation system is published as two OGC API layers.
func TestFarmlandOGCCollections(t *testing.T) {
	s, fx := centralServer(t)
	for _, tc := range []struct {
		collection, geometry string
		want                 int
	}{
		{"intakes", "Point", len(fx.irrigation.Intakes)},
		{"irrigated-areas", "Polygon", len(fx.irrigation.Areas)},
	} {
		t.Run(tc.collection, func(t *testing.T) {
			rec := do(t, s.Handler(), http.MethodGet, "/ogc/collections/"+tc.collection+"/items?limit=1000&f=json", "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var fc struct {
				Features []struct {
					Geometry   struct{ Type string }
					Properties map[string]any
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
				t.Fatal(err)
			}
			if tc.want == 0 || len(fc.Features) != tc.want {
				t.Fatalf("%d features, want %d", len(fc.Features), tc.want)
			}
			for _, f := range fc.Features {
				if f.Geometry.Type != tc.geometry || f.Properties["area_ha"] == nil {
					t.Fatalf("feature %v: geometry %s", f.Properties, f.Geometry.Type)
				}
			}
		})
	}
}
