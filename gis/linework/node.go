// Package linework turns loose polylines into a noded line network: it
// decides which line ends meet, and where a line end touches the middle of
// another line. Stream lines traced from a DEM, or digitised by hand, come
// with geometry only — no reach ids, no from/to nodes — and river topology
// (what is upstream of a discharge, where a pollutant goes) has to be built
// from where the lines touch.
package linework

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// Options control how Node decides that lines touch.
type Options struct {
	// Tolerance is the snap distance, in the lines' units (metres for
	// projected data): line ends at most this far apart share a node, and
	// with SplitTJunctions a line end at most this far from another line's
	// interior splits that line. 0 means exact coincidence.
	Tolerance float64
	// SplitTJunctions splits a line where another line's end touches its
	// interior (farther than Tolerance from both of its ends), so that a
	// tributary drawn to the side of a main stem joins it at a node.
	SplitTJunctions bool
	// AllowZeroLength accepts lines of two or more vertices that all
	// coincide, instead of rejecting them. DEM stream tracers emit such
	// stubs where flow ends in a pit (the Touqian River network has three),
	// and one artefact should not make a whole network unusable. Such a
	// line is reported in Rings and gets FromNode == ToNode; it is never
	// split.
	AllowZeroLength bool
}

// Result is a noded network: every output line runs from one node to
// another, so a graph of reaches can be built from FromNode/ToNode alone.
type Result struct {
	// Lines are the output lines: the inputs in input order, each possibly
	// split into pieces, pieces in digitised order. Each line's first and
	// last vertex are moved onto the position of its node (by at most
	// Tolerance, or a few times it where a chain of ends forms one node), so
	// lines that share a node share the coordinate exactly. Lines are new
	// slices of two shared arrays (one for the unsplit lines, one for the
	// pieces of split lines), each capped at its length so that appending
	// to one copies it; the input is not modified.
	Lines []orb.LineString
	// Source[i] is the index of the input line that Lines[i] came from.
	Source []int
	// FromNode[i] is the node at the first vertex of Lines[i].
	FromNode []int
	// ToNode[i] is the node at the last vertex of Lines[i].
	ToNode []int
	// NodeXY[n] is the position of node n. Node ids are numbered in order of
	// first appearance along Lines (from node, then to node). A node made of
	// line ends sits at the first of those ends in input order; a
	// T-junction node sits at the split point on the line that was split.
	NodeXY []orb.Point
	// Rings lists the input lines whose first and last vertex are within
	// Tolerance of each other (closed rings, such as lines around a DEM
	// pit). Their pieces still get nodes: an unsplit ring has
	// FromNode == ToNode.
	Rings []int
	// Splits is the number of T-junction splits made: how many more output
	// lines there are than input lines.
	Splits int
}

// InputError reports an input line Node cannot use, with its index, so the
// caller can point the user at the offending feature.
type InputError struct {
	// Line is the index of the line in the input slice.
	Line int
	// Reason says what is wrong with it, for a person to read.
	Reason string
}

// Error formats the error as "linework: line N: reason".
func (e *InputError) Error() string {
	return fmt.Sprintf("linework: line %d: %s", e.Line, e.Reason)
}

// validate checks one input line.
func validate(i int, l orb.LineString, allowZero bool) error {
	if len(l) == 0 {
		return &InputError{Line: i, Reason: "empty line"}
	}
	maxAbs := 0.0
	for j, p := range l {
		if !finite(p) {
			return &InputError{Line: i, Reason: fmt.Sprintf("vertex %d has a non-finite coordinate (%v, %v)", j, p[0], p[1])}
		}
		maxAbs = max(maxAbs, math.Abs(p[0]), math.Abs(p[1]))
	}
	distinct := false
	for _, p := range l[1:] {
		if p != l[0] {
			distinct = true
			break
		}
	}
	if !distinct && allowZero && len(l) >= 2 {
		return nil
	}
	if !distinct {
		return &InputError{Line: i, Reason: fmt.Sprintf("fewer than 2 distinct vertices (%d given, all at %v)", len(l), l[0])}
	}
	// Distinct finite vertices make a positive length; it can only
	// overflow when the coordinates are near the largest float (each
	// segment is at most 2√2 maxAbs long), so only then is it summed.
	if maxAbs*float64(len(l)) < 1e300 {
		return nil
	}
	length := 0.0
	for j := 1; j < len(l); j++ {
		length += dist(l[j-1], l[j])
	}
	if length == 0 || math.IsInf(length, 0) || math.IsNaN(length) {
		return &InputError{Line: i, Reason: fmt.Sprintf("zero or non-finite length (%v)", length)}
	}
	return nil
}

