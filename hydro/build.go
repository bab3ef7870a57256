package hydro

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// Options tune Build. The zero value is what most callers want.
type Options struct {
	// Geographic says Geometry is lon/lat degrees; lengths are then geodesic.
	// Otherwise coordinates are projected metres.
	Geographic bool
	// Strict turns dangling references into fatal errors.
	Strict bool
	// KeepGeometry keeps reach polylines in the network for snapping and
	// GeoJSON output.
	KeepGeometry bool
	// Progress, when set, is told the build's stage; builds of millions of
	// reaches take seconds and the CLI shows them.
	Progress func(stage string)
	// SnapTolerance is used when reaches carry geometry only: their ends
	// are noded within it (0 = 0.5 m, or 5e-6° for lon/lat).
	SnapTolerance float64
}

// Topology names where a network's topology came from.
type Topology string

// The topology sources, richest first.
const (
	TopologyNHDPlus  Topology = "nhdplus"
	TopologyToID     Topology = "toid"
	TopologyNodes    Topology = "fromnode/tonode"
	TopologyGeometry Topology = "geometry"
)

// Build validates reaches and builds the indexed network. Fatal problems
// (cycles, duplicate ids, unusable geometry, and dangling references when
// Strict) return a *BuildError listing all of them; warnings are kept in
// Network.Problems. Build never hangs on a cyclic network: cycles are found
// by a linear-time topological sort before any traversal.
func Build(ctx context.Context, reaches []Reach, opt Options) (*Network, error) {
	return build(ctx, reachColsOf(reaches), opt)
}

// build is Build over the builder's columnar input.
func build(ctx context.Context, reaches *reachCols, opt Options) (*Network, error) {
	if reaches.n > 0 && detectTopology(reaches) == TopologyGeometry && allHaveGeometry(reaches) {
		// Geometry alone (rows stored without topology): node the line
		// ends first. Ids are kept; split pieces get "id.1", "id.2".
		src := &Source{}
		if opt.Geographic {
			src.SRID = 4326
		} else {
			src.SRID = -1 // projected, unknown code
		}
		noded, err := nodeGeometry(reaches, src, true, LoadOptions{SnapTolerance: opt.SnapTolerance})
		if err != nil {
			return nil, err
		}
		reaches = noded
	}
	b := &builder{in: reaches, opt: opt, n: reaches.n}
	return b.build(ctx)
}

func allHaveGeometry(rs *reachCols) bool {
	for i := range rs.n {
		if len(rs.geometry(i)) == 0 {
			return false
		}
	}
	return true
}

type builder struct {
	in       *reachCols
	opt      Options
	n        int
	topo     Topology
	problems []Problem
	fatal    bool

	ids   idIndex
	down  []int32    // main downstream, -1 outlet
	minor [][2]int32 // minor downstream edges (from, to)
	upH   []int32    // NHDPlus uphydroseq resolved to a reach, -1 none

	// minor edges by source in CSR form: targets of u are
	// minorTo[minorOff[u]:minorOff[u+1]], in b.minor order.
	minorOff, minorTo []int32
}

// minorFrom lists the reaches u drains to off its main path.
func (b *builder) minorFrom(u int32) []int32 {
	if b.minorOff == nil {
		return nil
	}
	return b.minorTo[b.minorOff[u]:b.minorOff[u+1]]
}

// minorCSR lays out b.minor by source.
func (b *builder) minorCSR() {
	if len(b.minor) == 0 {
		return
	}
	off := make([]int32, b.n+1)
	for _, e := range b.minor {
		off[e[0]+1]++
	}
	for i := 0; i < b.n; i++ {
		off[i+1] += off[i]
	}
	to := make([]int32, len(b.minor))
	fill := make([]int32, b.n)
	for _, e := range b.minor {
		to[off[e[0]]+fill[e[0]]] = e[1]
		fill[e[0]]++
	}
	b.minorOff, b.minorTo = off, to
}

func (b *builder) add(p Problem) {
	b.problems = append(b.problems, p)
	if p.Severity() == Fatal {
		b.fatal = true
	}
}

func (b *builder) stage(s string) {
	if b.opt.Progress != nil {
		b.opt.Progress(s)
	}
}

