package api

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/hydro"
)

// maxOutletsListed bounds the outlets NetworkInfo lists: DEM-derived
// networks have thousands of pits, and the summary must stay small.
const maxOutletsListed = 20

// MemoryBackend serves a *hydro.Network held in memory and, when built
// with NewMemoryBackendWithBasin, the enforcement dataset placed on it. It
// is what every server answers from: the demo, `serve --data`, and
// `serve --db`, which loads PostGIS into it at start-up. It is safe for
// concurrent use: a network is immutable, and the dataset (and, with
// ApplyNetwork, the network under it) is replaced, never changed, when
// readings are ingested.
type MemoryBackend struct {
	// bare is the network of a backend without tracing data; with
	// tracing data, each snapshot holds the network it was placed on.
	bare *netView

	// tr holds the tracing data; nil for a bare network.
	tr *tracingData
	// air holds the air sources and the sensor window; nil for a bare
	// network.
	air *airData
	// od holds the odour and CPF data; nil without wind.
	od *odourData
}

// netView is one network and what the backend derives from it, each
// derived part built on first use: a network that replaces it
// (ApplyNetwork) comes with a view of its own.
type netView struct {
	net *hydro.Network
	// toWGS84 converts stored geometry for output; nil when the network's
	// CRS is unknown and projected, in which case geometry is not output.
	toWGS84 *crs.Transformer
	// netCRS is the network's CRS, 0 when unknown and projected.
	netCRS crs.Code

	infoOnce sync.Once
	info     NetworkInfo

	// idsOnce renders idText, every reach id as text, for format=ids.
	idsOnce sync.Once
	idText  *idText
	// totalsOnce builds totalsIdx, the running length sum for basin
	// summaries.
	totalsOnce sync.Once
	totalsIdx  *hydro.TotalsIndex
}

// NewMemoryBackend wraps net. It fails when the network declares an SRID
// this engine cannot transform, because every geometry it returns must be
// in EPSG:4326.
func NewMemoryBackend(net *hydro.Network) (*MemoryBackend, error) {
	v, err := newNetView(net)
	if err != nil {
		return nil, err
	}
	return &MemoryBackend{bare: v}, nil
}

// newNetView checks net's CRS (see NewMemoryBackend) and wraps it.
func newNetView(net *hydro.Network) (*netView, error) {
	if net == nil {
		return nil, errors.New("api: nil network")
	}
	v := &netView{net: net}
	switch {
	case net.SRID != 0:
		v.netCRS = crs.Code(net.SRID)
	case net.Geographic:
		v.netCRS = crs.WGS84
	}
	if v.netCRS != 0 {
		t, err := crs.NewTransformer(v.netCRS, crs.WGS84)
		if err != nil {
			return nil, fmt.Errorf("api: network SRID %d: %w", net.SRID, err)
		}
		v.toWGS84 = t
	}
	return v, nil
}

// view returns the current network: the current snapshot's, or the bare
// one. A request takes it once, so it answers from one network even when
// ApplyNetwork replaces it meanwhile.
func (b *MemoryBackend) view() *netView {
	if s, err := b.snapshot(); err == nil {
		return s.view
	}
	return b.bare
}

// Network returns the current network, for callers (the CLI, tests) that
// need the engine directly.
func (b *MemoryBackend) Network() *hydro.Network { return b.view().net }

// NetworkInfo implements NetworkBackend. The summary walks every reach, so
// it is computed once per network.
func (b *MemoryBackend) NetworkInfo(ctx context.Context) (NetworkInfo, error) {
	if err := ctx.Err(); err != nil {
		return NetworkInfo{}, err
	}
	v := b.view()
	v.infoOnce.Do(func() {
		n := v.net
		s := hydro.Summarize(n)
		info := NetworkInfo{
			Reaches:     s.Reaches,
			LengthKm:    s.LengthKm,
			Outlets:     len(s.Outlets),
			Headwaters:  s.Headwaters,
			Divergences: s.Divergences,
			MaxOrder:    s.MaxOrder,
			Topology:    n.Topology,
			SRID:        n.SRID,
			Geographic:  n.Geographic,
			HasGeometry: n.HasGeometry(),
			Problems:    len(n.Problems),
		}
		for i, o := range s.Outlets {
			if i == maxOutletsListed {
				break
			}
			oi := OutletInfo{ID: o.ID, Reaches: o.Reaches, UpstreamKm: o.UpstreamKm}
			if r, ok := n.Index(o.ID); ok {
				if g := n.Geometry(r); len(g) > 0 && v.toWGS84 != nil {
					if p, err := v.toWGS84.Transform(g[len(g)-1]); err == nil {
						oi.End = &p
					}
				}
			}
			info.LargestOutlets = append(info.LargestOutlets, oi)
		}
		v.info = info
	})
	return v.info, nil
}

