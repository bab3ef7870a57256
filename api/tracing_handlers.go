package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
)

// registerTracing mounts the tracing area under g: stations and readings,
// facilities and permits, permit checks, suspect tracing, load balances,
// demonstration scenarios and, for backends that accept them, reading
// ingest. It returns the handlers, which the case area reuses to run the
// trace it saves.
func (s *Server) registerTracing(g *echo.Group, b TracingBackend) *tracingHandlers {
	h := &tracingHandlers{s: s, b: b}
	g.GET("/stations", h.stations)
	g.GET("/stations/:id", h.station)
	g.GET("/stations/:id/readings", h.readings)
	g.GET("/facilities", h.facilities)
	g.GET("/facilities/:id", h.facility)
	g.GET("/facilities/:id/checks", h.facilityChecks)
	g.GET("/facilities/:id/effluent", h.facilityEffluent)
	g.GET("/stations/:id/rpi", h.stationRPI)
	g.GET("/permits/:id", h.permit)
	g.GET("/checks/permits", h.permitChecks)
	g.GET("/trace", h.traceGet)
	g.POST("/trace", h.tracePost)
	g.GET("/balance", h.balance)
	g.GET("/scenarios", h.scenarios)
	if ing, ok := b.(ReadingIngester); ok {
		h.ingester = ing
		g.POST("/readings", h.ingest)
	}
	return h
}

// tracingHandlers are the handlers of the tracing area.
type tracingHandlers struct {
	s        *Server
	b        TracingBackend
	ingester ReadingIngester
}

// rpiJSON is a station's River Pollution Index.
type rpiJSON struct {
	Index float64 `json:"index"`
	// Class is the English class name; ClassCode numbers the classes 1
	// (unpolluted) to 4 (severe), which is what a map colours by.
	Class     string         `json:"class"`
	ClassCode int            `json:"class_code"`
	ClassZH   string         `json:"class_zh"`
	Time      time.Time      `json:"time"`
	Points    map[string]int `json:"points"`
}

// placeJSON is where a point sits on the network.
type placeJSON struct {
	Reach   string  `json:"reach"`
	Measure float64 `json:"measure"`
	OffsetM float64 `json:"offset_m"`
}

func toPlaceJSON(p *PlaceInfo) *placeJSON {
	if p == nil {
		return nil
	}
	return &placeJSON{Reach: p.Reach, Measure: roundTo(p.Measure, 4), OffsetM: roundTo(p.OffsetM, 2)}
}

// stationJSON is one station of GET /api/v1/stations.
type stationJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	River string `json:"river"`
	// County is the station's county code, for the bureau whose data it is.
	County   string     `json:"county,omitempty"`
	Note     string     `json:"note"`
	Position orb.Point  `json:"position"`
	X        float64    `json:"x"`
	Y        float64    `json:"y"`
	Place    *placeJSON `json:"place"`
	RPI      *rpiJSON   `json:"rpi"`
	// LatestTime is the time of the station's latest reading.
	LatestTime *time.Time `json:"latest_time"`
}

func toStationJSON(st StationInfo) stationJSON {
	out := stationJSON{
		ID: st.Station.ID, Name: st.Station.Name, Kind: string(st.Station.Kind), River: st.Station.River, County: st.Station.County, Note: st.Station.Note,
		Position: *pointJSON(&st.Position), X: roundTo(st.Station.Point.X, 2), Y: roundTo(st.Station.Point.Y, 2),
		Place: toPlaceJSON(st.Place),
	}
	if r := st.RPI; r != nil {
		out.RPI = &rpiJSON{Index: r.Index, Class: r.Class.String(), ClassCode: int(r.Class), ClassZH: r.Class.Chinese(), Time: r.Time, Points: r.Points}
	}
	if !st.LatestTime.IsZero() {
		t := st.LatestTime
		out.LatestTime = &t
	}
	return out
}

// readingJSON is one reading, in and out of the API.
type readingJSON struct {
	Station   string    `json:"station"`
	Time      time.Time `json:"time"`
	Parameter string    `json:"parameter"`
	Value     float64   `json:"value"`
	Unit      string    `json:"unit"`
	Censored  bool      `json:"censored"`
	Flow      *float64  `json:"flow"`
	FlowUnit  *string   `json:"flow_unit"`
	Note      string    `json:"note,omitempty"`
	sampleJSON
}