// prepared is the input after the one pass over its vertices (prepare):
// every line copied into one array, its ends, and, when T-junctions are
// split, the entries of the segment index.
type prepared struct {
	// verts holds the vertices of every line, line i at
	// verts[start[i]:start[i+1]]. Unsplit lines are output as slices of it.
	verts []orb.Point
	start []int
	// ends[2i] is line i's first vertex, ends[2i+1] its last.
	ends []orb.Point
	// segs are the segment index's entries, one set per range of lines
	// (nil without T-junctions).
	segs []segEntries
}

// line is input line i, from the copy.
func (in *prepared) line(i int) orb.LineString {
	return in.verts[in.start[i]:in.start[i+1]:in.start[i+1]]
}

// prepare validates every line, copies its vertices into one array, records
// its ends and, with segs, the entries of its segments in the segment index
// (maxSpan as in segEntries.add): one pass over the vertices, on all cores,
// each line read once while it is in the cache. It returns the error of the
// first invalid line in input order, if any.
func prepare(lines []orb.LineString, allowZero, segs bool, maxSpan float64) (*prepared, error) {
	in := &prepared{start: make([]int, len(lines)+1), ends: make([]orb.Point, 2*len(lines))}
	for i, l := range lines {
		in.start[i+1] = in.start[i] + len(l)
	}
	in.verts = make([]orb.Point, in.start[len(lines)])
	if segs {
		in.segs = make([]segEntries, parts(len(lines)))
	}
	var firstBad atomic.Int64
	firstBad.Store(int64(len(lines)))
	parallel(len(lines), func(p, lo, hi int) {
		var es *segEntries
		if segs {
			es = &in.segs[p]
			// One run a line, and room for some cut into parts.
			es.boxes = make([][4]float64, 0, hi-lo+(hi-lo)/8)
			es.runs = make([]segRun, 0, hi-lo+(hi-lo)/8)
		}
		for i := lo; i < hi; i++ {
			l := lines[i]
			if validate(i, l, allowZero) != nil {
				for old := firstBad.Load(); int64(i) < old && !firstBad.CompareAndSwap(old, int64(i)); old = firstBad.Load() {
				}
				return
			}
			c := in.verts[in.start[i]:in.start[i+1]]
			copy(c, l)
			in.ends[2*i], in.ends[2*i+1] = c[0], c[len(c)-1]
			if es != nil {
				es.add(i, c, maxSpan)
			}
		}
	})
	if i := int(firstBad.Load()); i < len(lines) {
		return nil, validate(i, lines[i], allowZero)
	}
	return in, nil
}

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsInf(p[0], 0) && !math.IsNaN(p[1]) && !math.IsInf(p[1], 0)
}

func dist(a, b orb.Point) float64 { return math.Hypot(b[0]-a[0], b[1]-a[1]) }

// closest returns the parameter t in [0,1] of the point of segment a-b
// closest to p, that point and its distance to p.
func closest(p, a, b orb.Point) (t float64, q orb.Point, d float64) {
	ux, uy := b[0]-a[0], b[1]-a[1]
	if l2 := ux*ux + uy*uy; l2 > 0 {
		t = ((p[0]-a[0])*ux + (p[1]-a[1])*uy) / l2
		t = math.Max(0, math.Min(1, t))
	}
	switch t {
	case 0:
		q = a
	case 1:
		q = b
	default:
		q = orb.Point{a[0] + t*ux, a[1] + t*uy}
	}
	return t, q, dist(p, q)
}

// unionFind joins clusters of line-end elements. The root of a cluster is
// always its smallest element, which makes the result independent of the
// order of unions.
type unionFind []int32

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = int32(i)
	}
	return u
}

func (u unionFind) find(x int) int {
	r := x
	for int(u[r]) != r {
		r = int(u[r])
	}
	for int(u[x]) != r { // path compression
		next := int(u[x])
		u[x] = int32(r)
		x = next
	}
	return r
}

