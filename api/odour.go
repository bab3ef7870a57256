package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/odour"
)

// OdourBackend answers the odour-petition and air-quality endpoints, the
// REST twins of `envtrace odour rank`, `odour trace` and `air cpf`. Their
// results cross the interface as the CLI prints them (odour.Result,
// air.CPFResult), so both give the same JSON.
//
// Unknown petitions and monitors are *NotFoundError values; a monitor
// without the readings asked for is a *TracingInputError naming the
// parameter to change.
type OdourBackend interface {
	OdourRank(ctx context.Context, from, to time.Time) (*odour.Result, error)
	OdourTrace(ctx context.Context, petition string) (*odour.Result, error)
	AirCPF(ctx context.Context, q CPFQuery) (*air.CPFResult, error)
}

// OdourAvailability is an optional method set for backend types that
// implement OdourBackend but may hold no wind data; New registers the
// odour and air routes only when it says they are enabled.
type OdourAvailability interface {
	OdourEnabled() bool
}

// CPFQuery is a validated CPF request.
type CPFQuery struct {
	Monitor, Parameter string
	Options            air.CPFOptions
}

// ErrUnknownPetition and ErrUnknownMonitor are the sentinels of the odour
// area's not-found errors.
var (
	ErrUnknownPetition = odour.ErrUnknownPetition
	ErrUnknownMonitor  = datadir.ErrUnknownMonitor
)

// registerOdour mounts the odour and air endpoints under g.
func (s *Server) registerOdour(g *echo.Group, b OdourBackend) {
	h := &odourHandlers{b: b}
	g.GET("/odour/rank", h.rank)
	g.GET("/odour/trace", h.trace)
	g.GET("/air/cpf", h.cpf)
}

type odourHandlers struct{ b OdourBackend }

func (h *odourHandlers) rank(c echo.Context) error {
	q := newQuery(c, "from", "to")
	from, to := q.timeParam("from", true), q.timeParam("to", true)
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		q.fail("to", "must be after from", nil)
	}
	if err := q.err(); err != nil {
		return err
	}
	res, err := h.b.OdourRank(c.Request().Context(), from, to)
	res = redactOdour(c, res)
	if err != nil {
		return fmt.Errorf("odour rank: %w", err)
	}
	return c.JSON(http.StatusOK, res)
}

func (h *odourHandlers) trace(c echo.Context) error {
	q := newQuery(c, "petition")
	id := q.requiredID("petition")
	if err := q.err(); err != nil {
		return err
	}
	res, err := h.b.OdourTrace(c.Request().Context(), id)
	res = redactOdour(c, res)
	if err != nil {
		return fmt.Errorf("odour trace %q: %w", id, err)
	}
	return c.JSON(http.StatusOK, res)
}

func (h *odourHandlers) cpf(c echo.Context) error {
	q := newQuery(c, "monitor", "parameter", "percentile", "sector_deg", "min_speed")
	cq := CPFQuery{Monitor: q.requiredID("monitor")}
	if !q.has("parameter") {
		q.fail("parameter", "required: an air parameter such as H2S, SO2 or PM2.5", nil)
	} else if p, reason := lookupParameter(q.str("parameter")); reason != "" {
		q.fail("parameter", reason, nil)
	} else if !p.Air() {
		q.fail("parameter", fmt.Sprintf("%s is a water parameter; a CPF needs an air parameter such as H2S", p.ID), nil)
	} else {
		cq.Parameter = p.ID
	}
	cq.Options = air.CPFOptions{
		Percentile: q.nonNegative("percentile", 90), SectorDeg: q.nonNegative("sector_deg", 10),
		MinSpeed: q.nonNegative("min_speed", atmos.CalmSpeed), HasMinSpeed: true,
	}
	if err := q.err(); err != nil {
		return err
	}
	res, err := h.b.AirCPF(c.Request().Context(), cq)
	if errors.Is(err, air.ErrBadOption) {
		return &ParamError{Name: optionParam(cq.Options), Reason: err.Error(), Err: err}
	}
	if err != nil {
		return fmt.Errorf("air cpf: %w", err)
	}
	return c.JSON(http.StatusOK, res)
}

// optionParam names the query parameter a CPF option error is about.
func optionParam(o air.CPFOptions) string {
	switch {
	case !(o.Percentile > 0 && o.Percentile < 100):
		return "percentile"
	case o.MinSpeed > atmos.MaxPlausibleSpeed:
		return "min_speed"
	}
	return "sector_deg"
}

// requiredID reads a required identifier query parameter.
func (q *query) requiredID(name string) string {
	if !q.has(name) {
		q.fail(name, "required", nil)
		return ""
	}
	v := q.str(name)
	if reason := checkID(v); reason != "" {
		q.fail(name, reason, nil)
		return ""
	}
	return v
}
