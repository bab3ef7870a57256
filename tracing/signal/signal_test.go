package signal

import (
	"errors"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// TestSensorExceedances: hour 09 of A averages (30+50)/2 = 40 > 35 and
// counts; hour 10 averages 20 and does not; B never exceeds. The period is
// the data's Taiwan day.
func TestSensorExceedances(t *testing.T) {
	at := time.Date(2024, 5, 1, 9, 10, 0, 0, sensor.Taipei)
	d := &sensor.Data{
		Sensors: []sensor.Sensor{{ID: "A", Point: model.FromLonLat(120.3, 22.6)}, {ID: "B", Point: model.FromLonLat(120.31, 22.6)}},
		Readings: []sensor.Reading{
			{Device: "A", Time: at, Parameter: "PM2.5", Value: 30}, {Device: "A", Time: at.Add(20 * time.Minute), Parameter: "PM2.5", Value: 50},
			{Device: "A", Time: at.Add(time.Hour), Parameter: "PM2.5", Value: 20}, {Device: "A", Time: at, Parameter: "RH", Value: 99},
			{Device: "B", Time: at, Parameter: "PM2.5", Value: 35},
		},
	}
	in, err := SensorExceedances(d, DefaultExceedance).Input(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Sites) != 2 || len(in.Events) != 1 || in.Events[0].Source != "A" || !in.Events[0].Time.Equal(time.Date(2024, 5, 1, 9, 0, 0, 0, sensor.Taipei)) {
		t.Fatalf("%+v", in)
	}
	if !in.From.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, sensor.Taipei)) || !in.To.Equal(time.Date(2024, 5, 2, 0, 0, 0, 0, sensor.Taipei)) {
		t.Fatalf("period %v–%v", in.From, in.To)
	}
}

func TestByName(t *testing.T) {
	ps, err := ByName(NamePetitions, nil, nil, []odour.Petition{{ID: "P1", Time: time.Now(), Lon: 120.5, Lat: 24, Category: odour.Category{Group: "industrial"}, Intensity: 3}}, nil, 35, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Input(time.Time{}, time.Time{}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("petitions without fuzzing: %v", err)
	}
	if _, err := ByName("smells", nil, nil, nil, nil, 35, nil); err == nil {
		t.Fatal("an unknown signal was accepted")
	}
	s, err := ByName(NameViolations, &model.Dataset{}, nil, nil, nil, 35, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Input(time.Time{}, time.Time{}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("violations without facilities: %v", err)
	}
}

// TestPetitionsAtPublicLocations: each nuisance petition is one event at
// its fuzzed location, never the exact one; a "nice" odour and an
// intensity-0 report are not events.
func TestPetitionsAtPublicLocations(t *testing.T) {
	at := time.Date(2026, 8, 20, 21, 0, 0, 0, sensor.Taipei)
	ind := odour.Category{Group: "industrial"}
	ps := []odour.Petition{
		{ID: "P1", Time: at, Lon: 120.50, Lat: 24.00, Category: ind, Intensity: 3},
		{ID: "P2", Time: at.Add(time.Hour), Lon: 120.51, Lat: 24.01, Category: ind, Intensity: 2},
		{ID: "P3", Time: at, Lon: 120.52, Lat: 24.02, Category: odour.Category{Group: "nice"}, Intensity: 3},
		{ID: "P4", Time: at, Lon: 120.53, Lat: 24.03, Category: ind, Intensity: 0},
	}
	shift := func(lon, lat float64) (float64, float64, error) { return lon + 0.001, lat - 0.001, nil }
	in, err := Petitions(ps, shift).Input(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Events) != 2 || in.Events[0].Source != "P1" || in.Events[1].Source != "P2" {
		t.Fatalf("events %+v", in.Events)
	}
	for i, e := range in.Events {
		exact := model.FromLonLat(ps[i].Lon, ps[i].Lat)
		plon, plat, _ := shift(ps[i].Lon, ps[i].Lat)
		public := model.FromLonLat(plon, plat)
		if e.Point[0] == exact.X || e.Point[0] != public.X || e.Point[1] != public.Y {
			t.Errorf("%s mapped at %v, want the public %v (exact %v)", e.Source, e.Point, public, exact)
		}
	}
}
