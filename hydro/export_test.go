package hydro

// Hooks for the external tests and benchmarks (package hydro_test), which
// import fixtures/synth and so cannot live in package hydro.

// ReferenceWalk exposes referenceWalk.
func (n *Network) ReferenceWalk(q Query) map[int32]bool { return n.referenceWalk(q) }

// WalkGraph is the prebuilt upstream adjacency of a reference walk.
type WalkGraph struct{ g walkGraph }

// NewWalkGraph builds it once, as a database keeps its indexes.
func (n *Network) NewWalkGraph(skipMinor bool) WalkGraph {
	return WalkGraph{n.newWalkGraph(skipMinor)}
}

// Walk is referenceWalk over a prebuilt graph.
func (n *Network) Walk(q Query, g WalkGraph) map[int32]bool { return n.walk(q, g.g) }

// IsCoast says whether reach i is a coastline.
func (n *Network) IsCoast(i int32) bool { return n.flags[i]&flagCoast != 0 }

// ReadNetwork exposes the reading half of Load (readReaches: the CSV and
// GeoJSON network readers for .csv and .geojson, layer.Read and
// FromLayer's columns otherwise):
// the number of reaches it read into the builder's input.
func ReadNetwork(path string) (int, *Source, error) {
	reaches, src, err := readReaches(path, LoadOptions{})
	if err != nil {
		return 0, nil, err
	}
	return reaches.n, src, nil
}
