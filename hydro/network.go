package hydro

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

const (
	flagStart uint8 = 1 << iota
	flagTerminal
	flagCoast
	flagUpNext // the upstream main-stem reach is the next in index order
)

// edge is a minor-divergence edge: water leaves From for To off the main path.
type edge struct{ From, To int32 }

// Network is a validated, indexed river network. Reaches are stored in
// upstream-index order (see package doc), so an internal reach index is also
// its pre-order number; callers use Index and ID to cross to external ids.
// A Network is immutable after Build and safe for concurrent queries.
//
// Per-reach columns are kept compact (see compact.go): about 62 bytes a
// reach for an NHDPlus network with numeric ids.
type Network struct {
	// Topology says which source the topology came from.
	Topology Topology
	// Problems holds the warnings found while building.
	Problems []Problem
	// Geographic says coordinates are lon/lat degrees.
	Geographic bool
	// SRID is the EPSG code of the reach geometry, 0 when unknown.
	SRID int

	n      int32
	ids    idIndex
	hasNHD bool

	down []int32 // main downstream reach, -1 at an outlet
	size []int32 // size of the upstream subtree in the index tree
	// upMainExc holds the upstream main-stem reach (To) of reaches (From)
	// whose main stem is not the next reach in index order (flagUpNext),
	// sorted by From: uphydroseq values that leave the layout.
	upMainExc []edge

	lenKm    kmCol
	cumKm    []float64 // distance from the reach's downstream end to its outlet
	cumHours []float64 // travel time from the reach's downstream end to its outlet
	pathKm   kmCol     // NHDPlus pathlength, or cumKm when computed

	hydroseq     i64col
	levelPath    i64col
	terminalPath i64col
	order        []uint8   // Strahler order
	arbolate     []float32 // km of stream upstream, this reach included
	velocity     []float32 // m/s used for travel time
	flags        []uint8

	minorUp   []edge // sorted by To (for upstream queries)
	minorDown []edge // sorted by From (for downstream queries)

	geom  []orb.LineString
	names []string
	codes []reachCode // nil when the source has no reach codes
	snap  snapIndex
}

// upMain is reach i's main-stem upstream reach, -1 at a headwater.
func (n *Network) upMain(i int32) int32 {
	if n.flags[i]&flagUpNext != 0 {
		return i + 1
	}
	if len(n.upMainExc) == 0 {
		return -1
	}
	k, ok := slices.BinarySearchFunc(n.upMainExc, i, func(e edge, t int32) int { return int(e.From - t) })
	if !ok {
		return -1
	}
	return n.upMainExc[k].To
}

// Len is the number of reaches.
func (n *Network) Len() int { return int(n.n) }

// Index finds a reach by its external id.
func (n *Network) Index(id string) (int32, bool) { return n.ids.lookup(id) }

// ID returns the external id of reach i.
func (n *Network) ID(i int32) string { return n.ids.id(i) }

// Attrs are the routing attributes of one reach, given or computed, as the
// PostGIS write-back and the CLI report them.
type Attrs struct {
	ID                string
	Name              string
	Down              string // main downstream reach id, "" at an outlet
	LengthKm          float64
	PathLengthKm      float64
	ArbolateSumKm     float64
	Hydroseq          int64
	LevelPathID       int64
	TerminalPathID    int64
	StreamOrder       int
	StartFlag         bool
	TerminalFlag      bool
	VelocityMS        float64
	TravelHours       float64 // time to cross this reach
	IntervalLo        int32   // upstream index interval [IntervalLo, IntervalHi)
	IntervalHi        int32
	MinorDownstreamTo []string
}

