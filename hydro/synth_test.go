package hydro_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/envtrace/envtrace/fixtures/synth"
	"github.com/envtrace/envtrace/hydro"
)

func sortedSet(m map[int32]bool) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestSyntheticFastPathEqualsWalk checks, on a 50k-reach synthetic network
// with braids and cross-basin divergences, that every mode's indexed answer
// equals the reference graph walk from random starts (with and without
// distance limits and minor paths), and that the UT index spans cover
// exactly the walk's reaches.
func TestSyntheticFastPathEqualsWalk(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  synth.Options
	}{{"nhdplus", synth.NHDPlusV2()}, {"taiwan", synth.Taiwan()}} {
		t.Run(tc.name, func(t *testing.T) {
			g := synth.New(50_000, 11, tc.opt)
			net, err := hydro.Build(context.Background(), g.Reaches(), hydro.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if net.MinorDivergences() < 300 {
				t.Fatalf("only %d divergences", net.MinorDivergences())
			}
			graphs := map[bool]hydro.WalkGraph{false: net.NewWalkGraph(false), true: net.NewWalkGraph(true)}
			rng := rand.New(rand.NewPCG(5, 6))
			starts := []int32{}
			if o, ok := net.Index(g.ID(g.LargestOutlet())); ok {
				starts = append(starts, o)
			}
			for len(starts) < 150 {
				starts = append(starts, int32(rng.IntN(net.Len())))
			}
			// Starts just below a divergence channel exercise the minor paths.
			for i := int32(0); i < int32(net.Len()) && len(starts) < 250; i++ {
				if a := net.Attrs(i); len(a.MinorDownstreamTo) > 0 {
					if j, ok := net.Index(a.MinorDownstreamTo[0]); ok {
						starts = append(starts, net.Down(j))
					}
				}
			}
			var spans []hydro.Span
			nonTrivial := 0
			for k, s := range starts {
				if s < 0 {
					continue
				}
				for _, mode := range []hydro.Mode{hydro.UT, hydro.UM, hydro.DM, hydro.DD} {
					q := hydro.Query{Mode: mode, Start: s, SkipMinor: k%5 == 4}
					if k%3 == 2 {
						q.DistanceKm, q.HasDistance = rng.Float64()*60, true
					}
					hits, err := net.NavigateAll(context.Background(), q)
					if err != nil {
						t.Fatal(err)
					}
					got := map[int32]bool{}
					for _, h := range hits {
						if got[h.Reach] {
							t.Fatalf("%+v returned %s twice", q, net.ID(h.Reach))
						}
						got[h.Reach] = true
					}
					want := net.Walk(q, graphs[q.SkipMinor])
					if fmt.Sprint(sortedSet(got)) != fmt.Sprint(sortedSet(want)) {
						t.Fatalf("%+v: fast path %d reaches, walk %d", q, len(got), len(want))
					}
					if len(want) > 1 {
						nonTrivial++
					}
					if mode != hydro.UT || q.HasDistance {
						continue
					}
					spans = net.UpstreamSpans(q, spans)
					inSpans := map[int32]bool{}
					for i, sp := range spans {
						if i > 0 && spans[i-1].Hi() > sp.Lo() {
							t.Fatalf("%+v: spans overlap or unsorted: %v", q, spans)
						}
						for r := sp.Lo(); r < sp.Hi(); r++ {
							inSpans[r] = true
						}
					}
					if fmt.Sprint(sortedSet(inSpans)) != fmt.Sprint(sortedSet(want)) {
						t.Fatalf("%+v: spans cover %d reaches, walk %d", q, len(inSpans), len(want))
					}
				}
			}
			if nonTrivial < len(starts) {
				t.Fatalf("only %d non-trivial navigations", nonTrivial)
			}
			// The reference walk itself (which builds its graph) agrees.
			q := hydro.Query{Mode: hydro.UT, Start: starts[0]}
			if len(net.ReferenceWalk(q)) != len(net.Walk(q, graphs[false])) {
				t.Fatal("referenceWalk and its prebuilt-graph form disagree")
			}
		})
	}
}
