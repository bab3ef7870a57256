package hotspot

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestHexCellIsTheAssignedCell: points just inside each corner of the
// outline HexCell draws fall in the cell, and points just beyond fall in a
// neighbour, so a layer draws the cells the analysis counted in.
func TestHexCellIsTheAssignedCell(t *testing.T) {
	part, err := Hex(500)
	if err != nil {
		t.Fatal(err)
	}
	h := part.(*hex)
	i, _ := h.Assign(orb.Point{201234, 2651234})
	u := h.units[i]
	cell := HexCell(u.X, u.Y, 500)
	if len(cell[0]) != 7 || cell[0][0] != cell[0][6] {
		t.Fatalf("outline %v", cell)
	}
	for _, v := range cell[0][:6] {
		in := orb.Point{u.X + 0.99*(v[0]-u.X), u.Y + 0.99*(v[1]-u.Y)}
		out := orb.Point{u.X + 1.01*(v[0]-u.X), u.Y + 1.01*(v[1]-u.Y)}
		if j, _ := h.Assign(in); j != i {
			t.Errorf("%v, just inside corner %v, is in unit %s, not %s", in, v, h.units[j].ID, u.ID)
		}
		if j, _ := h.Assign(out); j == i {
			t.Errorf("%v, just beyond corner %v, is still in unit %s", out, v, u.ID)
		}
	}
}
