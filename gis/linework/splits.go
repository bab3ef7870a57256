package linework

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// segRun is an entry of the segment index: segments seg ..
// seg+chunkSegs-1 of line `line` (fewer at the line's end).
type segRun struct {
	line, seg int32
}

// segTree is a static R-tree over the runs of segments of all lines, packed
// in Hilbert order of the runs' box centres (in the style of flatbush):
// entries are stored level by level in flat arrays, leaves first and the
// root last, so building is a sort and queries touch contiguous memory.
// Boxes are the exact float64 bounds of each run's vertices. It is
// read-only once built, so any number of goroutines may search it.
type segTree struct {
	boxes    [][4]float64 // minX, minY, maxX, maxY per entry
	ref      []int32      // node entry: index of its first child entry
	runs     []segRun     // leaf entry i: runs[i]
	levelEnd []int32      // levelEnd[l] is one past the last entry of level l
}

// segTreeFanout is the number of children per node.
const segTreeFanout = 16

// newSegTree indexes the segments of lines.
func newSegTree(lines []orb.LineString) *segTree {
	t := &segTree{}
	nRuns := 0
	for _, l := range lines {
		nRuns += (len(l) - 1 + chunkSegs - 1) / chunkSegs
	}
	if nRuns == 0 {
		return t
	}
	total := nRuns
	for m := nRuns; m > 1; {
		m = (m + segTreeFanout - 1) / segTreeFanout
		total += m
	}
	boxes := make([][4]float64, 0, nRuns)
	runs := make([]segRun, 0, nRuns)
	for i, l := range lines {
		for j := 0; j < len(l)-1; j += chunkSegs {
			b := [4]float64{l[j][0], l[j][1], l[j][0], l[j][1]}
			for _, p := range l[j+1 : min(j+chunkSegs+1, len(l))] {
				b = [4]float64{min(b[0], p[0]), min(b[1], p[1]), max(b[2], p[0]), max(b[3], p[1])}
			}
			boxes = append(boxes, b)
			runs = append(runs, segRun{int32(i), int32(j)})
		}
	}
	// Hilbert order of the box centres on a 2^16 grid over their extent.
	ext := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, b := range boxes {
		cx, cy := b[0]/2+b[2]/2, b[1]/2+b[3]/2
		ext = [4]float64{min(ext[0], cx), min(ext[1], cy), max(ext[2], cx), max(ext[3], cy)}
	}
	const side = 1<<16 - 1
	sx, sy := side/(ext[2]-ext[0]), side/(ext[3]-ext[1])
	if math.IsInf(sx, 0) || math.IsNaN(sx) {
		sx = 0
	}
	if math.IsInf(sy, 0) || math.IsNaN(sy) {
		sy = 0
	}
	keys := make([]uint64, nRuns)
	order := make([]int32, nRuns)
	for i, b := range boxes {
		cx, cy := b[0]/2+b[2]/2, b[1]/2+b[3]/2
		hx := uint32(min(side, max(0, (cx-ext[0])*sx)))
		hy := uint32(min(side, max(0, (cy-ext[1])*sy)))
		keys[i] = uint64(hilbertD(16, hx, hy))
		order[i] = int32(i)
	}
	radixSort(keys, order)

	t.boxes = make([][4]float64, nRuns, total)
	t.ref = make([]int32, nRuns, total)
	t.runs = make([]segRun, nRuns)
	for i, o := range order {
		t.boxes[i], t.runs[i] = boxes[o], runs[o]
	}
	t.levelEnd = append(t.levelEnd, int32(nRuns))
	start, end := 0, nRuns
	for end-start > 1 {
		for c := start; c < end; c += segTreeFanout {
			b := t.boxes[c]
			for _, cb := range t.boxes[c+1 : min(c+segTreeFanout, end)] {
				b = [4]float64{min(b[0], cb[0]), min(b[1], cb[1]), max(b[2], cb[2]), max(b[3], cb[3])}
			}
			t.boxes = append(t.boxes, b)
			t.ref = append(t.ref, int32(c))
		}
		start, end = end, len(t.boxes)
		t.levelEnd = append(t.levelEnd, int32(end))
	}
	return t
}

// hilbertD maps (x, y) in a 2^order square to its distance along the
// Hilbert curve.
func hilbertD(order uint, x, y uint32) uint32 {
	var d uint32
	for s := uint32(1) << (order - 1); s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				x = s - 1 - x
				y = s - 1 - y
			}
			x, y = y, x
		}
	}
	return d
}