// sampleJSON is a reading's laboratory record (model.Sample); absent
// fields are not written.
type sampleJSON struct {
	SampleID      *string `json:"sample_id,omitempty"`
	Method        *string `json:"method,omitempty"`
	Lab           *string `json:"lab,omitempty"`
	Accreditation *string `json:"accreditation,omitempty"`
	QA            *string `json:"qa_flag,omitempty"`
}

func toSampleJSON(s model.Sample) sampleJSON {
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	return sampleJSON{SampleID: opt(s.ID), Method: opt(s.Method), Lab: opt(s.Lab), Accreditation: opt(s.Accreditation), QA: opt(s.QA)}
}

// sample validates a posted laboratory record.
func (j sampleJSON) sample(fail func(field, reason string)) model.Sample {
	val := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.TrimSpace(*p)
	}
	s := model.Sample{ID: val(j.SampleID), Method: val(j.Method), Lab: val(j.Lab), Accreditation: val(j.Accreditation), QA: val(j.QA)}
	if err := model.CheckQA(s.QA); err != nil {
		fail("qa_flag", fmt.Sprintf("%v, got %q", err, s.QA))
	}
	return s
}

func toReadingJSON(r model.Reading) readingJSON {
	out := readingJSON{Station: r.Station, Time: r.Time, Parameter: r.Parameter, Value: r.Value, Unit: r.Unit, Censored: r.Censored, Note: r.Note,
		sampleJSON: toSampleJSON(r.Sample)}
	if r.FlowUnit != "" {
		f, u := r.Flow, r.FlowUnit
		out.Flow, out.FlowUnit = &f, &u
	}
	return out
}

