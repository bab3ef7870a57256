package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/tracing/permits"
)

// nearbyStationJSON is a station below a facility.
type nearbyStationJSON struct {
	Station     string  `json:"station"`
	DistanceKm  float64 `json:"distance_km"`
	TravelHours float64 `json:"travel_hours"`
}

// rpiPointJSON is one sample's River Pollution Index.
type rpiPointJSON struct {
	Time      time.Time      `json:"time"`
	Index     float64        `json:"index"`
	ClassCode int            `json:"class_code"`
	Points    map[string]int `json:"points"`
}

// stationRPI answers GET /api/v1/stations/{id}/rpi: the station's RPI over
// time, for its chart.
func (h *tracingHandlers) stationRPI(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	series, err := h.b.StationRPI(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("rpi of station %q: %w", id, err)
	}
	out := struct {
		Station string         `json:"station"`
		RPI     []rpiPointJSON `json:"rpi"`
	}{Station: id, RPI: make([]rpiPointJSON, len(series))}
	for i, r := range series {
		out.RPI[i] = rpiPointJSON{Time: r.Time, Index: r.Index, ClassCode: int(r.Class), Points: r.Points}
	}
	return c.JSON(http.StatusOK, out)
}

// effluentJSON is one reported value against the limit it answers to.
type effluentJSON struct {
	Permit      string  `json:"permit"`
	Outfall     string  `json:"outfall"`
	Parameter   string  `json:"parameter"`
	StatBase    string  `json:"stat_base"`
	PeriodStart string  `json:"period_start"`
	PeriodEnd   string  `json:"period_end"`
	Reported    float64 `json:"reported"`
	Censored    bool    `json:"censored"`
	Limit       float64 `json:"limit"`
	Unit        string  `json:"unit"`
	Bound       string  `json:"bound"`
	// Status is compliant, exceeded, report only, no data or undecidable.
	Status        string  `json:"status"`
	ExceedancePct float64 `json:"exceedance_pct"`
}

// facilityEffluent answers GET /api/v1/facilities/{id}/effluent: the
// facility's reported values against its permit limits, as ECHO's effluent
// charts draw them.
func (h *tracingHandlers) facilityEffluent(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	if err := requireFacility(c, id); err != nil {
		return err
	}
	list, err := h.b.FacilityEffluent(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("effluent of facility %q: %w", id, err)
	}
	out := struct {
		Facility string         `json:"facility"`
		Values   []effluentJSON `json:"values"`
	}{Facility: id, Values: make([]effluentJSON, len(list))}
	for i, v := range list {
		out.Values[i] = toEffluentJSON(v)
	}
	return c.JSON(http.StatusOK, out)
}

func toEffluentJSON(v permits.Compared) effluentJSON {
	lim := 0.0
	if !v.Limit.ReportOnly {
		lim = v.Limit.Value
	}
	return effluentJSON{Permit: v.Permit, Outfall: v.Report.Outfall, Parameter: v.Report.Parameter, StatBase: string(v.Report.StatBase),
		PeriodStart: v.Report.Period.Start.Format(time.DateOnly), PeriodEnd: v.Report.Period.End.Format(time.DateOnly),
		Reported: roundTo(v.Reported, 6), Censored: v.Report.Censored, Limit: lim, Unit: v.Limit.Unit, Bound: v.Limit.Bound.String(),
		Status: v.Status.String(), ExceedancePct: roundTo(v.ExceedancePct, 1)}
}
