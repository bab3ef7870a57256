package hydro

import (
	"slices"
	"unsafe"

	"github.com/paulmach/orb"
)

// indexParents gives each reach's parent in the index tree (-1 at a root):
// its main downstream reach, unless NLDI would not climb from there to it
// (the downstream reach is a coastline or a start reach) or the reach
// itself is a coastline. flags holds flagCoast and flagStart by reach.
// Both builds, NHDPlus (renumberPreorder) and computed (index), use it.
func indexParents(down []int32, flags []uint8) []int32 {
	parent := make([]int32, len(down))
	for i, d := range down {
		if d < 0 || flags[i]&flagCoast != 0 || flags[d]&(flagCoast|flagStart) != 0 {
			parent[i] = -1
		} else {
			parent[i] = d
		}
	}
	return parent
}

// remapRefs renumbers a column of reach references (-1: none) into the
// order perm[new] = old, inv[old] = new.
func remapRefs(s, perm, inv []int32) []int32 {
	out := make([]int32, len(perm))
	for nw, old := range perm {
		if v := s[old]; v >= 0 {
			out[nw] = inv[v]
		} else {
			out[nw] = -1
		}
	}
	return out
}

// index numbers the index tree in pre-order (main-stem child first),
// renumbers every per-reach column into that order (compacting it), and
// lays out the minor-divergence edges for interval queries.
func (n *Network) index(raw *rawAttrs, topo []int32) {
	perm, inv, size := preorder(indexParents(n.down, n.flags), raw.upMain, topo)
	n.renumber(raw, perm, inv, size)
}

// preorder numbers the index tree given by parent (-1 at a root) in
// pre-order, the main-stem child (upMain) first and the other children in
// index order; topo is a topological order, upstream first. It returns
// perm[new] = old, inv[old] = new and the subtree sizes by new index.
//
// There is no depth-first search (whose stack walk is a cache miss a reach
// at national scale): subtree sizes upstream first, then each reach's
// offset among its siblings, then positions downstream first.
func preorder(parent, upMain, topo []int32) (perm, inv, size []int32) {
	N := int32(len(parent))
	size0 := make([]int32, N) // by old index
	for _, u := range topo {
		size0[u]++
		if p := parent[u]; p >= 0 {
			size0[p] += size0[u]
		}
	}
	off := make([]int32, N) // position below the parent, less one
	acc := make([]int32, N) // per parent: sizes of the siblings placed so far
	for i, p := range parent {
		if p >= 0 && upMain[p] == int32(i) {
			acc[p] = size0[i]
		}
	}
	for i, p := range parent {
		if p >= 0 && upMain[p] != int32(i) {
			off[i] = acc[p]
			acc[p] += size0[i]
		}
	}
	acc = nil
	inv = make([]int32, N) // inv[old] = new
	next := int32(0)
	for r := int32(0); r < N; r++ {
		if parent[r] < 0 {
			inv[r] = next
			next += size0[r]
		}
	}
	for k := len(topo) - 1; k >= 0; k-- {
		if u := topo[k]; parent[u] >= 0 {
			inv[u] = inv[parent[u]] + 1 + off[u]
		}
	}
	off = nil
	perm = make([]int32, N) // perm[new] = old
	for old, nw := range inv {
		perm[nw] = int32(old)
	}
	return perm, inv, permute(size0, perm)
}

// renumber moves every per-reach column into the index order given by perm
// and inv (both nil: the columns are in that order already), compacts the
// raw columns and lays out the minor-divergence edges.
func (n *Network) renumber(raw *rawAttrs, perm, inv []int32, size []int32) {
	remap := func(s []int32) []int32 {
		if perm == nil {
			return s
		}
		return remapRefs(s, perm, inv)
	}
	n.down = remap(n.down)
	upMain := remap(raw.upMain)
	raw.upMain = nil
	n.size = size
	n.lenKm = newKmCol(raw.lenKm, perm)
	if perm != nil {
		// The columns the network keeps as they are, without a second
		// copy of each: numbers through one scratch column, the rest
		// (which hold pointers) in one walk along perm's cycles.
		scratch := make([]uint64, len(perm))
		permuteVia(n.cumKm, perm, scratch)
		permuteVia(n.cumHours, perm, scratch)
		permuteVia(n.order, perm, scratch)
		permuteVia(n.arbolate, perm, scratch)
		permuteVia(n.velocity, perm, scratch)
		permuteVia(n.flags, perm, scratch)
		permuteVia(raw.rankSeq, perm, scratch)
		permuteVia(raw.rankLevel, perm, scratch)
		permuteVia(raw.rankTerminal, perm, scratch)
		scratch = nil
		geom := col(n.geom)
		if !slices.ContainsFunc(n.geom, func(l orb.LineString) bool { return l != nil }) {
			geom = nil // no lines (a topology-only source): nothing to move
		}
		permuteColumns(perm, geom, col(n.names), col(n.codes))
	}
	if n.hasNHD {
		n.pathKm = newKmCol(raw.pathKm, perm)
	} else {
		n.pathKm = kmCol{f: n.cumKm}
	}
	raw.lenKm, raw.pathKm = nil, nil
	if raw.rankSeq != nil { // permuted above
		n.hydroseq = rankCol(raw.rankSeq)
		n.levelPath = rankCol(raw.rankLevel)
		n.terminalPath = rankCol(raw.rankTerminal)
	} else {
		n.hydroseq = newI64col(raw.hydroseq, perm)
		n.levelPath = newI64col(raw.levelPath, perm)
		n.terminalPath = newI64col(raw.terminalPath, perm)
	}
	raw.hydroseq, raw.levelPath, raw.terminalPath = nil, nil, nil
	raw.rankSeq, raw.rankLevel, raw.rankTerminal = nil, nil, nil
	if perm != nil {
		n.ids = n.ids.permute(perm, inv)
	}

	// The upstream main stem is almost always the next reach in index
	// order (main-stem child first): a flag bit says so, and the few
	// exceptions are listed.
	n.upMainExc = nil
	for i, u := range upMain {
		switch {
		case u < 0:
		case u == int32(i)+1:
			n.flags[i] |= flagUpNext
		default:
			n.upMainExc = append(n.upMainExc, edge{int32(i), u})
		}
	}

	// Minor edges, renumbered: all of them for downstream queries; for
	// upstream queries only those NLDI climbs (no coastline, target not a
	// start reach).
	down := make([]edge, 0, len(n.minorDown))
	up := make([]edge, 0, len(n.minorDown))
	for _, e := range n.minorDown {
		f, t := e.From, e.To
		if inv != nil {
			f, t = inv[f], inv[t]
		}
		if (n.flags[f]|n.flags[t])&flagCoast != 0 {
			continue
		}
		down = append(down, edge{f, t})
		if n.flags[t]&flagStart == 0 {
			up = append(up, edge{f, t})
		}
	}
	slices.SortFunc(down, func(a, b edge) int { return cmp2(a.From, b.From, a.To, b.To) })
	slices.SortFunc(up, func(a, b edge) int { return cmp2(a.To, b.To, a.From, b.From) })
	n.minorDown, n.minorUp = down, up
}

