package hydro

import (
	"fmt"
	"sort"
)

// Summary is what `network check` prints: enough for a reviewer to see
// whether a network file is what they think it is.
type Summary struct {
	Reaches     int
	LengthKm    float64
	Headwaters  int
	Divergences int
	MaxOrder    int
	// Outlets are sorted by the number of reaches draining to them, largest
	// first, so a river mouth leads and DEM pits follow.
	Outlets []Outlet
}

// Outlet is one network outlet: a river mouth, or a pit or sink.
type Outlet struct {
	ID         string
	Reaches    int     // reaches draining to it, itself included
	UpstreamKm float64 // their total length
	End        string  // the outlet's last vertex, when geometry is known
}

// Summarize describes a network.
func Summarize(n *Network) Summary {
	s := Summary{Reaches: n.Len(), Headwaters: n.Headwaters(), Divergences: n.MinorDivergences()}
	for i := int32(0); i < n.n; i++ {
		s.LengthKm += n.lenKm.at(i)
		if int(n.order[i]) > s.MaxOrder {
			s.MaxOrder = int(n.order[i])
		}
	}
	for _, o := range n.Outlets() {
		out := Outlet{ID: n.ID(o), Reaches: int(n.size[o]), UpstreamKm: float64(n.arbolate[o])}
		if g := n.Geometry(o); len(g) > 0 {
			p := g[len(g)-1]
			out.End = fmt.Sprintf("%.6g,%.6g", p[0], p[1])
		}
		s.Outlets = append(s.Outlets, out)
	}
	sort.SliceStable(s.Outlets, func(a, b int) bool { return s.Outlets[a].Reaches > s.Outlets[b].Reaches })
	return s
}
