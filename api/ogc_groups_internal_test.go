package api

import (
	"context"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/fixtures/odoursynth"
	"github.com/envtrace/envtrace/fixtures/sensorsynth"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// ogcWorld is the central fixture's backend with 40 micro-sensors under
// the rendering plant's plume, and its OGC source.
func ogcWorld(tb testing.TB) (*MemoryBackend, *memoryOGC, *sensor.Data) {
	tb.Helper()
	dir := tb.TempDir()
	bs, err := fixtures.LoadCentral(context.Background(), dir)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := datadir.ReadWith(dir, bs.DS)
	if err != nil {
		tb.Fatal(err)
	}
	f, ok := d.Water.Facility("Q7301001")
	if !ok {
		tb.Fatal("the fixture has no rendering plant Q7301001")
	}
	lon, lat, _ := f.Position()
	sc, err := sensorsynth.Generate(context.Background(), sensorsynth.Config{Station: d.Monitors[0], Wind: d.Wind, Centre: [2]float64{lon, lat},
		Factories: []odoursynth.Factory{{ID: f.EmsNo, Name: f.Name, Industry: f.Industry, Lon: lon, Lat: lat}}, Sensors: 40, Hours: 3}, 3)
	if err != nil {
		tb.Fatal(err)
	}
	d.Sensors = sc.Data
	mb, err := NewMemoryBackendWithBasin(bs, WithAirData(d))
	if err != nil {
		tb.Fatal(err)
	}
	src, err := mb.OGCSource()
	if err != nil {
		tb.Fatal(err)
	}
	return mb, src.(*memoryOGC), sc.Data
}

// groupIdentity is the backing array of each analysis group's layers: a
// group recomputed gets a new one.
func groupIdentity(m *memoryOGC) map[string]uintptr {
	out := map[string]uintptr{}
	for name, g := range map[string]*layerGroup{"screen": &m.screenLayer, "petitions": &m.petitionLayers, "sensors": &m.sensorLayers,
		"violations": &m.violationLayers, "risk": &m.riskLayer, "surface": &m.surface} {
		if len(g.opts) > 0 {
			out[name] = reflect.ValueOf(g.opts).Pointer()
		}
	}
	return out
}

// TestOGCRebuildsOnlyTouchedLayers: after new water readings the OGC
// source recomputes the violation hot spots alone; after new sensor
// readings the sensor screen, its hot spots and the risk areas alone; the
// other layers are the ones computed before, and the collections served
// are the same set.
func TestOGCRebuildsOnlyTouchedLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the puff model and every analysis")
	}
	mb, m, sd := ogcWorld(t)
	first, err := m.current()
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := first.Collections(context.Background())
	before := groupIdentity(m)
	for _, g := range []string{"screen", "sensors", "violations", "risk", "surface"} {
		if before[g] == 0 {
			t.Fatalf("the fixture gives no %s layer: the test would not show it kept", g)
		}
	}
	changed := func(step string, want ...string) {
		t.Helper()
		src, err := m.current()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := src.Collections(context.Background()); len(got) != len(cols) {
			t.Errorf("after %s: %d collections, want %d", step, len(got), len(cols))
		}
		now := groupIdentity(m)
		for g, id := range before {
			rebuilt := now[g] != id
			wanted := false
			for _, w := range want {
				wanted = wanted || w == g
			}
			if rebuilt != wanted {
				t.Errorf("after %s the %s layers were rebuilt: %v, want %v", step, g, rebuilt, wanted)
			}
		}
		before = now
	}

	at := time.Date(2026, 12, 1, 8, 30, 0, 0, time.FixedZone("", 8*3600))
	if _, _, err := mb.IngestReadings(context.Background(), []model.Reading{{Station: "WQ-M01", Time: at, Parameter: "NH3-N", Value: 0.4, Unit: "mg/L"}}); err != nil {
		t.Fatal(err)
	}
	changed("a water reading", "violations")

	last := sd.Readings[len(sd.Readings)-1]
	more := &sensor.Data{Sensors: sd.Sensors, Readings: []sensor.Reading{{Device: last.Device, Time: last.Time.Add(5 * time.Minute),
		Parameter: last.Parameter, Value: last.Value, Unit: last.Unit}}}
	if st, err := mb.IngestSensors(context.Background(), more); err != nil || st.Readings != 1 {
		t.Fatalf("ingest sensors: %+v, %v", st, err)
	}
	changed("a sensor reading", "screen", "sensors", "risk")

	if _, err := m.current(); err != nil {
		t.Fatal(err)
	}
	changed("nothing")
}

// BenchmarkOGCAfterWaterReading measures the OGC source's rebuild after
// one new water reading, which recomputes the violation hot spots only,
// against the rebuild of every analysis layer (the groups forgotten), in
// the same run.
func BenchmarkOGCAfterWaterReading(b *testing.B) {
	mb, m, _ := ogcWorld(b)
	if _, err := m.current(); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 8, 30, 0, 0, time.FixedZone("", 8*3600))
	ingest := func(i int) {
		r := model.Reading{Station: "WQ-M01", Time: at.Add(time.Duration(i) * time.Hour), Parameter: "NH3-N", Value: 0.4, Unit: "mg/L"}
		if _, _, err := mb.IngestReadings(context.Background(), []model.Reading{r}); err != nil {
			b.Fatal(err)
		}
	}
	var touched, all, touchedCPU, allCPU time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		ingest(2 * i)
		start, cpu := time.Now(), processCPU()
		if _, err := m.current(); err != nil {
			b.Fatal(err)
		}
		touched, touchedCPU = touched+time.Since(start), touchedCPU+processCPU()-cpu
		ingest(2*i + 1)
		m.screenLayer, m.petitionLayers, m.sensorLayers, m.violationLayers, m.riskLayer, m.surface = layerGroup{}, layerGroup{}, layerGroup{}, layerGroup{}, layerGroup{}, layerGroup{}
		start, cpu = time.Now(), processCPU()
		src, err := m.current()
		if err != nil {
			b.Fatal(err)
		}
		all, allCPU = all+time.Since(start), allCPU+processCPU()-cpu
		cols, _ := src.Collections(context.Background())
		n = len(cols)
	}
	loops := float64(b.N)
	b.ReportMetric(touched.Seconds()*1e3/loops, "ms-touched/op")
	b.ReportMetric(all.Seconds()*1e3/loops, "ms-all/op")
	b.ReportMetric(touchedCPU.Seconds()*1e3/loops, "cpu-ms-touched/op")
	b.ReportMetric(allCPU.Seconds()*1e3/loops, "cpu-ms-all/op")
	b.ReportMetric(allCPU.Seconds()/touchedCPU.Seconds(), "x-cpu-all/touched")
	b.ReportMetric(float64(n), "collections")
}

// processCPU is the CPU time the process has used (user and system, every
// thread): on a shared machine it says what a rebuild cost where wall
// time says how long it waited.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
