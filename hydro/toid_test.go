package hydro_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/envtrace/envtrace/hydro"
)

// TestToIDNumeric checks id/toid resolution with numeric ids: canonical
// and REAL-spelled toids, the outlet marker 0, a dangling toid and a
// divergence (two toids).
func TestToIDNumeric(t *testing.T) {
	r := func(id string, to ...string) hydro.Reach {
		return hydro.Reach{ID: id, ToIDs: to, LengthKm: 1, VelocityFps: hydro.Missing, TotDASqKm: hydro.Missing}
	}
	net, err := hydro.Build(context.Background(), []hydro.Reach{
		r("10", "0"),
		r("11", "10"),
		r("12", "10.0"),
		r("13", "11", "12"),
		r("14", "999"),
	}, hydro.Options{})
	if err != nil {
		t.Fatal(err)
	}
	down := func(id string) string {
		i, ok := net.Index(id)
		if !ok {
			t.Fatalf("no reach %s", id)
		}
		return net.Attrs(i).Down
	}
	for _, tc := range []struct{ id, down string }{{"10", ""}, {"11", "10"}, {"12", "10"}, {"14", ""}} {
		if got := down(tc.id); got != tc.down {
			t.Errorf("%s drains to %q, want %q", tc.id, got, tc.down)
		}
	}
	i13, _ := net.Index("13")
	a := net.Attrs(i13)
	if got := append([]string{a.Down}, a.MinorDownstreamTo...); !slices.Contains(got, "11") || !slices.Contains(got, "12") {
		t.Errorf("13 drains to %v, want 11 and 12", got)
	}
	var dangling *hydro.DanglingRefError
	found := false
	for _, p := range net.Problems {
		if errors.As(p, &dangling) && slices.Contains(p.Reaches(), "14") {
			found = true
		}
	}
	if !found {
		t.Errorf("no dangling-reference warning for 14 -> 999: %v", net.Problems)
	}
}
