package airrisk

import (
	"math"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/tracing/hotspot"
)

// Downwind associates an event with a facility by how much of the
// facility's plume reached the event: the Gaussian plume ratio of
// atmos.Plume.Ratio (the concentration at the event over the centreline
// concentration of the same plume at RefM downwind, capped at 1; source
// strength and wind speed cancel) under the wind at the event's place and
// time, the stability class from that wind and the sun, and the plume
// widened by SpreadDeg of direction uncertainty. An event upwind of the
// facility, beyond MaxRangeM of it, or without wind counts 0. It replaces
// Proximity once the wind field exists: a facility whose plume blows the
// other way is no longer blamed for a neighbour's anomaly.
type Downwind struct {
	// Field is the wind; its grid must be Grid, whose metres are the
	// facilities' and events' TWD97 coordinates (crs.PlanarFor gives TWD97
	// in Taiwan).
	Field atmos.Field
	Grid  *crs.Planar
	// HeightM (15), RefM (4000), SpreadDeg (15) and MaxRangeM (8000) are
	// the odour attribution's defaults (tracing/odour.Options).
	HeightM, RefM, SpreadDeg, MaxRangeM float64
}

func (d Downwind) withDefaults() Downwind {
	def := func(v *float64, x float64) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&d.HeightM, 15)
	def(&d.RefM, 4000)
	def(&d.SpreadDeg, 15)
	def(&d.MaxRangeM, 8000)
	return d
}

// Weight is the plume ratio from f to e (see Downwind).
func (d Downwind) Weight(f Facility, e hotspot.Event) float64 {
	d = d.withDefaults()
	dx, dy := e.Point[0]-f.Point[0], e.Point[1]-f.Point[1]
	if math.Hypot(dx, dy) > d.MaxRangeM {
		return 0
	}
	w, err := d.Field.At(e.Point[0], e.Point[1], e.Time)
	if err != nil || w.Calm {
		return 0
	}
	lon, lat := d.Grid.Inverse(e.Point[0], e.Point[1])
	class := atmos.StabilityClass(w.Speed, atmos.SunUp(lon, lat, e.Time.In(time.UTC)))
	r := atmos.Plume{HeightM: d.HeightM, ReceptorM: 1.5}.Ratio(dx, dy, w, class, d.SpreadDeg, d.RefM)
	if math.IsNaN(r) {
		return 0
	}
	return math.Min(1, r)
}

// Describe names the association in explanations.
func (d Downwind) Describe() string {
	d = d.withDefaults()
	return "events downwind of the facility, weighted by the Gaussian plume ratio (reference " + ftoa(d.RefM) +
		" m downwind, ±" + ftoa(d.SpreadDeg) + "° spread) under the wind at the event"
}