// Attrs reports reach i's attributes.
func (n *Network) Attrs(i int32) Attrs {
	a := Attrs{
		ID:             n.ID(i),
		LengthKm:       n.lenKm.at(i),
		PathLengthKm:   n.pathKm.at(i),
		ArbolateSumKm:  float64(n.arbolate[i]),
		Hydroseq:       n.hydroseq.at(i),
		LevelPathID:    n.levelPath.at(i),
		TerminalPathID: n.terminalPath.at(i),
		StreamOrder:    int(n.order[i]),
		StartFlag:      n.flags[i]&flagStart != 0,
		TerminalFlag:   n.flags[i]&flagTerminal != 0,
		VelocityMS:     float64(n.velocity[i]),
		TravelHours:    n.reachHours(i),
		IntervalLo:     i,
		IntervalHi:     i + n.size[i],
	}
	if n.names != nil {
		a.Name = n.names[i]
	}
	if d := n.down[i]; d >= 0 {
		a.Down = n.ID(d)
	}
	for _, e := range n.minorDownOf(i) {
		a.MinorDownstreamTo = append(a.MinorDownstreamTo, n.ID(e.To))
	}
	return a
}

// StreamOrder is reach i's Strahler order.
func (n *Network) StreamOrder(i int32) int { return int(n.order[i]) }

// LengthKm is reach i's length.
func (n *Network) LengthKm(i int32) float64 { return n.lenKm.at(i) }

// Geometry is reach i's polyline, nil when the network was built without
// KeepGeometry.
func (n *Network) Geometry(i int32) orb.LineString {
	if n.geom == nil {
		return nil
	}
	return n.geom[i]
}

// HasGeometry says whether reach polylines were kept.
func (n *Network) HasGeometry() bool { return n.geom != nil }

// Down is reach i's main downstream reach, -1 at an outlet.
func (n *Network) Down(i int32) int32 { return n.down[i] }

// Outlets lists reaches with no downstream reach.
func (n *Network) Outlets() []int32 {
	var out []int32
	for i := int32(0); i < n.n; i++ {
		if n.down[i] < 0 {
			out = append(out, i)
		}
	}
	return out
}

// MinorDivergences is the number of minor-divergence edges.
func (n *Network) MinorDivergences() int { return len(n.minorDown) }

// Headwaters counts reaches with nothing upstream.
func (n *Network) Headwaters() int {
	c := 0
	for _, f := range n.flags {
		if f&flagStart != 0 {
			c++
		}
	}
	return c
}

// UpstreamCount is the number of reaches in reach i's main-path subtree,
// i included: a drainage-size proxy that costs nothing to read.
func (n *Network) UpstreamCount(i int32) int { return int(n.size[i]) }

func (n *Network) reachHours(i int32) float64 {
	return n.lenKm.at(i) * 1000 / float64(n.velocity[i]) / 3600
}

func (n *Network) minorDownOf(i int32) []edge {
	lo, _ := slices.BinarySearchFunc(n.minorDown, i, func(e edge, t int32) int { return int(e.From - t) })
	hi := lo
	for hi < len(n.minorDown) && n.minorDown[hi].From == i {
		hi++
	}
	return n.minorDown[lo:hi]
}

// MemoryBytes estimates the bytes held by topology, attributes and the
// upstream index, geometry excluded.
func (n *Network) MemoryBytes() int {
	r := int(n.n)
	b := r * (4 + 4 + 1 + 1 + 4 + 4) // down, size, order, flags, arbolate, velocity
	b += n.lenKm.bytes() + n.pathKm.bytes()
	b += 8 * (len(n.cumKm) + len(n.cumHours))
	if sameFloats(n.pathKm.f, n.cumKm) {
		b -= 8 * len(n.cumKm)
	}
	b += n.hydroseq.bytes() + n.levelPath.bytes() + n.terminalPath.bytes()
	b += n.ids.bytes()
	b += (len(n.minorUp) + len(n.minorDown) + len(n.upMainExc)) * 8
	return b
}

// rawAttrs are the per-reach columns in input order, before index()
// renumbers and compacts them.
type rawAttrs struct {
	upMain        []int32
	lenKm, pathKm []float64
	// hydroseq, levelPath and terminalPath are an NHDPlus source's; a
	// computed network's are topological ranks (1 to n), held as uint32
	// (rankSeq, rankLevel, rankTerminal) and compacted in place, which
	// saves 12 bytes a reach while the build's memory peaks.
	hydroseq, levelPath, terminalPath []int64
	rankSeq, rankLevel, rankTerminal  []uint32
}

