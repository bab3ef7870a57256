package spatial

import "math"

// hilbertD maps (x, y) in a 2^order square to its distance along the
// Hilbert curve: sorting boxes by it packs near boxes into the same
// nodes of a bulk-loaded tree (see PackedTree).
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
	return hilbertD(16, hx, hy)
}