// flatten points every element straight at its root, so that u[e] is e's
// cluster until the next union and can be read from several goroutines.
func (u unionFind) flatten() {
	for e := range u {
		u.find(e)
	}
}

func (u unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	u[rb] = int32(ra)
}

// split is a place where a line end (cluster elem) touches the interior of
// line `line`, on segment seg at parameter t.
type split struct {
	line int
	seg  int
	t    float64
	pt   orb.Point
	elem int // an end element of the touching cluster
}

// vertexEps is how close (as a fraction of a segment) a split point must
// be to a vertex to reuse that vertex instead of inserting a new one.
const vertexEps = 1e-9

// chunkSegs is the number of consecutive segments per entry of the segment
// index. Indexing short runs of segments rather than single ones makes the
// index several times cheaper to build while keeping its boxes tight.
const chunkSegs = 8

// Node nodes lines: it snaps line ends within opt.Tolerance of each other to
// shared nodes and, with opt.SplitTJunctions, splits lines where another
// line's end touches their interior. Line ends are clustered transitively
// (single linkage): a chain of ends each within Tolerance of the next forms
// one node. A line end never splits a line it is itself an end of, so a line
// touching its own interior is not split.
//
// Invalid input is rejected with an *InputError naming the line: an empty
// line, a NaN or infinite coordinate, fewer than 2 distinct vertices (unless
// opt.AllowZeroLength), or a zero (or overflowing) length. A negative, NaN or
// infinite tolerance is an error too. Node does not modify lines.
//
// One pass over the vertices, on all cores, validates the lines, copies
// them and collects their ends and segment boxes (prepare). Line ends are
// matched through a grid of cells at least Tolerance wide, sorted by cell
// (snapEnds); T-junctions through a packed R-tree of segment runs
// (spatial.PackedTree), searched on all cores (findSplits). The cost is O(n log n) in the
// number of vertices for networks without pathological pile-ups of ends.
func Node(lines []orb.LineString, opt Options) (*Result, error) {
	tol := opt.Tolerance
	if math.IsNaN(tol) || math.IsInf(tol, 0) || tol < 0 {
		return nil, fmt.Errorf("linework: tolerance must be finite and >= 0, got %v", tol)
	}
	if len(lines) > math.MaxInt32/2 {
		return nil, errors.New("linework: too many lines")
	}
	maxSpan := 0.0
	if opt.SplitTJunctions {
		maxSpan = runSpanLimit(lines, tol)
	}
	in, err := prepare(lines, opt.AllowZeroLength, opt.SplitTJunctions, maxSpan)
	if err != nil {
		return nil, err
	}
	uf := newUnionFind(len(in.ends))
	snapEnds(in.ends, tol, uf)
	var splits []split
	if opt.SplitTJunctions {
		uf.flatten()
		splits = findSplits(in, uf, tol, maxSpan)
	}
	return assemble(in, uf, splits, tol), nil
}

// piece is one output line cut from a split input line: vertices verts of
// input line src, from cluster element from to cluster element to.
type piece struct {
	verts    orb.LineString
	src      int
	from, to int
}

