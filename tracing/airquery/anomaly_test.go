package airquery_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// TestAnomalyIDRoundTrip: an id made from a device and a window parses
// back to them, in any zone the window was given.
func TestAnomalyIDRoundTrip(t *testing.T) {
	from := time.Date(2022, 10, 14, 16, 0, 0, 0, time.UTC) // 2022-10-15 00:00 Taiwan time
	id := airquery.AnomalyID("74DA38F2071C@lab", from, from.AddDate(0, 0, 14))
	if id != "74DA38F2071C@lab@2022-10-15T00:00+08:00/2022-10-29T00:00+08:00" {
		t.Fatalf("id %s", id)
	}
	dev, q, err := airquery.ParseAnomalyID(id)
	if err != nil {
		t.Fatal(err)
	}
	if dev != "74DA38F2071C@lab" || !q.From.Equal(from) || !q.To.Equal(from.AddDate(0, 0, 14)) {
		t.Errorf("parsed %s %s %s", dev, q.From, q.To)
	}
}

// TestAnomalyIDMalformed: each malformed id is refused naming the id.
func TestAnomalyIDMalformed(t *testing.T) {
	for name, id := range map[string]string{
		"no device":        "@2022-10-15T00:00+08:00/2022-10-29T00:00+08:00",
		"no window":        "A-1",
		"one time":         "D1@2022-10-15T00:00+08:00",
		"no zone":          "D1@2022-10-15T00:00/2022-10-29T00:00",
		"backwards":        "D1@2022-10-29T00:00+08:00/2022-10-15T00:00+08:00",
		"longer than 15 d": "D1@2022-10-01T00:00+08:00/2022-10-29T00:00+08:00",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := airquery.ParseAnomalyID(id)
			ie, ok := airquery.IsInvalid(err)
			if !ok || ie.Field != "id" {
				t.Fatalf("%q: %v", id, err)
			}
		})
	}
}

// TestAnomalyResolvesCourseVerdicts resolves the id of every device of the
// course's two-week window (acceptance test A-T1: 7 indoor and 6 emission
// devices) and checks each summary against the screen's own entry; a
// normal device without RED events and an unknown one are no anomaly.
func TestAnomalyResolvesCourseVerdicts(t *testing.T) {
	d, err := sensor.ReadCivilIoTFile(realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv"))
	if err != nil {
		t.Fatal(err)
	}
	src := &airquery.Sources{Sensors: d}
	from := time.Date(2022, 10, 15, 0, 0, 0, 0, sensor.Taipei)
	to := from.AddDate(0, 0, 14)
	ctx := context.Background()
	screen, err := airquery.RunAnomalies(ctx, src, airquery.Anomalies{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	red := map[string]int{}
	for _, r := range screen.RED {
		red[r.DeviceID]++
	}
	classes := map[string]int{}
	refused := 0
	for _, dv := range screen.Devices {
		s, err := airquery.Anomaly(ctx, src, airquery.AnomalyID(dv.DeviceID, from, to))
		if dv.Class == adf.ClassNormal && red[dv.DeviceID] == 0 {
			if !errors.Is(err, airquery.ErrNoAnomaly) {
				t.Errorf("normal device %s without RED: %v", dv.DeviceID, err)
			}
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", dv.DeviceID, err)
		}
		classes[s.Class]++
		if s.Class != dv.Class || s.MD != dv.MD || len(s.Neighbours) != len(dv.Evidence.Neighbours) || len(s.RED) != red[dv.DeviceID] ||
			s.REDSlices != dv.Evidence.REDSlices || s.Lon == 0 || s.Lat == 0 || !s.From.Equal(from) || !s.To.Equal(to) {
			t.Errorf("%s: summary %+v, screen %+v", dv.DeviceID, s, dv)
		}
	}
	if classes[adf.ClassIndoor] != 7 || classes[adf.ClassEmission] != 6 {
		t.Errorf("classes %v, want 7 indoor and 6 emission", classes)
	}
	t.Logf("%d devices: %v, %d normal without RED refused", len(screen.Devices), classes, refused)
	if _, err := airquery.Anomaly(ctx, src, airquery.AnomalyID("NO-SUCH-DEVICE", from, to)); !errors.Is(err, airquery.ErrNoAnomaly) {
		t.Errorf("unknown device: %v", err)
	}
}
