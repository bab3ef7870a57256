package farmland

import (
	"context"
	"sort"

	"github.com/envtrace/envtrace/hydro"
)

// Diversion is a minor path leaving a reach where its water divides: a
// canal when its water never comes back to the river it left (it ends in
// the fields), a braid when it rejoins.
type Diversion struct {
	From  string `json:"from"`  // the reach whose water divides
	Minor string `json:"minor"` // the first reach of the minor path
	Canal bool   `json:"canal"`
	// Rejoins is the first reach of the main path below the division that
	// the minor path's water reaches again; empty for a canal.
	Rejoins string `json:"rejoins,omitempty"`
}

// Diversions classifies every minor divergence of the network: water that
// leaves by a canal cannot reach the river below the canal's intake, so a
// discharger on a canal affects only that canal's farmland, whereas a
// braid (NHDPlus divergence that rejoins) carries its load back.
func Diversions(ctx context.Context, net *hydro.Network) ([]Diversion, error) {
	var out []Diversion
	for r := int32(0); r < int32(net.Len()); r++ {
		minors := net.Attrs(r).MinorDownstreamTo
		if len(minors) == 0 {
			continue
		}
		main := map[int32]float64{}
		if d := net.Down(r); d >= 0 {
			hits, err := net.NavigateAll(ctx, hydro.Query{Mode: hydro.DM, Start: d})
			if err != nil {
				return nil, err
			}
			for _, h := range hits {
				main[h.Reach] = h.DistanceKm
			}
		}
		for _, id := range minors {
			m, ok := net.Index(id)
			if !ok {
				continue
			}
			dv := Diversion{From: net.ID(r), Minor: id, Canal: true}
			hits, err := net.NavigateAll(ctx, hydro.Query{Mode: hydro.DD, Start: m})
			if err != nil {
				return nil, err
			}
			best := -1.0
			for _, h := range hits {
				if km, ok := main[h.Reach]; ok && (best < 0 || km < best) {
					best, dv.Canal, dv.Rejoins = km, false, net.ID(h.Reach)
				}
			}
			out = append(out, dv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From+out[i].Minor < out[j].From+out[j].Minor })
	return out, nil
}