// attributes computes what the source lacks and returns a network with its
// raw columns; index() then renumbers and compacts them. Input record i is
// reach inv[i] of the builder's topology (inv nil: reach i). The input
// columns are read once, in sequence: at national scale a read out of
// order is a cache miss, so values needed in topological order are copied
// out first.
func (b *builder) attributes(topo []int32, lengths []float64, inv []int32) (*Network, *rawAttrs) {
	net, raw := b.newColumns(lengths)
	srcOrder := b.readRecords(net, raw, inv)
	b.strahler(topo, srcOrder, net.order)
	srcOrder = nil
	arb, hasChild := b.arbolateSums(topo, lengths, net.arbolate)
	b.mainStems(raw.upMain, arb, net.order)
	arb = nil
	b.travel(topo, lengths, net)
	if b.topo == TopologyNHDPlus {
		fillMissing(raw.pathKm, net.cumKm)
	} else {
		b.routing(topo, hasChild, net, raw)
	}
	b.keepGeometryAndNames(net, inv)
	net.codes = reachCodes(b.in, inv)
	return net, raw
}

// newColumns allocates a network's per-reach columns and the raw ones that
// index() compacts, and lists the minor-divergence edges.
func (b *builder) newColumns(lengths []float64) (*Network, *rawAttrs) {
	n := b.n
	net := &Network{
		n:        int32(n),
		ids:      b.ids,
		hasNHD:   b.topo == TopologyNHDPlus,
		down:     b.down,
		cumKm:    make([]float64, n),
		cumHours: make([]float64, n),
		order:    make([]uint8, n),
		arbolate: make([]float32, n),
		velocity: make([]float32, n),
		flags:    make([]uint8, n),
	}
	raw := &rawAttrs{upMain: make([]int32, n), lenKm: lengths}
	if net.hasNHD {
		raw.pathKm = make([]float64, n)
		raw.hydroseq, raw.levelPath, raw.terminalPath = make([]int64, n), make([]int64, n), make([]int64, n)
	}
	for _, e := range b.minor {
		net.minorDown = append(net.minorDown, edge{e[0], e[1]})
	}
	return net, raw
}

// readRecords reads every value the records give, in one pass over them in
// input order: source stream orders (returned, 0 where none), velocities
// (NaN: none given, set from the order by travel) and the NHDPlus columns
// and flags. When the topology is renumbered (inv not nil), each record's
// values go to its new position packed in one struct, a single scattered
// write a record, and are then split into columns in sequence.
func (b *builder) readRecords(net *Network, raw *rawAttrs, inv []int32) []uint8 {
	nhd := net.hasNHD
	srcOrder := make([]uint8, b.n)
	var packed []recVals
	if inv != nil {
		packed = make([]recVals, b.n)
	}
	for i := range b.n {
		p := readRecord(b.in, i, nhd)
		if packed != nil {
			packed[inv[i]] = p
			continue
		}
		p.store(net, raw, srcOrder, i, nhd)
	}
	for k := range packed {
		packed[k].store(net, raw, srcOrder, k, nhd)
	}
	return srcOrder
}

// readRecord takes the values attributes needs from record i.
func readRecord(in *reachCols, i int, nhd bool) recVals {
	var p recVals
	if v := in.velocityFps(i) * FtPerSec; math.IsNaN(v) || v <= 0 {
		p.vel = float32(math.NaN())
	} else {
		p.vel = float32(v)
	}
	if o := in.streamOrder(i); o > 0 && o < 256 {
		p.order = uint8(o)
	}
	if !nhd {
		return p
	}
	a := in.nhdAt(i)
	p.hydroseq = hseqKey(a.Hydroseq)
	p.levelPath = hseqKey(a.LevelPathID)
	p.terminalPath = hseqKey(a.TerminalPathID)
	p.pathKm = a.PathLength
	if a.StartFlag == 1 {
		p.flags |= flagStart
	}
	if a.TerminalFlag == 1 {
		p.flags |= flagTerminal
	}
	if a.FCode == FCodeCoastline {
		p.flags |= flagCoast
	}
	return p
}