func (b *builder) build(ctx context.Context) (*Network, error) {
	if b.n == 0 {
		return nil, fmt.Errorf("hydro: network has no reaches")
	}
	if b.n >= math.MaxInt32 {
		return nil, fmt.Errorf("hydro: %d reaches exceed the supported %d", b.n, math.MaxInt32-1)
	}
	b.stage("ids")
	b.topo = detectTopology(b.in)
	if err := b.indexIDs(); err != nil {
		return nil, err
	}
	b.stage("topology")
	b.edges()
	// The downstream ids are resolved: let the collector have them before
	// the attributes are allocated (docs/performance.md, "Peak memory
	// while loading"). The builder owns its input.
	b.in.to, b.in.toMore, b.in.toMoreOff = textCol{}, nil, nil
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.stage("validate")
	b.minorCSR()
	lengths := b.lengths()
	b.in.fromNode, b.in.toNode, b.in.lenKm = textCol{}, textCol{}, nil // as above
	topo := b.toposort()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if b.fatal {
		return nil, &BuildError{Problems: b.problems}
	}
	b.stage("attributes")
	if b.topo == TopologyNHDPlus {
		// The index tree is known before the attributes (uphydroseq names
		// the main stems): renumber into index order first, so that the
		// attribute passes read memory nearly in sequence.
		inv, size, topo, lengths := b.renumberPreorder(topo, lengths)
		net, raw := b.attributes(topo, lengths, inv)
		b.in = nil // as below
		b.stage("index")
		net.renumber(raw, nil, nil, size)
		net.Problems = b.problems
		net.Topology = b.topo
		net.Geographic = b.opt.Geographic
		return net, nil
	}
	net, raw := b.attributes(topo, lengths, nil)
	// The input is read: let the collector have its columns (all but a
	// numeric id column, which the network keeps as its ids) while index
	// allocates the compact ones.
	b.in = nil
	b.stage("index")
	net.index(raw, topo)
	net.Problems = b.problems
	net.Topology = b.topo
	net.Geographic = b.opt.Geographic
	return net, nil
}

func detectTopology(in *reachCols) Topology {
	nhd, toid, nodes := in.allNHD(), in.hasTo, in.hasNodes()
	switch {
	case nhd:
		return TopologyNHDPlus
	case toid:
		return TopologyToID
	case nodes:
		return TopologyNodes
	}
	return TopologyGeometry
}

func (b *builder) indexIDs() error {
	for i := range b.n {
		if b.in.ids.empty(i) {
			return fmt.Errorf("hydro: record %d has no reach id", i+1)
		}
	}
	if nums, ok := parseNumericIDs(&b.in.ids, b.n); ok {
		// Numeric ids (COMIDs): sort once; duplicates are then neighbours.
		sorted, order := radixOrder(nums)
		var dups [][2]int32
		for k := 1; k < len(sorted); k++ {
			if sorted[k] == sorted[k-1] {
				first := k - 1
				for first > 0 && sorted[first-1] == sorted[k] {
					first--
				}
				dups = append(dups, [2]int32{order[first], order[k]})
			}
		}
		slices.SortFunc(dups, func(a, c [2]int32) int { return int(a[1] - c[1]) })
		for _, d := range dups {
			b.add(&DuplicateIDError{ID: b.in.id(int(d[0])), Rows: []int{int(d[0]) + 1, int(d[1]) + 1}})
		}
		if b.fatal {
			return &BuildError{Problems: b.problems}
		}
		vals := b.in.ids.num // numeric: the input's own column
		if vals == nil {
			vals = make([]int64, len(nums))
			for i, k := range nums {
				vals[i] = int64(k ^ (1 << 63))
			}
		}
		b.ids = &numericIDs{raw: vals, sorted: order}
		return nil
	}
	ids := make([]string, b.n)
	seen := make(map[string]int, b.n)
	for i := range b.n {
		id := b.in.id(i)
		if j, ok := seen[id]; ok {
			b.add(&DuplicateIDError{ID: id, Rows: []int{j + 1, i + 1}})
			continue
		}
		seen[id] = i
		ids[i] = id
	}
	if b.fatal {
		return &BuildError{Problems: b.problems}
	}
	b.ids = newIDIndex(ids)
	return nil
}

// hseqKey renders an NHDPlus sequence number as a lookup key.
func hseqKey(v float64) int64 { return int64(math.Round(v)) }

