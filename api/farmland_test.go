package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/envtrace/envtrace/tracing/model"
)

// The irrigation system is published as two OGC API layers.
func TestFarmlandOGCCollections(t *testing.T) {
	s, fx := sharedServer(t)
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

// TestFarmlandFollowsAppliedRecords: a facility applied to a running
// server with its outfalls, permits and limits (as a `serve --db` replica
// applies one another process imported, MemoryBackend.ApplyRecords) is
// one the farmland impact answers for at once: unknown before, and after
// it reaches the intakes its twin, the facility at the same outfalls under
// the same limits, reaches.
func TestFarmlandFollowsAppliedRecords(t *testing.T) {
	b, _ := centralBackend(t)
	h := newServer(t, quietConfig(), b).Handler()
	const src, twin = "N1489153", "R0000003"
	impact := func(facility string) (int, map[string][]map[string]any) {
		t.Helper()
		rec := get(t, h, "/api/v1/farmland/impact?"+url.Values{"facility": {facility}, "parameter": {"Cu"}, "time": {"2026-08-14T04:00:00+08:00"}}.Encode())
		if rec.Code != http.StatusOK {
			return rec.Code, nil
		}
		return rec.Code, decode[map[string][]map[string]any](t, rec.Body.Bytes())
	}
	want := func() map[string][]map[string]any {
		code, im := impact(src)
		if code != http.StatusOK || len(im["intakes"]) == 0 {
			t.Fatalf("the test needs %s to reach intakes: %d %v", src, code, im)
		}
		return im
	}()
	if code, _ := impact(twin); code != http.StatusNotFound {
		t.Fatalf("%s before it was applied: %d, want 404", twin, code)
	}
	ds := b.Basin().DS
	f, ok := ds.Facility(src)
	if !ok {
		t.Fatalf("no facility %s", src)
	}
	changed := &model.Dataset{Facilities: []model.Facility{*f}}
	changed.Facilities[0].EmsNo, changed.Facilities[0].Name = twin, "同址新廠"
	for _, o := range ds.OutfallsOf(src) {
		o2 := *o
		o2.Facility = twin
		changed.Outfalls = append(changed.Outfalls, o2)
	}
	for i, p := range ds.PermitsOf(src) {
		p2 := *p
		p2.PerNo, p2.Facility = fmt.Sprintf("彰縣環水許字第9910%d號", i), twin
		changed.Permits = append(changed.Permits, p2)
		for _, l := range ds.LimitsOf(p.PerNo) {
			l2 := *l
			l2.Permit = p2.PerNo
			changed.Limits = append(changed.Limits, l2)
		}
	}
	if err := b.ApplyRecords(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	code, got := impact(twin)
	if code != http.StatusOK || !reflect.DeepEqual(got, want) {
		t.Errorf("%s after it was applied: %d %v, want what %s reaches: %v", twin, code, got, src, want)
	}
}
