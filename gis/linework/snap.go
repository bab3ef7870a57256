package linework

import (
	"math"

	"github.com/paulmach/orb"
)

// The grid of snapEnds: cells are square, at least the tolerance wide
// (times cellMargin, so that rounding in the division by the cell size can
// never put two ends within tolerance more than one cell apart), and at
// least 2^-gridBits of the largest coordinate, so that every cell index
// fits in 31 bits whatever the tolerance.
const (
	cellMargin = 1 + 1.0/1024
	gridBits   = 29
	gridOffset = 1 << 30 // added to cell indexes to make them positive
)

// snapEnds unions, in uf, every two line ends (positions pts, indexed by
// element) that are within tol of each other: dist(a, b) <= tol, with each
// inside the other's tol box (the rule of the R-tree search this replaces,
// kept to the last rounding). Ends are keyed by grid cell and sorted by key
// (a radix sort), so that the ends of a cell and of the next cells up and
// to the right are neighbours in one array: each cell is compared with
// itself and with those four of its eight neighbours, and every pair of
// cells within reach of each other is compared once. The cost is linear
// in the number of ends, plus the sort.
func snapEnds(pts []orb.Point, tol float64, uf unionFind) {
	m := len(pts)
	if m == 0 {
		return
	}
	scale := 0.0
	for _, p := range pts {
		scale = max(scale, math.Abs(p[0]), math.Abs(p[1]))
	}
	cell := max(tol*cellMargin, scale/(1<<gridBits), math.SmallestNonzeroFloat64)
	keys := make([]uint64, m)
	idx := make([]int32, m)
	parallel(m, func(_, lo, hi int) {
		for e := lo; e < hi; e++ {
			p := pts[e]
			ix := uint64(int64(math.Floor(p[0]/cell)) + gridOffset)
			iy := uint64(int64(math.Floor(p[1]/cell)) + gridOffset)
			keys[e] = ix<<32 | iy
			idx[e] = int32(e)
		}
	})
	radixSort(keys, idx)

	near := func(a, b int32) {
		p, q := pts[a], pts[b]
		if dist(p, q) <= tol && (inBox(q, p, tol) || inBox(p, q, tol)) {
			uf.union(int(a), int(b))
		}
	}
	// cross compares the ends of sorted ranges [a, b) and [c, d).
	cross := func(a, b, c, d int) {
		for i := a; i < b; i++ {
			for j := c; j < d; j++ {
				near(idx[i], idx[j])
			}
		}
	}
	q := 0 // first end at or after the current cell's lower right neighbour
	for a := 0; a < m; {
		k := keys[a]
		b := a + 1
		for b < m && keys[b] == k {
			b++
		}
		for i := a; i < b; i++ {
			for j := i + 1; j < b; j++ {
				near(idx[i], idx[j])
			}
		}
		if b < m && keys[b] == k+1 { // the cell above
			c := b + 1
			for c < m && keys[c] == k+1 {
				c++
			}
			cross(a, b, b, c)
		}
		// The next column: the cells below, beside and above.
		lo, hi := k+1<<32-1, k+1<<32+1
		for q < m && keys[q] < lo {
			q++
		}
		c := q
		for c < m && keys[c] <= hi {
			c++
		}
		cross(a, b, q, c)
		a = b
	}
}

// inBox reports whether p lies in the closed box of half-width tol around c.
func inBox(p, c orb.Point, tol float64) bool {
	return p[0] >= c[0]-tol && p[0] <= c[0]+tol && p[1] >= c[1]-tol && p[1] <= c[1]+tol
}

// radixSort sorts keys ascending, carrying idx along; equal keys keep their
// order (LSD radix sort, one byte a pass, skipping bytes all keys share).
func radixSort(keys []uint64, idx []int32) {
	if len(keys) < 2 {
		return
	}
	var counts [8][256]int
	for _, k := range keys {
		for d := range 8 {
			counts[d][byte(k>>(8*d))]++
		}
	}
	tk := make([]uint64, len(keys))
	ti := make([]int32, len(idx))
	src, srcI, dst, dstI := keys, idx, tk, ti
	for d := range 8 {
		c := &counts[d]
		if c[byte(keys[0]>>(8*d))] == len(keys) {
			continue // every key has the same byte here
		}
		pos := 0
		for v := range c {
			c[v], pos = pos, pos+c[v]
		}
		shift := 8 * d
		for i, k := range src {
			b := byte(k >> shift)
			dst[c[b]], dstI[c[b]] = k, srcI[i]
			c[b]++
		}
		src, srcI, dst, dstI = dst, dstI, src, srcI
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
		copy(idx, srcI)
	}
}