// search appends to out the runs whose box meets the closed box q, using
// stack as scratch space, and returns out and stack for reuse.
func (t *segTree) search(q [4]float64, out []segRun, stack []int32) ([]segRun, []int32) {
	if len(t.boxes) == 0 {
		return out, stack
	}
	nRuns := t.levelEnd[0]
	root := int32(len(t.boxes) - 1)
	if !meets(&t.boxes[root], &q) {
		return out, stack
	}
	stack = append(stack[:0], root)
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e < nRuns {
			out = append(out, t.runs[e])
			continue
		}
		lo := t.ref[e]
		hi := lo + segTreeFanout
		for _, end := range t.levelEnd {
			if lo < end {
				hi = min(hi, end)
				break
			}
		}
		for c := lo; c < hi; c++ {
			if meets(&t.boxes[c], &q) {
				stack = append(stack, c)
			}
		}
	}
	return out, stack
}

// meets reports whether closed boxes a and b intersect.
func meets(a, b *[4]float64) bool {
	return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

// findSplits finds, for every cluster of line ends, the lines whose interior
// it touches, and where. root[e] must be the cluster (its smallest element)
// of end e. The splits come in order of cluster, then line.
//
// Clusters are independent, so they are searched in parallel: the ends are
// cut into one contiguous range per processor and the results joined in
// order.
func findSplits(lines []orb.LineString, ends []orb.Point, root unionFind, tol float64) []split {
	tree := newSegTree(lines)
	m := len(ends)
	// Members of each cluster, in element order (a counting sort by root).
	first := make([]int32, m+1)
	for _, r := range root {
		first[r+1]++
	}
	for e := range m {
		first[e+1] += first[e]
	}
	members := make([]int32, m)
	next := slices.Clone(first[:m])
	for e, r := range root {
		members[next[r]] = int32(e)
		next[r]++
	}
	next = nil

	workers := min(runtime.GOMAXPROCS(0), max(1, m/4096))
	parts := make([][]split, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := splitFinder{lines: lines, ends: ends, root: root, tol: tol, tree: tree}
			for r := w * m / workers; r < (w+1)*m/workers; r++ {
				if int(root[r]) == r {
					f.cluster(r, members[first[r]:first[r+1]])
				}
			}
			parts[w] = f.out
		}()
	}
	wg.Wait()
	return slices.Concat(parts...)
}

// splitFinder holds one goroutine's scratch space for findSplits.
type splitFinder struct {
	lines []orb.LineString
	ends  []orb.Point
	root  unionFind
	tol   float64
	tree  *segTree

	out   []split
	best  []touch
	seen  []orb.Point
	runs  []segRun
	stack []int32
}

// touch is the closest touch found so far of one cluster with one line.
type touch struct {
	split
	d float64
}

// distinctEnds is how many distinct end positions of one cluster are
// remembered to skip repeated searches from the same point (most nodes are
// ends at one exact position).
const distinctEnds = 8

// cluster appends to f.out the splits made by cluster r with ends members.
func (f *splitFinder) cluster(r int, members []int32) {
	tol := f.tol
	f.best, f.seen = f.best[:0], f.seen[:0]
	for _, e := range members {
		p := f.ends[e]
		if slices.Contains(f.seen, p) {
			continue // the same point finds the same touches
		}
		if len(f.seen) < distinctEnds {
			f.seen = append(f.seen, p)
		}
		f.runs, f.stack = f.tree.search([4]float64{p[0] - tol, p[1] - tol, p[0] + tol, p[1] + tol}, f.runs[:0], f.stack)
		for _, k := range f.runs {
			li := int(k.line)
			if int(f.root[2*li]) == r || int(f.root[2*li+1]) == r {
				continue // the cluster holds an end of this line
			}
			l := f.lines[li]
			for sj := int(k.seg); sj < min(int(k.seg)+chunkSegs, len(l)-1); sj++ {
				t, q, d := closest(p, l[sj], l[sj+1])
				if d > tol {
					continue
				}
				f.keep(touch{split{line: li, seg: sj, t: t, pt: q, elem: r}, d})
			}
		}
	}
	slices.SortFunc(f.best, func(a, b touch) int { return a.line - b.line })
	for _, b := range f.best {
		s := b.split
		l := f.lines[s.line]
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
		f.out = append(f.out, s)
	}
}

// keep records touch c unless the cluster already touches the same line
// closer, or as close at an earlier place along it (segment, then
// parameter): the one rule that picks a cluster's touch with a line.
func (f *splitFinder) keep(c touch) {
	for i := range f.best {
		b := &f.best[i]
		if b.line != c.line {
			continue
		}
		if c.d < b.d || c.d == b.d && (c.seg < b.seg || c.seg == b.seg && c.t < b.t) {
			*b = c
		}
		return
	}
	f.best = append(f.best, c)
}
