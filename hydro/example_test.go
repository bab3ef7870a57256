package hydro_test

import (
	"context"
	"fmt"
	"sort"

	"github.com/envtrace/envtrace/hydro"
)

// A small basin from an id → toid table: which reaches drain to the outlet,
// and where does water from a headwater go?
func ExampleNetwork_Navigate() {
	reach := func(id string, to ...string) hydro.Reach {
		return hydro.Reach{ID: id, ToIDs: to, LengthKm: 2, VelocityFps: hydro.Missing, TotDASqKm: hydro.Missing}
	}
	net, err := hydro.Build(context.Background(), []hydro.Reach{
		reach("h1", "m1"), reach("h2", "m1"), reach("t1", "o"), reach("m1", "o"), reach("o"),
	}, hydro.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	o, _ := net.Index("o")
	hits, _ := net.NavigateAll(context.Background(), hydro.Query{Mode: hydro.UT, Start: o})
	var up []string
	for _, h := range hits {
		up = append(up, fmt.Sprintf("%s@%.0fkm", net.ID(h.Reach), h.DistanceKm))
	}
	sort.Strings(up)
	fmt.Println("upstream of o:", up)

	h1, _ := net.Index("h1")
	hits, _ = net.NavigateAll(context.Background(), hydro.Query{Mode: hydro.DM, Start: h1})
	for _, h := range hits {
		fmt.Print(net.ID(h.Reach), " ")
	}
	fmt.Println()
	// Output:
	// upstream of o: [h1@4km h2@4km m1@2km o@0km t1@2km]
	// h1 m1 o
}

// Cycles are reported with the reaches in each loop; the build never hangs.
func ExampleBuild_cycle() {
	_, err := hydro.Build(context.Background(), []hydro.Reach{
		{ID: "a", ToIDs: []string{"b"}, LengthKm: 1},
		{ID: "b", ToIDs: []string{"a"}, LengthKm: 1},
	}, hydro.Options{})
	fmt.Println(err)
	// Output:
	// invalid network: 1 error(s); cycle of 2 reaches: a -> b -> a
}
