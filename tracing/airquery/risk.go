package airquery

import (
	"context"
	"math"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/tracing/airrisk"
	"github.com/envtrace/envtrace/tracing/hotspot"
	"github.com/envtrace/envtrace/tracing/signal"
)

// Risk is the query of the high-risk screening: the ADF screen and the
// sensor-exceedance hot spots of one window.
type Risk struct {
	Anomalies
	// HexEdge (metres, default 1000) sizes the hexagons of the Gi* screen;
	// Limit is the exceedance level (µg/m³, default 35).
	HexEdge, Limit float64
}

// RiskResult is the answer of `envtrace air risk` and GET
// /api/v1/air/risk: the risk areas and industries, each with its terms.
type RiskResult struct {
	Areas      []airrisk.AreaFlag     `json:"areas"`
	Industries []airrisk.IndustryFlag `json:"industries"`
	// Events counts the ADF emission and RED slices the industries are
	// ranked by; Association says how an event is tied to a facility.
	Events      int    `json:"events"`
	Association string `json:"association"`
	// Hotspots is the Gi* screen the areas come from.
	Hotspots *hotspot.Result `json:"hotspots"`
}

// proximityM ties an event to every facility within 3 km when no wind is
// held (the ADF neighbour radius).
const proximityM = 3000

// RunRisk screens areas (significant Gi* hot spots of sensor exceedances
// on hexagons, times the risk-weighted density of facilities) and
// industries (ADF emission and RED events downwind of their facilities,
// under the interpolated wind; within 3 km when the data hold no wind).
func RunRisk(ctx context.Context, src *Sources, q Risk) (*RiskResult, error) {
	if q.HexEdge == 0 {
		q.HexEdge = 1000
	}
	if q.HexEdge < 0 || math.IsNaN(q.HexEdge) {
		return nil, &InvalidError{"hex-edge", "must be positive"}
	}
	screen, err := RunAnomalies(ctx, src, q.Anomalies)
	if err != nil {
		return nil, err
	}
	hs, err := RunHotspots(ctx, src, Hotspots{Signal: signal.NameSensorExceedances, Method: hotspot.MethodGi, HexEdge: q.HexEdge,
		From: q.From, To: q.To, Limit: q.Limit}, nil)
	if err != nil {
		return nil, err
	}
	var fs []airrisk.Facility
	var pts []orb.Point
	if src.Water != nil {
		for _, f := range src.Water.Facilities {
			if f.Location == nil {
				continue
			}
			fs = append(fs, airrisk.Facility{ID: f.EmsNo, Industry: f.Industry, Point: orb.Point{f.Location.X, f.Location.Y}})
			lon, lat := f.Location.LonLat()
			pts = append(pts, orb.Point{lon, lat})
		}
	}
	var events []hotspot.Event
	for _, e := range screen.Events() {
		if s, ok := src.Sensors.Sensor(e.DeviceID); ok {
			events = append(events, hotspot.Event{Point: orb.Point{s.Point.X, s.Point.Y}, Time: e.Time, Source: e.DeviceID})
			pts = append(pts, orb.Point{s.Lon, s.Lat})
		}
	}
	assoc, err := association(src, pts)
	if err != nil {
		return nil, err
	}
	out := &RiskResult{Areas: airrisk.Areas(hs, fs), Industries: airrisk.Industries(fs, events, assoc), Events: len(events),
		Association: assoc.Describe(), Hotspots: hs}
	if out.Areas == nil {
		out.Areas = []airrisk.AreaFlag{}
	}
	if out.Industries == nil {
		out.Industries = []airrisk.IndustryFlag{}
	}
	return out, nil
}

// association is Downwind over the monitors' wind on a TWD97 grid, or
// Proximity without wind or outside Taiwan.
func association(src *Sources, pts []orb.Point) (airrisk.Association, error) {
	if len(src.Wind) == 0 || len(pts) == 0 {
		return airrisk.Proximity{Radius: proximityM}, nil
	}
	for _, m := range src.Monitors {
		pts = append(pts, orb.Point{m.Lon, m.Lat})
	}
	grid, err := crs.PlanarFor(orb.MultiPoint(pts).Bound())
	if err != nil {
		return nil, err
	}
	if grid.Code() != crs.TWD97TM2 {
		return airrisk.Proximity{Radius: proximityM}, nil
	}
	field, err := atmos.NewField(grid, src.Monitors, src.Wind)
	if err != nil {
		return nil, err
	}
	return airrisk.Downwind{Field: field, Grid: grid}, nil
}
