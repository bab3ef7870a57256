package ogc

import (
	"time"

	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// CollectionSensorAnomalies is the micro-sensor layer with the ADF screen.
const CollectionSensorAnomalies = "sensor-anomalies"

// WithSensorAnomalies adds the sensor-anomalies collection: every sensor of
// d at its position with its ADF class over the screen's window (indoor,
// emission, normal; absent for sensors without readings then), its MD
// score, its flagged and RED slice counts, its latest RED time and, for an
// indoor or emission device or one with a RED event, the anomaly id a case
// adds it by (airquery.AnomalyID).
func WithSensorAnomalies(res *adf.Result, d *sensor.Data) SourceOption {
	return func(o *sourceOptions) { o.screen, o.sensors = res, d }
}

// sensorCollection builds the layer.
func sensorCollection(res *adf.Result, d *sensor.Data) *memCollection {
	mc := newPointCollection(Collection{
		ID:    CollectionSensorAnomalies,
		Title: "Micro-sensor anomalies (ADF)",
		Description: "Air-quality micro-sensors with the ADF screen of the last 14 days of readings held: class (indoor, emission or " +
			"normal by the MD score against 0.2571), flagged slices and RED events. class selects by equality.",
		Filters: []Filter{{Name: "class", Description: "Only sensors of this class: indoor, emission, normal, or none (no readings in the window)."}},
	})
	byID := map[string]*adf.Device{}
	for i := range res.Devices {
		byID[res.Devices[i].DeviceID] = &res.Devices[i]
	}
	lastRED := map[string]time.Time{}
	for _, r := range res.RED {
		lastRED[r.DeviceID] = r.Time
	}
	for _, s := range d.Sensors {
		props := map[string]any{"device_id": s.ID, "kind": s.Kind, "class": "none", "md": nil, "emission_slices": nil,
			"indoor_slices": nil, "red_slices": nil, "last_red": nil, "window_from": res.From.Format(time.RFC3339), "window_to": res.To.Format(time.RFC3339)}
		if dv, ok := byID[s.ID]; ok {
			props["class"], props["md"] = dv.Class, dv.MD
			props["emission_slices"], props["indoor_slices"], props["red_slices"] = dv.Evidence.EmissionSlices, dv.Evidence.IndoorSlices, dv.Evidence.REDSlices
		}
		if t, ok := lastRED[s.ID]; ok {
			props["last_red"] = t.Format(time.RFC3339)
		}
		if props["class"] == adf.ClassIndoor || props["class"] == adf.ClassEmission || props["last_red"] != nil {
			props["anomaly_id"] = airquery.AnomalyID(s.ID, res.From, res.To)
		}
		mc.addFeature(Feature{ID: s.ID, Geometry: point(s.Point), Properties: props}, time.Time{})
	}
	mc.finish()
	return mc
}
