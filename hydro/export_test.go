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

// Span is an interval [Lo, Hi) of the upstream index.
type Span = span

// Lo is the first reach of the span.
func (s span) Lo() int32 { return s.lo }

// Hi is one past the last reach of the span.
func (s span) Hi() int32 { return s.hi }

// UpstreamSpans exposes upstreamSpans.
func (n *Network) UpstreamSpans(q Query, buf []Span) []Span { return n.upstreamSpans(q, buf) }

// IsCoast says whether reach i is a coastline.
func (n *Network) IsCoast(i int32) bool { return n.flags[i]&flagCoast != 0 }
