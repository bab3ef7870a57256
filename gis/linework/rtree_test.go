package linework

// The R-tree noding that Node replaced, kept beside the tests as the
// reference its results are compared with (TestNodeMatchesRTree) and as the
// benchmarks' baseline of the same run. Production code does not use it.

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// segKey is an R-tree payload: segments seg .. seg+chunkSegs-1 of a line.
type segKey struct {
	line, seg int32
}

// nodeRTree is Node as it was: one R-tree query per line end for the
// snapping and one per end against an R-tree of segment chunks.
func nodeRTree(lines []orb.LineString, opt Options) (*Result, error) {
	tol := opt.Tolerance
	if math.IsNaN(tol) || math.IsInf(tol, 0) || tol < 0 {
		return nil, fmt.Errorf("linework: tolerance must be finite and >= 0, got %v", tol)
	}
	if len(lines) > math.MaxInt32/2 {
		return nil, errors.New("linework: too many lines")
	}
	for i, l := range lines {
		if err := validate(i, l, opt.AllowZeroLength); err != nil {
			return nil, err
		}
	}
	n := len(lines)
	endPos := func(e int) orb.Point {
		l := lines[e/2]
		if e%2 == 0 {
			return l[0]
		}
		return l[len(l)-1]
	}

	// 1. Cluster line ends: element 2i is line i's first vertex, 2i+1 its last.
	uf := newUnionFind(2 * n)
	var ends rtree.RTreeG[int32]
	for e := 0; e < 2*n; e++ {
		p := endPos(e)
		ends.Insert(p, p, int32(e))
	}
	var found []int
	for e := 0; e < 2*n; e++ {
		p := endPos(e)
		found = found[:0]
		ends.Search(orb.Point{p[0] - tol, p[1] - tol}, orb.Point{p[0] + tol, p[1] + tol},
			func(_, _ [2]float64, f int32) bool {
				found = append(found, int(f))
				return true
			})
		for _, f := range found {
			if f != e && dist(p, endPos(f)) <= tol {
				uf.union(e, f)
			}
		}
	}

	// 2. T-junctions: a cluster of ends within tolerance of another line's
	// interior splits that line.
	var splits []split
	if opt.SplitTJunctions {
		splits = findSplitsRTree(lines, uf, endPos, tol)
	}

	// 3. Lay out the pieces of each line with their vertex positions.
	bySource := make([][]split, n)
	for _, s := range splits {
		bySource[s.line] = append(bySource[s.line], s)
	}
	res := &Result{}
	type piece struct {
		line     orb.LineString
		src      int
		from, to int // union-find elements
	}
	var pieces []piece
	for i, l := range lines {
		ss := bySource[i]
		if len(ss) == 0 {
			pieces = append(pieces, piece{line: slices.Clone(l), src: i, from: 2 * i, to: 2*i + 1})
			continue
		}
		slices.SortFunc(ss, func(a, b split) int {
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
		// Build the line with split vertices inserted, remembering the
		// index of each split's vertex. Splits at the same place merge
		// their clusters into one node.
		var verts orb.LineString
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
			pieces = append(pieces, piece{line: slices.Clone(verts[start : v+1]), src: i, from: from, to: elems[c]})
			from, start = elems[c], v
		}
		pieces = append(pieces, piece{line: slices.Clone(verts[start:]), src: i, from: from, to: 2*i + 1})
	}

	// 4. Number the nodes in order of first appearance and place them.
	splitPos := map[int]orb.Point{}
	for _, s := range splits {
		r := uf.find(s.elem)
		if _, ok := splitPos[r]; !ok {
			splitPos[r] = s.pt
		}
	}
	nodeOf := map[int]int{}
	nodeID := func(elem int) int {
		r := uf.find(elem)
		if id, ok := nodeOf[r]; ok {
			return id
		}
		id := len(res.NodeXY)
		nodeOf[r] = id
		if p, ok := splitPos[r]; ok {
			res.NodeXY = append(res.NodeXY, p)
		} else {
			res.NodeXY = append(res.NodeXY, endPos(r))
		}
		return id
	}
	res.Lines = make([]orb.LineString, len(pieces))
	res.Source = make([]int, len(pieces))
	res.FromNode = make([]int, len(pieces))
	res.ToNode = make([]int, len(pieces))
	for i, pc := range pieces {
		f, t := nodeID(pc.from), nodeID(pc.to)
		pc.line[0] = res.NodeXY[f]
		pc.line[len(pc.line)-1] = res.NodeXY[t]
		res.Lines[i], res.Source[i], res.FromNode[i], res.ToNode[i] = pc.line, pc.src, f, t
	}
	for i, l := range lines {
		if dist(l[0], l[len(l)-1]) <= tol {
			res.Rings = append(res.Rings, i)
		}
	}
	res.Splits = len(res.Lines) - n
	return res, nil
}

// findSplits finds, for every cluster of line ends, the lines whose interior
// it touches, and where.
func findSplitsRTree(lines []orb.LineString, uf unionFind, endPos func(int) orb.Point, tol float64) []split {
	var segs rtree.RTreeG[segKey]
	for i, l := range lines {
		for j := 0; j < len(l)-1; j += chunkSegs {
			lo := [2]float64{l[j][0], l[j][1]}
			hi := lo
			for _, p := range l[j+1 : min(j+chunkSegs+1, len(l))] {
				lo = [2]float64{math.Min(lo[0], p[0]), math.Min(lo[1], p[1])}
				hi = [2]float64{math.Max(hi[0], p[0]), math.Max(hi[1], p[1])}
			}
			segs.Insert(lo, hi, segKey{int32(i), int32(j)})
		}
	}
	// Members of each cluster, in element order.
	members := map[int][]int{}
	var roots []int
	for e := 0; e < 2*len(lines); e++ {
		r := uf.find(e)
		if _, ok := members[r]; !ok {
			roots = append(roots, r)
		}
		members[r] = append(members[r], e)
	}
	var out []split
	var cands []segKey
	for _, r := range roots {
		// best touch per line over all ends of the cluster
		best := map[int]split{}
		bestD := map[int]float64{}
		for _, e := range members[r] {
			p := endPos(e)
			cands = cands[:0]
			segs.Search([2]float64{p[0] - tol, p[1] - tol}, [2]float64{p[0] + tol, p[1] + tol},
				func(_, _ [2]float64, k segKey) bool {
					cands = append(cands, k)
					return true
				})
			for _, k := range cands {
				li := int(k.line)
				if uf.find(2*li) == r || uf.find(2*li+1) == r {
					continue // the cluster holds an end of this line
				}
				l := lines[li]
				for sj := int(k.seg); sj < min(int(k.seg)+chunkSegs, len(l)-1); sj++ {
					t, q, d := closest(p, l[sj], l[sj+1])
					if d > tol {
						continue
					}
					if old, ok := bestD[li]; ok && (old < d || old == d && (best[li].seg < sj || best[li].seg == sj && best[li].t <= t)) {
						continue
					}
					best[li] = split{line: li, seg: sj, t: t, pt: q, elem: r}
					bestD[li] = d
				}
			}
		}
		touched := make([]int, 0, len(best))
		for li := range best {
			touched = append(touched, li)
		}
		slices.Sort(touched)
		for _, li := range touched {
			s := best[li]
			l := lines[li]
			if dist(s.pt, l[0]) <= tol || dist(s.pt, l[len(l)-1]) <= tol {
				continue // near the line's own end: that is an end-to-end node
			}
			// A touch at (or within rounding of) a vertex reuses the vertex,
			// described as the start of its segment.
			if s.t <= vertexEps {
				s.t, s.pt = 0, l[s.seg]
			} else if s.t >= 1-vertexEps {
				s.seg, s.t, s.pt = s.seg+1, 0, l[s.seg+1]
			}
			out = append(out, s)
		}
	}
	return out
}