// arbolateSums writes each reach's arbolate sum (km of stream upstream
// along the tree, the reach included) into out, upstream first, and
// returns the sums at full precision and which reaches have a tree child.
func (b *builder) arbolateSums(topo []int32, lengths []float64, out []float32) (arb []float64, hasChild []bool) {
	hasChild = make([]bool, b.n)
	arb = make([]float64, b.n)
	for _, u := range topo {
		arb[u] += lengths[u]
		out[u] = float32(arb[u])
		if d := b.down[u]; d >= 0 {
			hasChild[d] = true
			arb[d] += arb[u]
		}
	}
	return arb, hasChild
}

// mainStems sets each reach's main-stem upstream reach (-1 at a
// headwater): NHDPlus uphydroseq when given, else the tree child with the
// largest drainage area, then arbolate sum, then stream order, then the
// first in input order.
func (b *builder) mainStems(upMain []int32, arb []float64, order []uint8) {
	if b.topo == TopologyNHDPlus {
		copy(upMain, b.upH)
		return
	}
	in := b.in
	better := func(a, c int32) bool { // is a a better main stem than c?
		da, dc := in.totDASqKm(int(a)), in.totDASqKm(int(c))
		if !math.IsNaN(da) && !math.IsNaN(dc) && da != dc {
			return da > dc
		}
		if arb[a] != arb[c] {
			return arb[a] > arb[c]
		}
		if order[a] != order[c] {
			return order[a] > order[c]
		}
		return a < c
	}
	for i := range upMain {
		upMain[i] = -1
	}
	for u := int32(0); u < int32(b.n); u++ {
		if d := b.down[u]; d >= 0 {
			if c := upMain[d]; c < 0 || better(u, c) {
				upMain[d] = u
			}
		}
	}
}

// travel gives reaches without a velocity DefaultVelocity by their order,
// then computes each reach's distance and travel time from its downstream
// end to its outlet, downstream first.
func (b *builder) travel(topo []int32, lengths []float64, net *Network) {
	for k, v := range net.velocity {
		if v != v {
			net.velocity[k] = float32(DefaultVelocity(int(net.order[k])))
		}
	}
	for k := len(topo) - 1; k >= 0; k-- {
		u := topo[k]
		if d := b.down[u]; d >= 0 {
			net.cumKm[u] = net.cumKm[d] + lengths[d]
			net.cumHours[u] = net.cumHours[d] + lengths[d]*1000/float64(net.velocity[d])/3600
		}
	}
}

// routing computes the NHDPlus-style attributes a non-NHDPlus source
// lacks: path length (the distance to the outlet), hydroseq (topological
// rank, 1 at the last outlet), level and terminal paths along the main
// stems, and the start and terminal flags.
func (b *builder) routing(topo []int32, hasChild []bool, net *Network, raw *rawAttrs) {
	raw.pathKm = net.cumKm
	n := len(topo) // < MaxInt32 (build): every rank fits a uint32
	seq, level, terminal := make([]uint32, n), make([]uint32, n), make([]uint32, n)
	for k := n - 1; k >= 0; k-- {
		seq[topo[k]] = uint32(n - k)
	}
	for k := n - 1; k >= 0; k-- {
		u := topo[k]
		d := b.down[u]
		switch {
		case d < 0:
			level[u] = seq[u]
			terminal[u] = seq[u]
			net.flags[u] |= flagTerminal
			continue
		case raw.upMain[d] == u:
			level[u] = level[d]
		default:
			level[u] = seq[u]
		}
		terminal[u] = terminal[d]
	}
	raw.rankSeq, raw.rankLevel, raw.rankTerminal = seq, level, terminal
	hasMinorIn := make([]bool, b.n)
	for _, e := range b.minor {
		hasMinorIn[e[1]] = true
	}
	for u := range hasChild {
		if !hasChild[u] && !hasMinorIn[u] {
			net.flags[u] |= flagStart
		}
	}
}