func (b *builder) edges() {
	n := b.n
	b.down = make([]int32, n)
	for i := range b.down {
		b.down[i] = -1
	}
	switch b.topo {
	case TopologyNHDPlus:
		// Resolve dnhydroseq, dnminorhyd and uphydroseq by sorting rather
		// than through a map of millions of entries: sort the hydroseq
		// numbers once, sort the references, and merge.
		hk := make([]uint64, n)
		qk := make([]uint64, 0, 2*n)
		qOwner := make([]int32, 0, 2*n)
		qKind := make([]uint8, 0, 2*n)
		valid := func(v float64) bool { return v != 0 && !math.IsNaN(v) }
		for i := range b.n {
			a := b.in.nhdAt(i)
			hk[i] = orderKey(hseqKey(a.Hydroseq))
			for kind, v := range [3]float64{a.DnHydroseq, a.DnMinorHyd, a.UpHydroseq} {
				if valid(v) {
					qk = append(qk, orderKey(hseqKey(v)))
					qOwner = append(qOwner, int32(i))
					qKind = append(qKind, uint8(kind))
				}
			}
		}
		sorted, pos := radixOrder(hk)
		hk = nil
		found := joinLast(sorted, pos, qk)
		sorted, pos, qk = nil, nil, nil
		b.upH = make([]int32, n)
		for i := range b.upH {
			b.upH[i] = -1
		}
		for k, i := range qOwner {
			j := found[k]
			a := b.in.nhdAt(int(i))
			if j >= 0 && reachesCoast(a, b.in.nhdAt(int(j))) {
				continue // the river ends at the sea: an outlet
			}
			switch qKind[k] {
			case 0:
				if j >= 0 {
					b.down[i] = j
				} else {
					b.dangling(int(i), "dnhydroseq", strconv.FormatInt(hseqKey(a.DnHydroseq), 10))
				}
			case 1:
				if j >= 0 {
					b.minor = append(b.minor, [2]int32{i, j})
				} else {
					b.dangling(int(i), "dnminorhyd", strconv.FormatInt(hseqKey(a.DnMinorHyd), 10))
				}
			case 2:
				b.upH[i] = j
			}
		}
	case TopologyToID:
		targets, k := b.toIDTargets(), 0
		for i := range b.n {
			var outs []int32
			for s := range b.in.toLen(i) {
				if b.in.toEmpty(i, s) {
					continue
				}
				j := targets[k]
				k++
				if j < 0 {
					if t := b.in.toAt(i, s); t != "0" { // toid 0 marks an outlet
						b.dangling(i, "toid", t)
					}
					continue
				}
				if !slices.Contains(outs, j) {
					outs = append(outs, j)
				}
			}
			b.setDowns(i, outs)
		}
	case TopologyNodes, TopologyGeometry:
		if b.numericNodeEdges() {
			return
		}
		byFrom := make(map[string][]int32, n)
		for i := range n {
			if f := b.in.fromNode.at(i); f != "" {
				byFrom[f] = append(byFrom[f], int32(i))
			}
		}
		for i := range n {
			to := b.in.toNode.at(i)
			if to == "" || to == "0" {
				continue
			}
			if b.in.fromNode.at(i) == to {
				b.add(&SinkWarning{ID: b.in.id(i)})
				continue
			}
			b.setDowns(i, byFrom[to])
		}
	}
}

// reachesCoast says a reference from reach a to reach c joins a river to
// the coastline (NHDPlus terminal rivers name a coastline reach as their
// dnhydroseq). The river ends there: following the coastline would add its
// length to every distance and drainage sum upstream, and the NLDI never
// navigates it.
func reachesCoast(a, c *NHDAttrs) bool {
	return (a.FCode == FCodeCoastline) != (c.FCode == FCodeCoastline)
}

func (b *builder) dangling(i int, field, ref string) {
	b.add(&DanglingRefError{ID: b.in.id(i), Field: field, Ref: ref, Fatal: b.opt.Strict})
}

// setDowns applies the main-path rule to a reach's downstream reaches.
func (b *builder) setDowns(i int, outs []int32) {
	switch len(outs) {
	case 0:
		return
	case 1:
		b.down[i] = outs[0]
		return
	}
	main := -1
	// A divergence attribute names the minor paths (2); the main path is
	// the one that is not minor.
	hasDiv := false
	for k, j := range outs {
		if d := b.in.divergence(int(j)); d == 1 || d == 2 {
			hasDiv = true
			if d == 1 && main < 0 {
				main = k
			}
		}
	}
	if hasDiv && main < 0 {
		for k, j := range outs {
			if b.in.divergence(int(j)) != 2 {
				main = k
				break
			}
		}
	}
	if !hasDiv || main < 0 {
		main = 0
		if name := b.in.name(i); name != "" {
			for k, j := range outs {
				if b.in.name(int(j)) == name {
					main = k
					break
				}
			}
		}
	}
	b.down[i] = outs[main]
	w := &MultipleDownstreamWarning{ID: b.in.id(i), Main: b.in.id(int(outs[main]))}
	for k, j := range outs {
		if k != main {
			b.minor = append(b.minor, [2]int32{int32(i), j})
			w.Minor = append(w.Minor, b.in.id(int(j)))
		}
	}
	if !hasDiv {
		b.add(w)
	}
}

