package api_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures/synth"
	"github.com/envtrace/envtrace/hydro"
)

// TestNavigateIDsMatchesNavigate checks the pre-rendered id delivery
// against Navigate's hits, start by start, on a network with braids and
// canals between basins: the same set of ids, each once, in every mode,
// with and without limits and minor paths.
func TestNavigateIDsMatchesNavigate(t *testing.T) {
	net, err := hydro.Build(context.Background(), synth.Generate(20000, 11, synth.Taiwan()), hydro.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := memoryBackend(t, net)
	starts := []int32{0, 1, 17, int32(net.Len() / 2), int32(net.Len() - 1)}
	starts = append(starts, net.Outlets()[:3]...)
	reqs := []struct {
		name string
		req  api.NavigateRequest
	}{
		{"UT", api.NavigateRequest{Mode: hydro.UT}},
		{"UT without minor paths", api.NavigateRequest{Mode: hydro.UT, SkipMinor: true}},
		{"UT 30 km", api.NavigateRequest{Mode: hydro.UT, DistanceKm: 30, HasDistance: true}},
		{"UT 5 hours", api.NavigateRequest{Mode: hydro.UT, MaxHours: 5}},
		{"UM", api.NavigateRequest{Mode: hydro.UM}},
		{"DM", api.NavigateRequest{Mode: hydro.DM}},
		{"DD", api.NavigateRequest{Mode: hydro.DD}},
	}
	for _, rc := range reqs {
		t.Run(rc.name, func(t *testing.T) {
			for _, s := range starts {
				req := rc.req
				req.Start = net.ID(s)
				var want []string
				if err := b.Navigate(context.Background(), req, func(h api.NavigateHit) bool {
					want = append(want, h.ReachID)
					return true
				}); err != nil {
					t.Fatal(err)
				}
				var text strings.Builder
				count := 0
				if err := b.NavigateIDs(context.Background(), req, func(lines []byte, n int) bool {
					text.Write(lines)
					count += n
					return true
				}); err != nil {
					t.Fatal(err)
				}
				got := lines(text.String())
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) || count != len(want) {
					t.Fatalf("start %s: %d ids (count %d), want %d", req.Start, len(got), count, len(want))
				}
			}
		})
	}
	t.Run("unknown start", func(t *testing.T) {
		err := b.NavigateIDs(context.Background(), api.NavigateRequest{Start: "nope", Mode: hydro.UT},
			func([]byte, int) bool { return true })
		if nf, ok := errors.AsType[*api.NotFoundError](err); !ok || nf.ID != "nope" {
			t.Fatalf("err %v, want a NotFoundError naming nope", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := b.NavigateIDs(ctx, api.NavigateRequest{Start: net.ID(net.Outlets()[0]), Mode: hydro.UT},
			func([]byte, int) bool { return true })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	})
}
