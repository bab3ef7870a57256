package api

import (
	"context"
	"fmt"
	"math"

	"github.com/envtrace/envtrace/hydro"
)

// IDNavigator is an optional NetworkBackend method set for backends that
// can deliver a navigation as pre-rendered id text. GET /api/v1/navigate
// with format=ids uses it when present: the answer is then copied out in
// runs of whole lines instead of being formatted a reach at a time, which
// is what makes national-scale answers (a million reaches) cheap to send.
type IDNavigator interface {
	// NavigateIDs runs req as Navigate does (same errors, same set of
	// reaches) and hands write the ids, each followed by '\n', in runs:
	// lines holds count complete lines and is valid only during the call.
	// It stops when write returns false.
	NavigateIDs(ctx context.Context, req NavigateRequest, write func(lines []byte, count int) bool) error
}

// idText holds every reach id of a network rendered once as text, in
// internal index order, each followed by '\n': the ids of reaches lo..hi-1
// are the bytes text[off[lo]:off[hi]]. Unlimited UT answers are index
// spans (hydro.Network.UpstreamSpans), so they are written a span at a
// time with no per-reach work. It costs the ids' text plus 4 bytes a reach.
type idText struct {
	text []byte
	off  []uint32
}

// newIDText renders net's ids; nil when the text would not fit 32-bit
// offsets (4 GiB of ids), in which case callers format per reach.
func newIDText(net *hydro.Network) *idText {
	n := int32(net.Len())
	t := &idText{off: make([]uint32, n+1)}
	for i := int32(0); i < n; i++ {
		t.text = append(t.text, net.ID(i)...)
		t.text = append(t.text, '\n')
		if len(t.text) > math.MaxUint32 {
			return nil
		}
		t.off[i+1] = uint32(len(t.text))
	}
	return t
}

// lines returns the text of reaches lo..hi-1.
func (t *idText) lines(lo, hi int32) []byte { return t.text[t.off[lo]:t.off[hi]] }

// idRun bounds the reaches written in one call, so that the context is
// checked and the stream pushed at least that often.
const idRun = 1 << 16

// ids renders the ids on first use, so a server that never serves
// format=ids pays nothing.
func (v *netView) ids() *idText {
	v.idsOnce.Do(func() { v.idText = newIDText(v.net) })
	return v.idText
}

// NavigateIDs implements IDNavigator. Unlimited UT is answered from the
// index spans; every other navigation copies each hit's pre-rendered line.
func (b *MemoryBackend) NavigateIDs(ctx context.Context, req NavigateRequest, write func(lines []byte, count int) bool) error {
	v := b.view()
	t := v.ids()
	if t == nil {
		return b.Navigate(ctx, req, func(h NavigateHit) bool { return write([]byte(h.ReachID+"\n"), 1) })
	}
	n := v.net
	s, ok := n.Index(req.Start)
	if !ok {
		return unknownReach(req.Start)
	}
	if req.Mode == hydro.UT && !req.HasDistance && req.MaxHours == 0 {
		q := hydro.Query{Mode: hydro.UT, Start: s, SkipMinor: req.SkipMinor}
		if spans := n.UpstreamSpans(q, nil); len(spans) > 0 {
			return writeSpans(ctx, t, spans, write)
		}
		// A coastline start: Navigate reports why it cannot be navigated.
	}
	q := hydro.Query{Mode: req.Mode, Start: s, DistanceKm: req.DistanceKm, HasDistance: req.HasDistance,
		MaxHours: req.MaxHours, SkipMinor: req.SkipMinor}
	err := n.Navigate(ctx, q, func(h hydro.Hit) bool { return write(t.lines(h.Reach, h.Reach+1), 1) })
	if err != nil {
		return fmt.Errorf("navigate %s from %s: %w", req.Mode, req.Start, err)
	}
	return ctx.Err()
}

// writeSpans writes the ids of spans in runs of at most idRun reaches,
// checking ctx between runs.
func writeSpans(ctx context.Context, t *idText, spans []hydro.Span, write func([]byte, int) bool) error {
	for _, sp := range spans {
		for lo := sp.Lo(); lo < sp.Hi(); lo += idRun {
			if err := ctx.Err(); err != nil {
				return err
			}
			hi := min(lo+idRun, sp.Hi())
			if !write(t.lines(lo, hi), int(hi-lo)) {
				return nil
			}
		}
	}
	return ctx.Err()
}