func (h *tracingHandlers) stations(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	list, err := h.b.Stations(c.Request().Context())
	if err != nil {
		return fmt.Errorf("stations: %w", err)
	}
	out := struct {
		Stations []stationJSON `json:"stations"`
		Count    int           `json:"count"`
	}{Stations: make([]stationJSON, len(list)), Count: len(list)}
	for i, st := range list {
		out.Stations[i] = toStationJSON(st)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *tracingHandlers) station(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	d, err := h.b.Station(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("station %q: %w", id, err)
	}
	out := struct {
		stationJSON
		Latest []readingJSON `json:"latest"`
	}{stationJSON: toStationJSON(d.StationInfo), Latest: make([]readingJSON, len(d.Latest))}
	for i, r := range d.Latest {
		out.Latest[i] = toReadingJSON(r)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *tracingHandlers) readings(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := newQuery(c, "parameter", "from", "to", "limit")
	rq := ReadingsQuery{Station: id}
	if q.has("parameter") {
		if p, reason := lookupParameter(q.str("parameter")); reason != "" {
			q.fail("parameter", reason, nil)
		} else {
			rq.Parameter = p.ID
		}
	}
	rq.From = q.timeParam("from", false)
	rq.To = q.timeParam("to", false)
	if !rq.From.IsZero() && !rq.To.IsZero() && !rq.To.After(rq.From) {
		q.fail("to", "must be after from", nil)
	}
	rq.Limit = q.intRange("limit", defaultReadingsLimit, 1, maxReadingsLimit)
	if err := q.err(); err != nil {
		return err
	}
	page, err := h.b.Readings(c.Request().Context(), rq)
	if err != nil {
		return fmt.Errorf("readings of %q: %w", id, err)
	}
	out := struct {
		Station   string        `json:"station"`
		Parameter *string       `json:"parameter"`
		Readings  []readingJSON `json:"readings"`
		Count     int           `json:"count"`
		Truncated bool          `json:"truncated"`
	}{Station: id, Readings: make([]readingJSON, len(page.Readings)), Count: len(page.Readings), Truncated: page.Truncated}
	if rq.Parameter != "" {
		out.Parameter = &rq.Parameter
	}
	for i, r := range page.Readings {
		out.Readings[i] = toReadingJSON(r)
	}
	return c.JSON(http.StatusOK, out)
}

// outfallJSON is one outfall of a facility.
type outfallJSON struct {
	ID             string     `json:"id"`
	Facility       string     `json:"facility"`
	Position       orb.Point  `json:"position"`
	ReceivingWater string     `json:"receiving_water"`
	Note           string     `json:"note"`
	Place          *placeJSON `json:"place"`
}

// facilityJSON is one facility of GET /api/v1/facilities.
type facilityJSON struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	Industry       string        `json:"industry"`
	ReceivingWater string        `json:"receiving_water"`
	Note           string        `json:"note"`
	Position       *orb.Point    `json:"position"`
	LocationSource *string       `json:"location_source"`
	Outfalls       []outfallJSON `json:"outfalls"`
}

func toFacilityJSON(f FacilityInfo) facilityJSON {
	out := facilityJSON{
		ID: f.Facility.EmsNo, Name: f.Facility.Name, Industry: f.Facility.Industry,
		ReceivingWater: f.Facility.ReceivingWater, Note: f.Facility.Note,
		Position: pointJSON(f.Position), Outfalls: make([]outfallJSON, len(f.Outfalls)),
	}
	if f.LocationSource != "" {
		s := f.LocationSource
		out.LocationSource = &s
	}
	for i, o := range f.Outfalls {
		out.Outfalls[i] = outfallJSON{ID: o.Outfall.ID, Facility: o.Outfall.Facility, Position: *pointJSON(&o.Position),
			ReceivingWater: o.Outfall.ReceivingWater, Note: o.Outfall.Note, Place: toPlaceJSON(o.Place)}
	}
	return out
}

// limitJSON is one numeric condition of a permit.
type limitJSON struct {
	// Outfall is nil when the limit applies to every outfall.
	Outfall   *string `json:"outfall"`
	Parameter string  `json:"parameter"`
	// Value is nil for a monitor-and-report requirement.
	Value    *float64 `json:"value"`
	Unit     string   `json:"unit"`
	StatBase string   `json:"stat_base"`
	Bound    string   `json:"bound"`
	Note     string   `json:"note,omitempty"`
}

// permitJSON is one permit with its limits.
type permitJSON struct {
	ID           string   `json:"id"`
	Facility     string   `json:"facility"`
	FacilityName string   `json:"facility_name"`
	ValidFrom    string   `json:"valid_from"`
	ValidTo      string   `json:"valid_to"`
	Type         string   `json:"type"`
	MaxDailyM3   float64  `json:"max_daily_m3"`
	IntakeSource string   `json:"intake_source"`
	IntakeM3Day  *float64 `json:"intake_m3_day"`
	// TreatmentCapacityM3Day is the wastewater plant's design capacity.
	TreatmentCapacityM3Day *float64    `json:"treatment_capacity_m3_day"`
	Note                   string      `json:"note,omitempty"`
	Limits                 []limitJSON `json:"limits"`
}

func toPermitJSON(p PermitInfo) permitJSON {
	pm := p.Permit
	out := permitJSON{
		ID: pm.PerNo, Facility: pm.Facility, FacilityName: p.FacilityName,
		ValidFrom: pm.ValidFrom.Format(time.DateOnly), ValidTo: pm.ValidTo.Format(time.DateOnly),
		Type: pm.Type, MaxDailyM3: pm.MaxDailyM3, IntakeSource: pm.IntakeSource,
		IntakeM3Day: pm.IntakeM3PerDay, TreatmentCapacityM3Day: pm.TreatmentCapacityM3PerDay, Note: pm.Note,
		Limits: make([]limitJSON, len(p.Limits)),
	}
	for i, l := range p.Limits {
		lj := limitJSON{Parameter: l.Parameter, Unit: l.Unit, StatBase: string(l.StatBase), Bound: l.Bound.String(), Note: l.Note}
		if l.Outfall != "" {
			o := l.Outfall
			lj.Outfall = &o
		}
		if !l.ReportOnly {
			v := l.Value
			lj.Value = &v
		}
		out.Limits[i] = lj
	}
	return out
}

func (h *tracingHandlers) facilities(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	list, err := h.b.Facilities(c.Request().Context())
	if err != nil {
		return fmt.Errorf("facilities: %w", err)
	}
	out := struct {
		Facilities []facilityJSON `json:"facilities"`
		Count      int            `json:"count"`
	}{Facilities: make([]facilityJSON, len(list)), Count: len(list)}
	out.Facilities = out.Facilities[:0]
	for _, f := range list {
		// The list is the public register; a facility sees only itself.
		if facilityView(c, f.Facility.EmsNo) != access.Hidden {
			out.Facilities = append(out.Facilities, toFacilityJSON(f))
		}
	}
	out.Count = len(out.Facilities)
	return c.JSON(http.StatusOK, out)
}

func (h *tracingHandlers) facility(c echo.Context) error {
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
	d, err := h.b.Facility(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("facility %q: %w", id, err)
	}
	out := struct {
		facilityJSON
		Permits    []permitJSON        `json:"permits"`
		Downstream []nearbyStationJSON `json:"downstream_stations"`
	}{facilityJSON: toFacilityJSON(d.FacilityInfo), Permits: make([]permitJSON, len(d.Permits)), Downstream: []nearbyStationJSON{}}
	for i, p := range d.Permits {
		out.Permits[i] = toPermitJSON(p)
	}
	for _, n := range d.Downstream {
		out.Downstream = append(out.Downstream, nearbyStationJSON{Station: n.Station, DistanceKm: roundTo(n.DistanceKm, 3), TravelHours: roundTo(n.TravelHours, 3)})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *tracingHandlers) permit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	p, err := h.b.Permit(c.Request().Context(), id)
	if err != nil {
		if principal(c).Role != access.Admin {
			// Whether a permit exists is itself the facility's record.
			return access.Denied(principal(c), "read permit "+id)
		}
		return fmt.Errorf("permit %q: %w", id, err)
	}
	if err := requireFacility(c, p.Permit.Facility); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPermitJSON(p))
}

