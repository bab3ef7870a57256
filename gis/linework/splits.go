package linework

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/spatial"
)

// segRun is an entry of the segment index: n consecutive segments of line
// `line` from segment seg, or (n = 1) a single segment or one part of a
// long one.
type segRun struct {
	line, seg, n int32
}

// segTree indexes the runs of segments of all lines in a packed R-tree
// (spatial.PackedTree), for the T-junction search's box queries. It is
// read-only once built, so any number of goroutines may search it.
//
// A run is up to chunkSegs segments whose box spans at most maxSpan (four
// times the median run's span). A longer run is indexed segment by segment,
// and a segment longer than maxSpan in parts of at most maxSpan, each with
// the box of its part of the segment: a long diagonal segment has a box that
// covers a large empty area, and would otherwise be a candidate for every
// line end in it (and make every tree node above it as large).
type segTree struct {
	tree spatial.PackedTree
	runs []segRun // item i of the tree is runs[i]
	// maxSpan is the longest span of a run (runSpanLimit).
	maxSpan float64
	curve   spatial.HilbertGrid // the order of the leaves, for queries to follow
}

// maxParts caps the parts of one long segment.
const maxParts = 4096

// span is the larger side of box b.
func span(b [4]float64) float64 { return max(b[2]-b[0], b[3]-b[1]) }

// boxOf is the bounding box of points ps.
func boxOf(ps []orb.Point) [4]float64 {
	x0, y0 := ps[0][0], ps[0][1]
	x1, y1 := x0, y0
	for _, p := range ps[1:] {
		x0, y0, x1, y1 = min(x0, p[0]), min(y0, p[1]), max(x1, p[0]), max(y1, p[1])
	}
	return [4]float64{x0, y0, x1, y1}
}

// runSpanLimit returns the longest span a run may have before it is cut:
// four times the median span of the chunkSegs-segment runs (from a sample
// of up to 4,096 lines), and at least 16 tolerances. It runs before the
// lines are validated, so it skips empty lines and NaN spans.
func runSpanLimit(lines []orb.LineString, tol float64) float64 {
	step := max(1, len(lines)/4096)
	var spans []float64
	for i := 0; i < len(lines); i += step {
		l := lines[i]
		if len(l) == 0 {
			continue
		}
		if sp := span(boxOf(l[:min(chunkSegs+1, len(l))])); !math.IsNaN(sp) {
			spans = append(spans, sp)
		}
	}
	if len(spans) == 0 {
		return math.Inf(1)
	}
	slices.Sort(spans)
	return max(4*spans[len(spans)/2], 16*tol, math.SmallestNonzeroFloat64)
}

// newSegTree indexes the segment entries es, one set per range of lines in
// line order (prepare makes them).
func newSegTree(es []segEntries, maxSpan float64) *segTree {
	t := &segTree{maxSpan: maxSpan}
	var boxes [][4]float64
	var runs []segRun
	if len(es) == 1 {
		boxes, runs = es[0].boxes, es[0].runs
	} else {
		n := 0
		for _, e := range es {
			n += len(e.boxes)
		}
		boxes, runs = make([][4]float64, 0, n), make([]segRun, 0, n)
		for _, e := range es {
			boxes = append(boxes, e.boxes...)
			runs = append(runs, e.runs...)
		}
	}
	nRuns := len(boxes)
	if nRuns == 0 {
		return t
	}
	// Hilbert order of the box centres over their extent.
	centre := func(b [4]float64) orb.Point { return orb.Point{b[0]/2 + b[2]/2, b[1]/2 + b[3]/2} }
	ext := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, b := range boxes {
		c := centre(b)
		ext = [4]float64{min(ext[0], c[0]), min(ext[1], c[1]), max(ext[2], c[0]), max(ext[3], c[1])}
	}
	t.curve = spatial.NewHilbertGrid(ext[0], ext[1], ext[2], ext[3])
	keys := make([]uint64, nRuns)
	order := make([]int32, nRuns)
	parallel(nRuns, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			keys[i] = uint64(t.curve.Key(centre(boxes[i])))
			order[i] = int32(i)
		}
	})
	radixSort(keys, order)
	keys = nil

	t.runs = make([]segRun, nRuns)
	for i, o := range order {
		t.runs[i] = runs[o]
	}
	runs = nil
	t.tree = spatial.NewPackedTree(nRuns, func(i int) [4]float64 { return boxes[order[i]] }, nil)
	return t
}

