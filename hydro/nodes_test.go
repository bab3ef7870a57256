package hydro

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestNumericNodesMatchMap builds random from/to-node networks (with
// divisions, named main paths, sinks and outlets) twice: with numeric node
// ids, joined by sorting, and with the same ids prefixed so that they go
// through the map of node ids. Every reach must get the same downstream
// reaches and the same warnings.
func TestNumericNodesMatchMap(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 16))
		const n = 3000
		var num, text []Reach
		for i := range n {
			from := strconv.Itoa(i + 1)
			to := "0"
			switch x := rng.IntN(20); {
			case x == 0: // a sink
				to = from
			case x == 1: // an outlet
			default: // into a node further down, shared now and then
				to = strconv.Itoa(1 + rng.IntN(n))
				if to == from {
					to = "0"
				}
			}
			if rng.IntN(30) == 0 && i > 0 {
				from = num[rng.IntN(i)].FromNode // two reaches leave one node
			}
			name := ""
			if rng.IntN(3) == 0 {
				name = "river " + strconv.Itoa(rng.IntN(5))
			}
			r := Reach{ID: strconv.Itoa(1000 + i), Name: name, FromNode: from, ToNode: to, LengthKm: 1,
				VelocityFps: Missing, TotDASqKm: Missing}
			num = append(num, r)
			r.FromNode, r.ToNode = "n"+from, "n"+to
			if to == "0" {
				r.ToNode = "0"
			}
			text = append(text, r)
		}
		a := &builder{in: reachColsOf(num), n: n, topo: TopologyNodes}
		c := &builder{in: reachColsOf(text), n: n, topo: TopologyNodes}
		for _, b := range []*builder{a, c} {
			if err := b.indexIDs(); err != nil {
				t.Fatal(err)
			}
			b.edges()
		}
		if fmt.Sprint(a.down) != fmt.Sprint(c.down) || fmt.Sprint(a.minor) != fmt.Sprint(c.minor) {
			t.Fatalf("seed %d: numeric nodes give other downstream reaches than the map", seed)
		}
		if fmt.Sprint(a.problems) != fmt.Sprint(c.problems) || len(a.problems) == 0 {
			t.Fatalf("seed %d: warnings differ (%d and %d)", seed, len(a.problems), len(c.problems))
		}
		if len(a.minor) == 0 {
			t.Fatalf("seed %d: no divided node: the test does not test the main-path rule", seed)
		}
	}
	if _, err := Build(context.Background(), []Reach{{ID: "1", FromNode: "1", ToNode: "2", LengthKm: 1}, {ID: "2", FromNode: "2", ToNode: "0", LengthKm: 1}}, Options{}); err != nil {
		t.Fatal(err)
	}
}