func cmp2(a1, b1, a2, b2 int32) int {
	switch {
	case a1 < b1:
		return -1
	case a1 > b1:
		return 1
	case a2 < b2:
		return -1
	case a2 > b2:
		return 1
	}
	return 0
}

// permuteVia reorders s as permute does (s[k] becomes the old
// s[perm[k]]) through scratch, a column of at least len(s) 8-byte words
// that the caller reuses for every column: the index stage permutes
// eight numeric columns with one extra column of memory instead of a copy
// of each. The reads follow perm in sequence, so the processor overlaps
// their cache misses, which a walk along the cycles cannot.
func permuteVia[T ~float64 | ~float32 | ~uint32 | ~uint8](s []T, perm []int32, scratch []uint64) {
	if s == nil {
		return
	}
	// T holds no pointer and is at most 8 bytes: its values fit in the
	// scratch words' memory.
	tmp := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(scratch))), len(s))
	for k, old := range perm {
		tmp[k] = s[old]
	}
	copy(s, tmp)
}

// permCol is a column permuteColumns moves: hold keeps one value aside,
// move copies a value within the column, put writes the held value.
type permCol interface {
	hold(i int)
	move(dst, src int)
	put(dst int)
}

// colOf is a slice as a permCol.
type colOf[T any] struct {
	s    []T
	held T
}

func (c *colOf[T]) hold(i int)        { c.held = c.s[i] }
func (c *colOf[T]) move(dst, src int) { c.s[dst] = c.s[src] }
func (c *colOf[T]) put(dst int)       { c.s[dst] = c.held }

// col makes a permCol of s, nil when s is nil (a column the network does
// not have).
func col[T any](s []T) permCol {
	if s == nil {
		return nil
	}
	return &colOf[T]{s: s}
}

// permuteColumns reorders every column as permute does (value k becomes
// the old value perm[k]) without a second slice: it follows each cycle of
// perm once for all the columns, holding one value of each. The network's
// columns that hold pointers (lines, names) are permuted this way so that
// the index stage does not hold each one twice; each step waits for the
// last (the next position is read from perm), so numeric columns take
// permuteVia instead. A visited position is marked by complementing its perm entry,
// and perm is restored before returning.
func permuteColumns(perm []int32, cols ...permCol) {
	live := cols[:0:0]
	for _, c := range cols {
		if c != nil {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		return
	}
	for start := range perm {
		if perm[start] < 0 {
			continue
		}
		for _, c := range live {
			c.hold(start)
		}
		k := start
		for {
			from := int(perm[k])
			perm[k] = ^perm[k]
			if from == start {
				for _, c := range live {
					c.put(k)
				}
				break
			}
			for _, c := range live {
				c.move(k, from)
			}
			k = from
		}
	}
	for k, v := range perm {
		perm[k] = ^v
	}
}

// scatterInPlace reorders s so that the old s[i] ends at inv[i] (the
// inverse of permuteColumns' perm), without a second slice.
func scatterInPlace[T any](s []T, inv []int32) {
	done := make([]uint64, (len(s)+63)/64)
	for start := range s {
		if done[start/64]&(1<<(start%64)) != 0 {
			continue
		}
		v := s[start]
		k := start
		for {
			done[k/64] |= 1 << (k % 64)
			to := int(inv[k])
			if to == start {
				s[start] = v
				break
			}
			v, s[to] = s[to], v
			k = to
		}
	}
}

func permute[T any](s []T, perm []int32) []T {
	out := make([]T, len(s))
	for nw, old := range perm {
		out[nw] = s[old]
	}
	return out
}