// segEntries are the entries of the segment index for some lines.
type segEntries struct {
	boxes [][4]float64
	runs  []segRun
}

// add appends the entries of line i, l: its runs of chunkSegs segments,
// and a run that spans more than maxSpan segment by segment, in parts.
func (es *segEntries) add(i int, l orb.LineString, maxSpan float64) {
	for j := 0; j < len(l)-1; j += chunkSegs {
		end := min(j+chunkSegs, len(l)-1)
		if b := boxOf(l[j : end+1]); span(b) <= maxSpan {
			es.boxes = append(es.boxes, b)
			es.runs = append(es.runs, segRun{int32(i), int32(j), int32(end - j)})
			continue
		}
		for s := j; s < end; s++ {
			es.boxes = segmentParts(es.boxes, l[s], l[s+1], maxSpan)
			for len(es.runs) < len(es.boxes) {
				es.runs = append(es.runs, segRun{int32(i), int32(s), 1})
			}
		}
	}
}

// segmentParts appends the boxes of segment a-b cut into parts no longer
// than maxSpan (at most maxParts). Each box is widened by a few units in the
// last place of the coordinates, so that rounding in the cut points can
// never leave a point of the segment outside every box.
func segmentParts(boxes [][4]float64, a, b orb.Point, maxSpan float64) [][4]float64 {
	k := min(maxParts, max(1, int(math.Ceil(span(boxOf([]orb.Point{a, b}))/maxSpan))))
	pad := 1e-12 * max(math.Abs(a[0]), math.Abs(a[1]), math.Abs(b[0]), math.Abs(b[1]))
	ux, uy := b[0]-a[0], b[1]-a[1]
	prev := a
	for i := 1; i <= k; i++ {
		next := b
		if i < k {
			t := float64(i) / float64(k)
			next = orb.Point{a[0] + t*ux, a[1] + t*uy}
		}
		bx := boxOf([]orb.Point{prev, next})
		boxes = append(boxes, [4]float64{bx[0] - pad, bx[1] - pad, bx[2] + pad, bx[3] + pad})
		prev = next
	}
	return boxes
}

// findSplits finds, for every cluster of line ends, the lines whose interior
// it touches, and where. root[e] must be the cluster (its smallest element)
// of end e. The splits come in order of cluster, then line. Clusters are
// independent, so they are searched in parallel.
func findSplits(in *prepared, root unionFind, tol, maxSpan float64) []split {
	ends := in.ends
	tree := newSegTree(in.segs, maxSpan)
	in.segs = nil
	// Clusters are searched in the tree's own (Hilbert) order, so that
	// consecutive searches walk the same paths of the tree and find them in
	// the cache, and cut into one contiguous range per processor.
	keys := make([]uint64, len(ends))
	parallel(len(ends), func(_, lo, hi int) {
		for e := lo; e < hi; e++ {
			if int(root[e]) == e {
				keys[e] = uint64(tree.curve.Key(ends[e]))
			}
		}
	})
	var roots []int32
	for e, r := range root {
		if int(r) == e {
			keys[len(roots)] = keys[e]
			roots = append(roots, r)
		}
	}
	keys = keys[:len(roots)]
	radixSort(keys, roots)
	keys = nil
	// The positions of each cluster's ends, clusters in that order and ends
	// in element order (a counting sort by rank), so that each search reads
	// them from one place.
	rank := make([]int32, len(ends))
	for k, r := range roots {
		rank[r] = int32(k)
	}
	first := make([]int32, len(roots)+1)
	for _, r := range root {
		first[rank[r]+1]++
	}
	for k := range roots {
		first[k+1] += first[k]
	}
	pos := make([]orb.Point, len(ends))
	next := slices.Clone(first[:len(roots)])
	for e, r := range root {
		k := rank[r]
		pos[next[k]] = ends[e]
		next[k]++
	}
	rank, next = nil, nil

	found := make([][]split, parts(len(roots)))
	parallel(len(roots), func(p, lo, hi int) {
		f := splitFinder{in: in, root: root, tol: tol, tree: tree}
		for k := lo; k < hi; {
			end := f.block(pos, first, k, hi)
			for ; k < end; k++ {
				f.cluster(int(roots[k]), pos[first[k]:first[k+1]])
			}
		}
		found[p] = f.out
	})
	out := slices.Concat(found...)
	slices.SortFunc(out, func(a, b split) int {
		if a.elem != b.elem {
			return a.elem - b.elem
		}
		return a.line - b.line
	})
	return out
}

