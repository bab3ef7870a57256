package spatial

import "math"

// hilbert16 maps (x, y) in a 2^16 square to its distance along the
// Hilbert curve: sorting boxes by it packs near boxes into the same nodes
// of a bulk-loaded tree (see PackedTree). It is the branch-free
// computation of "Fast Hilbert curve generation, sorting, and range
// queries" (rawrunprotected, public domain; flatbush uses it too), the same
// curve as the textbook bit-by-bit walk (TestHilbert16 compares them)
// without its sixteen data-dependent branches.
func hilbert16(x, y uint32) uint32 {
	a := x ^ y
	b := 0xFFFF ^ a
	c := 0xFFFF ^ (x | y)
	d := x & (y ^ 0xFFFF)

	A := a | (b >> 1)
	B := (a >> 1) ^ a
	C := ((c >> 1) ^ (b & (d >> 1))) ^ c
	D := ((a & (c >> 1)) ^ (d >> 1)) ^ d

	a, b, c, d = A, B, C, D
	A = (a & (a >> 2)) ^ (b & (b >> 2))
	B = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2))
	C ^= (a & (c >> 2)) ^ (b & (d >> 2))
	D ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2))

	a, b, c, d = A, B, C, D
	A = (a & (a >> 4)) ^ (b & (b >> 4))
	B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4))
	C ^= (a & (c >> 4)) ^ (b & (d >> 4))
	D ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4))

	a, b, c, d = A, B, C, D
	C ^= (a & (c >> 8)) ^ (b & (d >> 8))
	D ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8))

	a = C ^ (C >> 1)
	b = D ^ (D >> 1)

	i0 := x ^ y
	i1 := b | (0xFFFF ^ (i0 | a))

	i0 = (i0 | (i0 << 8)) & 0x00FF00FF
	i0 = (i0 | (i0 << 4)) & 0x0F0F0F0F
	i0 = (i0 | (i0 << 2)) & 0x33333333
	i0 = (i0 | (i0 << 1)) & 0x55555555

	i1 = (i1 | (i1 << 8)) & 0x00FF00FF
	i1 = (i1 | (i1 << 4)) & 0x0F0F0F0F
	i1 = (i1 | (i1 << 2)) & 0x33333333
	i1 = (i1 | (i1 << 1)) & 0x55555555

	return (i1 << 1) | i0
}

// HilbertGrid maps points to their distance along a Hilbert curve through
// a 2^16 by 2^16 grid over an extent: points near each other on the curve
// are near each other in space. The items of a PackedTree are put in order
// by the key of their box centres, and a caller that searches the tree in
// the same order finds the same tree paths in the cache from one search to
// the next.
type HilbertGrid struct {
	x0, y0, sx, sy float64
}

// hilbertSide is the largest cell index of a HilbertGrid.
const hilbertSide = 1<<16 - 1

// NewHilbertGrid spans the extent from (minX, minY) to (maxX, maxY). An
// extent of zero width or height maps every point to cell 0 on that axis.
func NewHilbertGrid(minX, minY, maxX, maxY float64) HilbertGrid {
	g := HilbertGrid{x0: minX, y0: minY, sx: hilbertSide / (maxX - minX), sy: hilbertSide / (maxY - minY)}
	if math.IsInf(g.sx, 0) || math.IsNaN(g.sx) {
		g.sx = 0
	}
	if math.IsInf(g.sy, 0) || math.IsNaN(g.sy) {
		g.sy = 0
	}
	return g
}

// Key is p's distance along the curve; points outside the extent are
// clamped onto its edge.
func (g HilbertGrid) Key(p [2]float64) uint32 {
	hx := uint32(min(hilbertSide, max(0, (p[0]-g.x0)*g.sx)))
	hy := uint32(min(hilbertSide, max(0, (p[1]-g.y0)*g.sy)))
	return hilbert16(hx, hy)
}
