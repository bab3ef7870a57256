package hydro_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/envtrace/envtrace/fixtures/synth"
	"github.com/envtrace/envtrace/hydro"
)

// TestTotalsMatchNavigate compares the span totals with a count and a sum
// over the reaches Navigate enumerates, on a network with canals between
// basins and braids, from many starts, with and without minor paths.
func TestTotalsMatchNavigate(t *testing.T) {
	net, err := hydro.Build(context.Background(), synth.Generate(30000, 5, synth.Taiwan()), hydro.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := hydro.NewTotalsIndex(net)
	starts := net.Outlets()[:5]
	for i := 0; i < net.Len(); i += 997 {
		starts = append(starts, int32(i))
	}
	multi := 0
	for _, skip := range []bool{false, true} {
		for _, s := range starts {
			hits, err := net.NavigateAll(context.Background(), hydro.Query{Mode: hydro.UT, Start: s, SkipMinor: skip})
			if err != nil {
				t.Fatal(err)
			}
			want := 0.0
			for _, h := range hits {
				want += net.LengthKm(h.Reach)
			}
			got, _, err := x.Upstream(s, skip, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reaches != len(hits) || math.Abs(got.LengthKm-want) > 1e-6*math.Max(1, want) {
				t.Fatalf("start %s (skip minor %v): %d reaches %.6f km, Navigate %d reaches %.6f km",
					net.ID(s), skip, got.Reaches, got.LengthKm, len(hits), want)
			}
			if got.Spans > 1 {
				multi++
			}
		}
	}
	if multi == 0 {
		t.Error("no start had a basin of several spans: the canals were not exercised")
	}
}

func TestTotalsErrors(t *testing.T) {
	net, err := hydro.Build(context.Background(), synth.Generate(100, 1, synth.Taiwan()), hydro.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = hydro.NewTotalsIndex(net).Upstream(int32(net.Len()), false, nil)
	if !errors.Is(err, hydro.ErrUnknownReach) {
		t.Fatalf("err %v, want ErrUnknownReach", err)
	}
}