// lengths returns reach lengths in km, from the source or the geometry, and
// reports unusable geometry.
func (b *builder) lengths() []float64 {
	out := make([]float64, b.n)
	in := b.in
	for i := range b.n {
		g := in.geometry(i)
		if len(g) > 0 || b.topo == TopologyGeometry {
			// A closed ring (DEM pit) is a sink, reported by edges(), even
			// when it has collapsed to a point.
			ring := !in.fromNode.empty(i) && in.fromNode.equal(&in.toNode, i) && len(g) >= 2
			if reason := lineProblem(g); reason != "" && !ring {
				b.add(&GeometryError{ID: in.id(i), Row: i + 1, Reason: reason})
				continue
			}
		}
		l := in.lenKm[i]
		if !math.IsNaN(l) && l > 0 {
			out[i] = l
			continue
		}
		if len(g) > 1 {
			out[i] = lineLengthKm(g, b.opt.Geographic)
			continue
		}
		if !math.IsNaN(l) && l == 0 && b.topo != TopologyNHDPlus {
			b.add(&GeometryError{ID: in.id(i), Row: i + 1, Reason: "zero length"})
		}
		// Length unknown: zero keeps the reach navigable; distances through it
		// are then understated and the distance limit cannot exclude it.
	}
	return out
}

func lineProblem(g orb.LineString) string {
	if len(g) == 0 {
		return "empty line"
	}
	for _, p := range g {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return "non-finite coordinate"
		}
	}
	if len(g) < 2 {
		return "a line needs at least two vertices"
	}
	for _, p := range g[1:] {
		if p != g[0] {
			return ""
		}
	}
	return "zero length (all vertices equal)"
}

func lineLengthKm(g orb.LineString, geographic bool) float64 {
	if geographic {
		return geo.Length(g) / 1000
	}
	var s float64
	for i := 1; i < len(g); i++ {
		s += math.Hypot(g[i][0]-g[i-1][0], g[i][1]-g[i-1][1])
	}
	return s / 1000
}

// toposort orders reaches upstream to downstream (Kahn's algorithm over main
// and minor edges). Reaches left over sit on or above cycles; each cycle is
// reported with its reach ids.
func (b *builder) toposort() []int32 {
	n := b.n
	indeg := make([]int32, n)
	for _, d := range b.down {
		if d >= 0 {
			indeg[d]++
		}
	}
	for _, e := range b.minor {
		indeg[e[1]]++
	}
	order := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		if indeg[i] == 0 {
			order = append(order, int32(i))
		}
	}
	for k := 0; k < len(order); k++ {
		u := order[k]
		if d := b.down[u]; d >= 0 {
			indeg[d]--
			if indeg[d] == 0 {
				order = append(order, d)
			}
		}
		for _, d := range b.minorFrom(u) {
			indeg[d]--
			if indeg[d] == 0 {
				order = append(order, d)
			}
		}
	}
	if len(order) < n {
		b.findCycles(indeg)
	}
	return order
}

// findCycles reports one loop for each strongly connected component left
// after the topological sort, using an iterative Tarjan search so that deep
// networks cannot overflow the stack.
func (b *builder) findCycles(indeg []int32) {
	succ := func(u int32) []int32 {
		var s []int32
		if d := b.down[u]; d >= 0 && indeg[d] > 0 {
			s = append(s, d)
		}
		for _, d := range b.minorFrom(u) {
			if indeg[d] > 0 {
				s = append(s, d)
			}
		}
		return s
	}
	const unvisited = -1
	n := b.n
	idx := make([]int32, n)
	low := make([]int32, n)
	on := make([]bool, n)
	for i := range idx {
		idx[i] = unvisited
	}
	var stack []int32
	var counter int32
	type frame struct {
		v    int32
		next []int32
	}
	for s := 0; s < n; s++ {
		if indeg[s] == 0 || idx[s] != unvisited {
			continue
		}
		call := []frame{{v: int32(s), next: succ(int32(s))}}
		idx[s], low[s] = counter, counter
		counter++
		stack = append(stack, int32(s))
		on[s] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if len(f.next) > 0 {
				w := f.next[0]
				f.next = f.next[1:]
				if idx[w] == unvisited {
					idx[w], low[w] = counter, counter
					counter++
					stack = append(stack, w)
					on[w] = true
					call = append(call, frame{v: w, next: succ(w)})
				} else if on[w] && idx[w] < low[f.v] {
					low[f.v] = idx[w]
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				if low[v] < low[p] {
					low[p] = low[v]
				}
			}
			if low[v] != idx[v] {
				continue
			}
			var comp []int32
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			if len(comp) > 1 || slices.Contains(succ(v), v) {
				b.add(&CycleError{Loop: b.loopIn(comp, succ)})
			}
		}
	}
}

