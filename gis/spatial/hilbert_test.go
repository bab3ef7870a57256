package spatial

import (
	"math/rand/v2"
	"testing"
)

// hilbertWalk is the textbook computation of the distance of (x, y) along
// the Hilbert curve through a 2^order square, one bit of each coordinate at
// a time, rotating the quadrant as it goes.
func hilbertWalk(order uint, x, y uint32) uint32 {
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

// TestHilbert16 checks the branch-free curve against the textbook walk on
// the corners and edges of the grid and on seeded random cells, and that
// consecutive distances of the walk's first 4,096 cells are neighbours.
func TestHilbert16(t *testing.T) {
	cells := [][2]uint32{{0, 0}, {0, 0xFFFF}, {0xFFFF, 0}, {0xFFFF, 0xFFFF}, {0x8000, 0x7FFF}, {1, 0}, {0, 1}}
	r := rand.New(rand.NewPCG(16, 2026))
	for range 200_000 {
		cells = append(cells, [2]uint32{r.Uint32() & 0xFFFF, r.Uint32() & 0xFFFF})
	}
	for _, c := range cells {
		if got, want := hilbert16(c[0], c[1]), hilbertWalk(16, c[0], c[1]); got != want {
			t.Fatalf("hilbert16(%d, %d) = %d, the walk gives %d", c[0], c[1], got, want)
		}
	}
	// The first 4,096 distances cover a 64 by 64 corner; each step moves
	// to a neighbouring cell.
	at := make(map[uint32][2]uint32, 4096)
	for x := range uint32(64) {
		for y := range uint32(64) {
			at[hilbert16(x, y)] = [2]uint32{x, y}
		}
	}
	for d := uint32(1); d < 4096; d++ {
		a, ok1 := at[d-1]
		b, ok2 := at[d]
		if !ok1 || !ok2 {
			t.Fatalf("distance %d or %d is not in the 64 by 64 corner", d-1, d)
		}
		if dx, dy := int(a[0])-int(b[0]), int(a[1])-int(b[1]); dx*dx+dy*dy != 1 {
			t.Fatalf("distances %d and %d are cells %v and %v, not neighbours", d-1, d, a, b)
		}
	}
}