// minParallel is the least work (items) worth a goroutine.
const minParallel = 4096

// parts is the number of ranges parallel cuts n items into: one per
// processor, or one for small n.
func parts(n int) int { return min(runtime.GOMAXPROCS(0), max(1, n/minParallel)) }

// parallel calls fn on [0, n) cut into parts(n) contiguous ranges, part p
// from lo to hi, and returns when all calls have.
func parallel(n int, fn func(p, lo, hi int)) {
	w := parts(n)
	if w == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i, i*n/w, (i+1)*n/w)
		}()
	}
	wg.Wait()
}

// splitFinder holds one goroutine's scratch space for findSplits.
type splitFinder struct {
	in   *prepared
	root unionFind
	tol  float64
	tree *segTree

	out   []split
	best  []touch
	seen  []orb.Point
	found []uint32 // items of one search
	stack []uint32
	// shared, when block set it, are the items meeting the box around a
	// block of clusters, from one search; each of the block's searches
	// refines them instead of descending the tree.
	shared   []uint32
	isShared bool
}

// searchBlock is the largest number of consecutive clusters (in the tree's
// Hilbert order, so usually close together) that share one tree search.
const searchBlock = 16

// block prepares the searches of the next clusters from k (before hi),
// whose end positions are pos[first[k]:first[k+1]] and so on, and returns
// the end of the block: the clusters from k on are added while the box
// around their positions, widened by the tolerance, spans no more than the
// longest run, up to searchBlock of them. One search then finds the
// candidates of every search in the block. A block of one cluster (the
// curve jumped, or the cluster is spread out) descends the tree for each
// of its searches.
func (f *splitFinder) block(pos []orb.Point, first []int32, k, hi int) int {
	tol := f.tol
	grow := func(b [4]float64, k int) [4]float64 {
		for _, p := range pos[first[k]:first[k+1]] {
			b = [4]float64{min(b[0], p[0]-tol), min(b[1], p[1]-tol), max(b[2], p[0]+tol), max(b[3], p[1]+tol)}
		}
		return b
	}
	b := grow([4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}, k)
	end := k + 1
	for end < hi && end-k < searchBlock {
		nb := grow(b, end)
		if span(nb) > f.tree.maxSpan {
			break
		}
		b, end = nb, end+1
	}
	f.isShared = end-k > 1
	if f.isShared {
		f.shared, f.stack = f.tree.tree.Search(b, f.shared[:0], f.stack)
	}
	return end
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

// cluster appends to f.out the splits made by cluster r, whose ends are at
// positions pos.
func (f *splitFinder) cluster(r int, pos []orb.Point) {
	tol := f.tol
	f.best, f.seen = f.best[:0], f.seen[:0]
	for _, p := range pos {
		if slices.Contains(f.seen, p) {
			continue // the same point finds the same touches
		}
		if len(f.seen) < distinctEnds {
			f.seen = append(f.seen, p)
		}
		q := [4]float64{p[0] - tol, p[1] - tol, p[0] + tol, p[1] + tol}
		if f.isShared {
			f.found = f.tree.tree.Refine(q, f.shared, f.found[:0])
		} else {
			f.found, f.stack = f.tree.tree.Search(q, f.found[:0], f.stack)
		}
		for _, leaf := range f.found {
			k := f.tree.runs[leaf]
			li := int(k.line)
			if int(f.root[2*li]) == r || int(f.root[2*li+1]) == r {
				continue // the cluster holds an end of this line
			}
			l := f.in.line(li)
			for sj := int(k.seg); sj < int(k.seg+k.n); sj++ {
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
		l := f.in.line(s.line)
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
