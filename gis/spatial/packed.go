package spatial

import (
	"math"
	"slices"
)

// PackedTree is a static, bulk-loaded R-tree (Hilbert-packed, in the style
// of flatbush). Entries are stored level by level in flat arrays, leaves
// first and the root last, so the tree costs 20 bytes per entry, has no
// pointers for the garbage collector to scan, and queries touch contiguous
// memory. Boxes are float32, rounded outwards, so every box contains the
// exact geometry of its entry and a search never misses it; callers then
// test candidates exactly in float64.
//
// It exists because both of envtrace's bulk indexes of line segments are
// built once and queried millions of times: LineIndex (nearest lines) and
// the T-junction search of gis/linework's noding (box search). An earlier
// LineIndex on tidwall/rtree's RTreeGN[float32] with Nearby, where every
// child of every visited node goes through a 40-byte priority-queue entry,
// took about 15 µs per query on only 10k lines on the project machine;
// this tree takes about 7 µs on 1M lines. It is read-only once built, so
// any number of goroutines may search it.
type PackedTree struct {
	// boxes holds minX, minY, maxX, maxY per entry, rounded outwards.
	boxes [][4]float32
	// ref is, for a leaf entry (index < nItems), the item's payload (for
	// LineIndex, the chunk's first vertex); for a node entry, the index of
	// its first child entry.
	ref []uint32
	// levelEnd[l] is one past the last entry of level l (level 0 = items).
	levelEnd []uint32
	nItems   uint32
}

// treeNodeSize is the fan-out: 16 children per node keeps a node's boxes in
// four cache lines and the tree shallow (6 levels for 6M segments).
const treeNodeSize = 16

// NewPackedTree packs n items, which must already be in spatial order
// (HilbertGrid.Key of their box centres, sorted), into a tree: box(i) is
// item i's exact box (minX, minY, maxX, maxY) and ref(i), if ref is not
// nil, a payload kept beside it for the package's own searches. Search
// answers with the items' indexes i.
func NewPackedTree(n int, box func(i int) [4]float64, ref func(i int) uint32) PackedTree {
	t := PackedTree{nItems: uint32(n)}
	if n == 0 {
		return t
	}
	// Count entries over all levels.
	total := n
	for m := n; m > 1; {
		m = (m + treeNodeSize - 1) / treeNodeSize
		total += m
	}
	t.boxes = make([][4]float32, n, total)
	t.ref = make([]uint32, n, total)
	for i := range n {
		t.boxes[i] = outward32(box(i))
		if ref != nil {
			t.ref[i] = ref(i)
		}
	}
	t.levelEnd = append(t.levelEnd, uint32(n))
	start, end := 0, n
	for end-start > 1 {
		for c := start; c < end; c += treeNodeSize {
			ce := min(c+treeNodeSize, end)
			b := t.boxes[c]
			for j := c + 1; j < ce; j++ {
				cb := &t.boxes[j]
				b[0] = min(b[0], cb[0])
				b[1] = min(b[1], cb[1])
				b[2] = max(b[2], cb[2])
				b[3] = max(b[3], cb[3])
			}
			t.boxes = append(t.boxes, b)
			t.ref = append(t.ref, uint32(c))
		}
		start, end = end, len(t.ref)
		t.levelEnd = append(t.levelEnd, uint32(end))
	}
	t.boxes = slices.Clip(t.boxes)
	t.ref = slices.Clip(t.ref)
	return t
}

// outward32 rounds box b outwards to float32.
func outward32(b [4]float64) [4]float32 {
	return [4]float32{down32(b[0]), down32(b[1]), up32(b[2]), up32(b[3])}
}

// down32 and up32 round a float64 to the nearest float32 that is not above
// (respectively not below) it, so float32 boxes always contain the exact box.
func down32(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// Len returns the number of items.
func (t *PackedTree) Len() int { return int(t.nItems) }

// root returns the index of the root entry.
func (t *PackedTree) root() uint32 { return uint32(len(t.ref) - 1) }

// children returns the entry range [lo, hi) below node entry e.
func (t *PackedTree) children(e uint32) (lo, hi uint32) {
	lo = t.ref[e]
	// The children's level is the one containing lo.
	for _, end := range t.levelEnd {
		if lo < end {
			return lo, min(lo+treeNodeSize, end)
		}
	}
	return lo, lo
}

// Search appends to out the index (in the order given to NewPackedTree) of
// every item whose box meets the closed box q (minX, minY, maxX, maxY), in
// no particular order, and returns out and stack, which it uses as scratch
// space, for reuse by the next search. An item whose box meets q only after
// rounding to float32 may be returned too: the caller decides exactly.
func (t *PackedTree) Search(q [4]float64, out, stack []uint32) ([]uint32, []uint32) {
	if t.nItems == 0 {
		return out, stack
	}
	q32 := outward32(q)
	root := t.root()
	if !meets32(&t.boxes[root], &q32) {
		return out, stack
	}
	stack = append(stack[:0], root)
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e < t.nItems {
			out = append(out, e)
			continue
		}
		lo, hi := t.children(e)
		for c := lo; c < hi; c++ {
			if meets32(&t.boxes[c], &q32) {
				stack = append(stack, c)
			}
		}
	}
	return out, stack
}

// Refine appends to out those of items (indexes Search returned) whose box
// meets the closed box q, as Search(q) would find them. Searches of many
// small boxes close together can share one Search of a box that covers them
// all and refine its answer for each: a scan of a few candidates' boxes
// costs less than a descent from the root.
func (t *PackedTree) Refine(q [4]float64, items, out []uint32) []uint32 {
	q32 := outward32(q)
	for _, e := range items {
		if meets32(&t.boxes[e], &q32) {
			out = append(out, e)
		}
	}
	return out
}

// meets32 reports whether closed boxes a and b intersect.
func meets32(a, b *[4]float32) bool {
	return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

// heapEntry is a queued tree entry with its distance lower bound.
type heapEntry struct {
	d float64
	e uint32
}

// minHeap is a binary min-heap of tree entries keyed by lower bound.
type minHeap []heapEntry

func (h *minHeap) push(x heapEntry) {
	a := append(*h, x)
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].d <= x.d {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = x
	*h = a
}

func (h *minHeap) pop() heapEntry {
	a := *h
	top := a[0]
	n := len(a) - 1
	x := a[n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && a[r].d < a[l].d {
			l = r
		}
		if a[l].d >= x.d {
			break
		}
		a[i] = a[l]
		i = l
	}
	if n > 0 {
		a[i] = x
	}
	*h = a
	return top
}
