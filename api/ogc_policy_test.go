package api_test

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/api/ogc"
)

// withUnpolicedLayer serves the fixture plus an OGC collection that has no
// authorisation policy.
type withUnpolicedLayer struct {
	*api.MemoryBackend
	net *ogc.MemorySource
}

func (w withUnpolicedLayer) OGCSource() (ogc.Source, error) { return w.net, nil }

// TestNewRefusesCollectionWithoutPolicy: as for a route, api.New refuses
// to build a server whose OGC source serves a collection that
// collectionPolicies does not name, and says which.
func TestNewRefusesCollectionWithoutPolicy(t *testing.T) {
	b, fx := centralBackend(t)
	src, err := ogc.NewMemorySource(fx.net, nil, ogc.WithCollection(ogc.Collection{ID: "secret-layer", Title: "no policy"},
		[]ogc.Feature{{ID: "1", Geometry: orb.Point{200000, 2650000}, Properties: map[string]any{}}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.New(quietConfig(), withUnpolicedLayer{b, src})
	if err == nil || !strings.Contains(err.Error(), "secret-layer") || !strings.Contains(err.Error(), "policy") {
		t.Fatalf("api.New with a collection without a policy: %v", err)
	}
}