func (h *tracingHandlers) facilityChecks(c echo.Context) error {
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
	fs, err := h.b.FacilityChecks(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("checks of facility %q: %w", id, err)
	}
	if fs == nil {
		fs = []permits.Finding{}
	}
	return c.JSON(http.StatusOK, struct {
		Facility string            `json:"facility"`
		Findings []permits.Finding `json:"findings"`
	}{Facility: id, Findings: normalFindings(fs)})
}

// normalFindings gives every finding a numbers object, never null.
func normalFindings(fs []permits.Finding) []permits.Finding {
	out := make([]permits.Finding, len(fs))
	for i, f := range fs {
		if f.Numbers == nil {
			f.Numbers = map[string]float64{}
		}
		out[i] = f
	}
	return out
}

func (h *tracingHandlers) permitChecks(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	rep, err := h.b.PermitChecks(c.Request().Context())
	if err != nil {
		return fmt.Errorf("permit checks: %w", err)
	}
	return c.JSON(http.StatusOK, permits.Report{Findings: normalFindings(visibleFindings(c, rep.Findings)), Facilities: rep.Facilities})
}

func (h *tracingHandlers) balance(c echo.Context) error {
	q := newQuery(c, "parameter", "from", "to")
	var pid string
	if !q.has("parameter") {
		q.fail("parameter", "required: a concentration parameter such as COD, NH3-N or Cu", nil)
	} else if p, reason := concentrationParameter(q.str("parameter")); reason != "" {
		q.fail("parameter", reason, nil)
	} else {
		pid = p.ID
	}
	from := q.timeParam("from", true)
	to := q.timeParam("to", true)
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		q.fail("to", "must be after from", nil)
	}
	if err := q.err(); err != nil {
		return err
	}
	rep, err := h.b.Balance(c.Request().Context(), pid, from, to)
	if err != nil {
		return fmt.Errorf("balance: %w", err)
	}
	// Lists are never null in the contract.
	out := *rep
	out.Segments = append(out.Segments[:0:0], rep.Segments...)
	for i := range out.Segments {
		if out.Segments[i].Upstream == nil {
			out.Segments[i].Upstream = []string{}
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (h *tracingHandlers) scenarios(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	list := []Scenario{}
	if sb, ok := h.b.(ScenarioBackend); ok {
		l, err := sb.Scenarios(c.Request().Context())
		if err != nil {
			return fmt.Errorf("scenarios: %w", err)
		}
		list = append(list, l...)
	}
	return c.JSON(http.StatusOK, struct {
		Scenarios []Scenario `json:"scenarios"`
	}{Scenarios: list})
}