// Reach implements NetworkBackend.
func (b *MemoryBackend) Reach(ctx context.Context, id string) (ReachInfo, error) {
	if err := ctx.Err(); err != nil {
		return ReachInfo{}, err
	}
	v := b.view()
	i, ok := v.net.Index(id)
	if !ok {
		return ReachInfo{}, unknownReach(id)
	}
	out := ReachInfo{Attrs: v.net.Attrs(i), UpstreamReaches: v.net.UpstreamCount(i)}
	out.Geometry = v.geometry(i, nil)
	return out, nil
}

// geometry converts reach i's polyline to EPSG:4326 into buf's storage.
func (v *netView) geometry(i int32, buf orb.LineString) orb.LineString {
	g := v.net.Geometry(i)
	if g == nil || v.toWGS84 == nil {
		return nil
	}
	buf = buf[:0]
	for _, p := range g {
		buf = append(buf, v.toWGS84.Point(p))
	}
	return buf
}

// Navigate implements NetworkBackend.
func (b *MemoryBackend) Navigate(ctx context.Context, req NavigateRequest, yield func(NavigateHit) bool) error {
	v := b.view()
	n := v.net
	s, ok := n.Index(req.Start)
	if !ok {
		return unknownReach(req.Start)
	}
	q := hydro.Query{Mode: req.Mode, Start: s, DistanceKm: req.DistanceKm, HasDistance: req.HasDistance,
		MaxHours: req.MaxHours, SkipMinor: req.SkipMinor}
	var buf orb.LineString
	err := n.Navigate(ctx, q, func(h hydro.Hit) bool {
		hit := NavigateHit{
			ReachID:     n.ID(h.Reach),
			Name:        n.Name(h.Reach),
			DistanceKm:  h.DistanceKm,
			TravelHours: h.TravelHours,
			StreamOrder: n.StreamOrder(h.Reach),
		}
		if req.Geometry {
			buf = v.geometry(h.Reach, buf)
			hit.Geometry = buf
		}
		return yield(hit)
	})
	if err != nil {
		return fmt.Errorf("navigate %s from %s: %w", req.Mode, req.Start, err)
	}
	// hydro checks the context only every few thousand results; report a
	// deadline that passed during a shorter walk too, so a truncated result
	// is never mistaken for a complete one.
	return ctx.Err()
}

// Snap implements NetworkBackend.
func (b *MemoryBackend) Snap(ctx context.Context, req SnapRequest) ([]SnapCandidate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v := b.view()
	n := v.net
	if !n.HasGeometry() {
		return nil, hydro.ErrNoGeometry
	}
	p := req.Point
	if v.netCRS == 0 {
		return nil, ErrNoNetworkCRS
	}
	q, err := crs.Transform(req.CRS, v.netCRS, p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPointOutOfRange, err)
	}
	snaps, err := n.SnapPoint(q, req.K, req.MaxDistanceM)
	if err != nil {
		return nil, fmt.Errorf("snap: %w", err)
	}
	out := make([]SnapCandidate, len(snaps))
	for i, s := range snaps {
		c := SnapCandidate{ReachID: n.ID(s.Reach), Measure: s.Measure, OffsetM: s.OffsetM, StreamOrder: s.StreamOrder,
			ReachCode: s.ReachCode, ReachCodeMeasure: s.ReachCodeMeasure}
		if w, err := v.toWGS84.Transform(s.Point); err == nil {
			c.Point = &w
		}
		out[i] = c
	}
	return out, nil
}
