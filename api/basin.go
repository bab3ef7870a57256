package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
)

// BasinSummarizer is an optional NetworkBackend method set: whole-basin
// figures (reaches, length, dischargers and stations upstream) answered
// without enumerating the basin. GET /api/v1/basin is registered when the
// backend implements it.
type BasinSummarizer interface {
	// BasinSummary describes everything upstream of the reach start (UT
	// without limits; minor divergences followed when minor is set). An
	// unknown start is a *NotFoundError; a coastline wraps
	// hydro.ErrNotNavigable.
	BasinSummary(ctx context.Context, start string, minor bool) (basin.Summary, error)
}

// totals builds the network's running length sum on first use, so a
// server that never answers a basin summary pays nothing for it.
func (v *netView) totals() *hydro.TotalsIndex {
	v.totalsOnce.Do(func() { v.totalsIdx = hydro.NewTotalsIndex(v.net) })
	return v.totalsIdx
}

// BasinSummary implements BasinSummarizer: the totals from the upstream
// index spans and, when a dataset is placed, its objects on those spans.
func (b *MemoryBackend) BasinSummary(ctx context.Context, start string, minor bool) (basin.Summary, error) {
	if err := ctx.Err(); err != nil {
		return basin.Summary{}, err
	}
	// One snapshot gives the network and the objects placed on it.
	v, snap := b.bare, (*tracingSnapshot)(nil)
	if b.tr != nil {
		snap, _ = b.snapshot()
		v = snap.view
	}
	i, ok := v.net.Index(start)
	if !ok {
		return basin.Summary{}, unknownReach(start)
	}
	t, spans, err := v.totals().Upstream(i, !minor, nil)
	if err != nil {
		return basin.Summary{}, err
	}
	t.LengthKm = roundTo(t.LengthKm, 3)
	s := basin.Summary{Start: v.net.ID(i), Minor: minor, Totals: t}
	if snap != nil {
		s.Upstream = snap.basin.PlacedIn(spans)
	}
	return s, nil
}

// basinSummary answers GET /api/v1/basin.
func (h *networkHandlers) basinSummary(c echo.Context) error {
	q := newQuery(c, "start", "minor")
	start := ""
	if !q.has("start") {
		q.fail("start", "required: the reach id whose basin (everything upstream) is summarised", nil)
	} else if start = q.str("start"); checkID(start) != "" {
		q.fail("start", checkID(start), nil)
	}
	minor := q.boolean("minor", true)
	if err := q.err(); err != nil {
		return err
	}
	s, err := h.b.(BasinSummarizer).BasinSummary(c.Request().Context(), start, minor)
	if err != nil {
		return fmt.Errorf("basin of %q: %w", start, err)
	}
	return c.JSON(http.StatusOK, s)
}