// keepGeometryAndNames moves reach polylines (when Options.KeepGeometry)
// and copies stream names (when any record has one) to their network
// positions. The network takes the input's column of lines itself,
// permuted in place, instead of a copy: at the end of a build that column
// is the largest left (24 bytes a reach besides the points), and a copy
// doubled it at the peak (docs/performance.md, "Peak memory while
// loading"). The builder owns its input, so nothing else sees the change.
func (b *builder) keepGeometryAndNames(net *Network, inv []int32) {
	in := b.in
	if b.opt.KeepGeometry {
		geom := in.geom
		in.geom = nil
		switch {
		case geom == nil:
			geom = make([]orb.LineString, b.n)
		case inv != nil:
			scatterInPlace(geom, inv)
		}
		net.geom = geom[:b.n:b.n]
	}
	for i := range b.n {
		if in.name(i) == "" {
			continue
		}
		net.names = make([]string, b.n)
		for i := range b.n {
			net.names[at(inv, i)] = in.name(i)
		}
		return
	}
}

// Name is reach i's stream name, "" when unknown.
func (n *Network) Name(i int32) string {
	if n.names == nil {
		return ""
	}
	return n.names[i]
}

// recVals are the values attributes reads from one input record.
type recVals struct {
	hydroseq, levelPath, terminalPath int64
	pathKm                            float64
	vel                               float32
	order, flags                      uint8
}

func (p *recVals) store(net *Network, raw *rawAttrs, srcOrder []uint8, k int, nhd bool) {
	net.velocity[k] = p.vel
	srcOrder[k] = p.order
	if !nhd {
		return
	}
	raw.hydroseq[k] = p.hydroseq
	raw.levelPath[k] = p.levelPath
	raw.terminalPath[k] = p.terminalPath
	raw.pathKm[k] = p.pathKm
	net.flags[k] = p.flags
}

// at is input record i's position: inv[i], or i when inv is nil.
func at(inv []int32, i int) int {
	if inv == nil {
		return i
	}
	return int(inv[i])
}

// fillMissing replaces the NaN (nodata) values of dst with those of src: a
// reach whose file gives no pathlength (NHDPlus -9999, as on coastline
// reaches) gets the distance to its outlet computed along the network.
func fillMissing(dst, src []float64) {
	for i, v := range dst {
		if math.IsNaN(v) {
			dst[i] = src[i]
		}
	}
}

// strahler writes each reach's Strahler order into order, visiting reaches
// upstream first (topo). A reach with nothing upstream has order 1; where
// two or more inflows share the highest order the order rises by one,
// else it is that highest order.
//
// Networks that split and rejoin follow the NHDPlus rule (StreamCalc 0 on
// minor paths): a minor path, from the minor divergence down to where it
// rejoins, carries the order of the path it left and counts for nothing
// downstream. Where a minor path rejoins, only the inflows not on a minor
// path set the order. Without the rule a braid would raise the order of
// the river below it by one at every rejoin. (hydroloom's add_streamorder
// also refuses to raise the order at a confluence that a minor path
// joins; NHDPlus HR does raise it there when two main inflows share the
// highest order, and envtrace follows NHDPlus.)
//
// A stream order given by the file (srcOrder > 0) replaces the computed
// one and is what reaches below it see.
func (b *builder) strahler(topo []int32, srcOrder, order []uint8) {
	n := len(order)
	mainMax := make([]uint8, n)  // highest order of inflows on a main path
	mainCnt := make([]uint8, n)  // how many inflows have it
	minorMax := make([]uint8, n) // highest order of inflows on a minor path
	onMinor := make([]bool, n)
	for _, u := range topo {
		var o uint8
		switch {
		case mainCnt[u] > 0:
			o = mainMax[u]
			if mainCnt[u] >= 2 {
				o++
			}
		case minorMax[u] > 0:
			o, onMinor[u] = minorMax[u], true
		default:
			o = 1
		}
		if srcOrder[u] > 0 {
			o = srcOrder[u]
		}
		order[u] = o
		if d := b.down[u]; d >= 0 {
			if onMinor[u] {
				minorMax[d] = max(minorMax[d], o)
			} else {
				switch {
				case o > mainMax[d]:
					mainMax[d], mainCnt[d] = o, 1
				case o == mainMax[d] && mainCnt[d] < 255:
					mainCnt[d]++
				}
			}
		}
		for _, d := range b.minorFrom(u) {
			minorMax[d] = max(minorMax[d], o)
		}
	}
}