// assemble cuts the lines at the splits, numbers the nodes in order of first
// appearance and moves every output line's ends onto its nodes. Unsplit
// lines are output as slices of in.verts; the pieces of split lines are
// copied into an array of their own.
func assemble(in *prepared, uf unionFind, splits []split, tol float64) *Result {
	n := len(in.ends) / 2
	// Splits by line, in digitised order along it.
	byLine := slices.Clone(splits)
	slices.SortFunc(byLine, func(a, b split) int {
		if a.line != b.line {
			return a.line - b.line
		}
		if a.seg != b.seg {
			return a.seg - b.seg
		}
		if a.t < b.t {
			return -1
		}
		if a.t > b.t {
			return 1
		}
		return a.elem - b.elem
	})
	// The split lines are cut first: cutting can merge clusters, and the
	// nodes are numbered after. cut[cutAt[k]:cutAt[k+1]] are the pieces of
	// input line splitLines[k].
	var cut []piece
	var splitLines []int
	cutAt := []int{0}
	for len(byLine) > 0 {
		i, k := byLine[0].line, 1
		for k < len(byLine) && byLine[k].line == i {
			k++
		}
		cut = cutLine(cut, i, in.line(i), byLine[:k], uf)
		splitLines = append(splitLines, i)
		cutAt = append(cutAt, len(cut))
		byLine = byLine[k:]
	}

	// A node made by splits sits at the first split (in splits order) of
	// its cluster; otherwise at its first line end.
	var splitPos map[int]orb.Point
	if len(splits) > 0 {
		splitPos = make(map[int]orb.Point, len(splits))
		for _, s := range splits {
			r := uf.find(s.elem)
			if _, ok := splitPos[r]; !ok {
				splitPos[r] = s.pt
			}
		}
	}
	res := &Result{}
	nodeOf := make([]int32, len(in.ends))
	for i := range nodeOf {
		nodeOf[i] = -1
	}
	nodeID := func(elem int) int {
		r := uf.find(elem)
		if id := nodeOf[r]; id >= 0 {
			return int(id)
		}
		id := len(res.NodeXY)
		nodeOf[r] = int32(id)
		if p, ok := splitPos[r]; ok {
			res.NodeXY = append(res.NodeXY, p)
		} else {
			res.NodeXY = append(res.NodeXY, in.ends[r])
		}
		return id
	}
	nOut := n + len(cut) - len(splitLines)
	res.Lines = make([]orb.LineString, nOut)
	res.Source = make([]int, nOut)
	res.FromNode = make([]int, nOut)
	res.ToNode = make([]int, nOut)
	cutVerts := 0
	for _, pc := range cut {
		cutVerts += len(pc.verts)
	}
	// One array for the pieces' vertices; each line is capped so that
	// appending to it cannot overwrite the next.
	buf := make([]orb.Point, 0, cutVerts)
	k := 0
	emit := func(src, from, to int, line orb.LineString) {
		f, t := nodeID(from), nodeID(to)
		line[0], line[len(line)-1] = res.NodeXY[f], res.NodeXY[t]
		res.Lines[k], res.Source[k], res.FromNode[k], res.ToNode[k] = line, src, f, t
		k++
	}
	sl := 0
	for i := range n {
		if sl < len(splitLines) && splitLines[sl] == i {
			for _, pc := range cut[cutAt[sl]:cutAt[sl+1]] {
				buf = append(buf, pc.verts...)
				emit(pc.src, pc.from, pc.to, buf[len(buf)-len(pc.verts):len(buf):len(buf)])
			}
			sl++
			continue
		}
		emit(i, 2*i, 2*i+1, in.line(i))
	}
	for i := range n {
		if dist(in.ends[2*i], in.ends[2*i+1]) <= tol {
			res.Rings = append(res.Rings, i)
		}
	}
	res.Splits = len(res.Lines) - n
	return res
}

// cutLine appends the pieces of line i, cut at its splits ss (sorted along
// the line), to pieces. Splits at the same place merge their clusters into
// one node.
func cutLine(pieces []piece, i int, l orb.LineString, ss []split, uf unionFind) []piece {
	// Build the line with split vertices inserted, remembering the index of
	// each split's vertex.
	verts := make(orb.LineString, 0, len(l)+len(ss))
	var cuts []int  // vertex index of each distinct split location
	var elems []int // cluster element at each cut
	k := 0
	for j := 0; j < len(l)-1; j++ {
		verts = append(verts, l[j])
		for ; k < len(ss) && ss[k].seg == j; k++ {
			s := ss[k]
			if s.t > 0 && verts[len(verts)-1] != s.pt {
				verts = append(verts, s.pt)
			}
			v := len(verts) - 1
			if len(cuts) > 0 && cuts[len(cuts)-1] == v {
				uf.union(elems[len(elems)-1], s.elem)
				continue
			}
			cuts = append(cuts, v)
			elems = append(elems, s.elem)
		}
	}
	verts = append(verts, l[len(l)-1])
	from, start := 2*i, 0
	for c, v := range cuts {
		// findSplits keeps splits away from line ends; stay safe anyway.
		if v == 0 {
			uf.union(elems[c], 2*i)
			continue
		}
		if v >= len(verts)-1 {
			uf.union(elems[c], 2*i+1)
			continue
		}
		pieces = append(pieces, piece{verts: verts[start : v+1], src: i, from: from, to: elems[c]})
		from, start = elems[c], v
	}
	return append(pieces, piece{verts: verts[start:], src: i, from: from, to: 2*i + 1})
}