// loopIn walks inside one strongly connected component until it returns to
// a reach it has seen, and returns that loop in flow order.
func (b *builder) loopIn(comp []int32, succ func(int32) []int32) []string {
	in := make(map[int32]bool, len(comp))
	for _, v := range comp {
		in[v] = true
	}
	start := slices.Min(comp)
	pos := map[int32]int{}
	var path []int32
	v := start
	for {
		if k, ok := pos[v]; ok {
			path = path[k:]
			break
		}
		pos[v] = len(path)
		path = append(path, v)
		next := int32(-1)
		for _, w := range succ(v) {
			if in[w] {
				next = w
				break
			}
		}
		if next < 0 { // cannot happen inside a component; stay safe
			break
		}
		v = next
	}
	// Rotate so the smallest id leads, for stable reports.
	minAt := 0
	for k := range path {
		if b.in.id(int(path[k])) < b.in.id(int(path[minAt])) {
			minAt = k
		}
	}
	out := make([]string, 0, len(path))
	for k := range path {
		out = append(out, b.in.id(int(path[(minAt+k)%len(path)])))
	}
	return out
}

// renumberPreorder numbers an NHDPlus network's index tree (see
// indexParents; uphydroseq gives the main stems) and renumbers the
// builder's topology into that order: down, upH, the minor edges and the
// ids. It returns inv (inv[input record] = new index), the subtree sizes and the
// lengths by new index, and a topological order (upstream first) that
// follows the new numbering closely, so that passes over it stay local.
func (b *builder) renumberPreorder(topo []int32, lengths []float64) (inv, size, topo2 []int32, lengths2 []float64) {
	n := b.n
	fl := make([]uint8, n) // the flags the index tree needs, in input order
	for i := range n {
		a := b.in.nhdAt(i)
		if a.StartFlag == 1 {
			fl[i] |= flagStart
		}
		if a.FCode == FCodeCoastline {
			fl[i] |= flagCoast
		}
	}
	perm, inv, size := preorder(indexParents(b.down, fl), b.upH, topo)
	fl = nil
	b.down = remapRefs(b.down, perm, inv)
	b.upH = remapRefs(b.upH, perm, inv)
	for k, e := range b.minor {
		b.minor[k] = [2]int32{inv[e[0]], inv[e[1]]}
	}
	b.minorOff, b.minorTo = nil, nil
	b.minorCSR()
	b.ids = b.ids.permute(perm, inv)
	lengths2 = permute(lengths, perm)
	return inv, size, b.localTopo(), lengths2
}

// localTopo is a topological order (upstream first) of an acyclic network
// numbered in index pre-order. It scans reaches from the last to the first
// and emits a reach as soon as everything upstream of it has been: in
// pre-order a reach's tree children come after it, so the order follows
// the numbering backwards except around the few edges that leave the tree.
func (b *builder) localTopo() []int32 {
	n := b.n
	indeg := make([]int32, n)
	for _, d := range b.down {
		if d >= 0 {
			indeg[d]++
		}
	}
	for _, d := range b.minorTo {
		indeg[d]++
	}
	order := make([]int32, 0, n)
	var stack []int32
	for i := int32(n) - 1; i >= 0; i-- {
		if indeg[i] != 0 {
			continue // waiting for upstream reaches, or emitted already (-1)
		}
		indeg[i] = -1
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			order = append(order, u)
			if d := b.down[u]; d >= 0 {
				if indeg[d]--; indeg[d] == 0 {
					indeg[d] = -1
					stack = append(stack, d)
				}
			}
			for _, d := range b.minorFrom(u) {
				if indeg[d]--; indeg[d] == 0 {
					indeg[d] = -1
					stack = append(stack, d)
				}
			}
		}
	}
	return order
}
