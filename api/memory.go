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
// concurrent use: the network is immutable, and the dataset is replaced,
// never changed, when readings are ingested.
type MemoryBackend struct {
	net *hydro.Network
	// toWGS84 converts stored geometry for output; nil when the network's
	// CRS is unknown and projected, in which case geometry is not output.
	toWGS84 *crs.Transformer
	// netCRS is the network's CRS, 0 when unknown and projected.
	netCRS crs.Code

	infoOnce sync.Once
	info     NetworkInfo

	// tr holds the tracing data; nil for a bare network.
	tr *tracingData
	// air holds the air sources and the sensor window; nil for a bare
	// network.
	air *airData
	// od holds the odour and CPF data; nil without wind.
	od *odourData
}

// NewMemoryBackend wraps net. It fails when the network declares an SRID
// this engine cannot transform, because every geometry it returns must be
// in EPSG:4326.
func NewMemoryBackend(net *hydro.Network) (*MemoryBackend, error) {
	if net == nil {
		return nil, errors.New("api: nil network")
	}
	b := &MemoryBackend{net: net}
	switch {
	case net.SRID != 0:
		b.netCRS = crs.Code(net.SRID)
	case net.Geographic:
		b.netCRS = crs.WGS84
	}
	if b.netCRS != 0 {
		t, err := crs.NewTransformer(b.netCRS, crs.WGS84)
		if err != nil {
			return nil, fmt.Errorf("api: network SRID %d: %w", net.SRID, err)
		}
		b.toWGS84 = t
	}
	return b, nil
}

// Network returns the wrapped network, for callers (the CLI, tests) that
// need the engine directly.
func (b *MemoryBackend) Network() *hydro.Network { return b.net }

// NetworkInfo implements NetworkBackend. The summary walks every reach, so
// it is computed once; the network never changes.
func (b *MemoryBackend) NetworkInfo(ctx context.Context) (NetworkInfo, error) {
	if err := ctx.Err(); err != nil {
		return NetworkInfo{}, err
	}
	b.infoOnce.Do(func() {
		n := b.net
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
				if g := n.Geometry(r); len(g) > 0 && b.toWGS84 != nil {
					if p, err := b.toWGS84.Transform(g[len(g)-1]); err == nil {
						oi.End = &p
					}
				}
			}
			info.LargestOutlets = append(info.LargestOutlets, oi)
		}
		b.info = info
	})
	return b.info, nil
}

// Reach implements NetworkBackend.
func (b *MemoryBackend) Reach(ctx context.Context, id string) (ReachInfo, error) {
	if err := ctx.Err(); err != nil {
		return ReachInfo{}, err
	}
	i, ok := b.net.Index(id)
	if !ok {
		return ReachInfo{}, unknownReach(id)
	}
	out := ReachInfo{Attrs: b.net.Attrs(i), UpstreamReaches: b.net.UpstreamCount(i)}
	out.Geometry = b.geometry(i, nil)
	return out, nil
}

// geometry converts reach i's polyline to EPSG:4326 into buf's storage.
func (b *MemoryBackend) geometry(i int32, buf orb.LineString) orb.LineString {
	g := b.net.Geometry(i)
	if g == nil || b.toWGS84 == nil {
		return nil
	}
	buf = buf[:0]
	for _, p := range g {
		buf = append(buf, b.toWGS84.Point(p))
	}
	return buf
}

// Navigate implements NetworkBackend.
func (b *MemoryBackend) Navigate(ctx context.Context, req NavigateRequest, yield func(NavigateHit) bool) error {
	n := b.net
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
			buf = b.geometry(h.Reach, buf)
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
	n := b.net
	if !n.HasGeometry() {
		return nil, hydro.ErrNoGeometry
	}
	p := req.Point
	if b.netCRS == 0 {
		return nil, ErrNoNetworkCRS
	}
	q, err := crs.Transform(req.CRS, b.netCRS, p)
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
		if w, err := b.toWGS84.Transform(s.Point); err == nil {
			c.Point = &w
		}
		out[i] = c
	}
	return out, nil
}
