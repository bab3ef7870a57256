package signal

import (
	"errors"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
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
	if _, err := ByName(NamePetitions, nil, nil, 35); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("petitions: %v", err)
	}
	if _, err := ByName("smells", nil, nil, 35); err == nil {
		t.Fatal("an unknown signal was accepted")
	}
	s, err := ByName(NameViolations, &model.Dataset{}, nil, 35)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Input(time.Time{}, time.Time{}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("violations without facilities: %v", err)
	}
}
