package adf

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/sensor"
)

const prefix = "74DA38F2"

var (
	// The course's window: 2022-10-15 to 2022-10-28, MD windows ending at
	// the start of 2022-10-29 (its TARGET_DATE).
	courseFrom = time.Date(2022, 10, 15, 0, 0, 0, 0, sensor.Taipei)
	courseTo   = time.Date(2022, 10, 29, 0, 0, 0, 0, sensor.Taipei)
)

func loadAllLoc(t testing.TB) *sensor.Data {
	t.Helper()
	d, err := sensor.ReadCivilIoTFile(realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func classes(res *Result) (indoor, emission []string, scores map[string]float64) {
	scores = map[string]float64{}
	for _, d := range res.Devices {
		switch d.Class {
		case ClassIndoor:
			indoor = append(indoor, d.DeviceID[len(prefix):])
		case ClassEmission:
			emission = append(emission, d.DeviceID[len(prefix):])
		}
		scores[d.DeviceID[len(prefix):]] = d.MD
	}
	return indoor, emission, scores
}

// TestAllLocGeodesic is acceptance test A-T1/A-T2 with true distances: the
// indoor and emission sets of wave2-reference §7, 157 RED slices, and DR
// in [0, 1] for every device-day.
func TestAllLocGeodesic(t *testing.T) {
	d := loadAllLoc(t)
	res, err := Run(context.Background(), d, courseFrom, courseTo, Default())
	if err != nil {
		t.Fatal(err)
	}
	indoor, emission, _ := classes(res)
	wantIndoor := []string{"0B20", "0B80", "0DD0", "0DD8", "0E42", "0F0C", "10FE"}
	wantEmission := []string{"07DE", "0DCE", "0DE0", "0E0E", "0E44", "0F2C"}
	if !slices.Equal(indoor, wantIndoor) {
		t.Errorf("indoor = %v, want %v", indoor, wantIndoor)
	}
	if !slices.Equal(emission, wantEmission) {
		t.Errorf("emission = %v, want %v", emission, wantEmission)
	}
	if len(res.RED) != 157 {
		t.Errorf("RED flags %d slices, want 157", len(res.RED))
	}
	checkEvents(t, res)
	for _, dv := range res.Devices {
		for _, r := range dv.Evidence.Rank {
			if r.Rank < 0 || r.Rank > 1 {
				t.Errorf("%s %s: DR %v outside [0,1]", dv.DeviceID, r.Date, r.Rank)
			}
		}
	}
}

// TestAllLocCourse reproduces the course's published output with its
// latitude-only distance: 8 indoor and 8 emission devices, emission
// scores within ±0.001 of the published ones.
func TestAllLocCourse(t *testing.T) {
	d := loadAllLoc(t)
	p := Default()
	p.Distance = DistanceCourse
	res, err := Run(context.Background(), d, courseFrom, courseTo, p)
	if err != nil {
		t.Fatal(err)
	}
	indoor, emission, scores := classes(res)
	wantIndoor := []string{"0B20", "0B80", "0C16", "0DD0", "0DD8", "0E42", "0F0C", "10FE"}
	if !slices.Equal(indoor, wantIndoor) {
		t.Errorf("indoor = %v, want %v", indoor, wantIndoor)
	}
	published := map[string]float64{"07DE": 0.7726, "0D7C": 0.3817, "0D8A": 0.4655, "0DCE": 0.5820, "0DE0": 0.5171, "0E0E": 0.7876, "0E44": 0.6946, "0F2C": 0.5933}
	var want []string
	for id := range published {
		want = append(want, id)
	}
	slices.Sort(want)
	if !slices.Equal(emission, want) {
		t.Errorf("emission = %v, want %v", emission, want)
	}
	for id, s := range published {
		if got := scores[id]; got < s-0.001 || got > s+0.001 {
			t.Errorf("%s emission score %.4f, published %.4f", id, got, s)
		}
	}
	if md := p.MDThreshold(); md < 0.25709 || md > 0.25715 {
		t.Errorf("MD threshold %v, want 0.2571", md)
	}
}

// checkEvents checks that Events lists exactly the emission and RED slices
// the devices' evidence counts, in time order.
func checkEvents(t *testing.T, res *Result) {
	t.Helper()
	emission, red := map[string]int{}, map[string]int{}
	evs := res.Events()
	for i, e := range evs {
		if !e.Emission && !e.RED {
			t.Fatalf("event %d (%s %s) is neither emission nor RED", i, e.DeviceID, e.Time)
		}
		if i > 0 && e.Time.Before(evs[i-1].Time) {
			t.Fatalf("event %d is out of time order", i)
		}
		if e.Emission {
			emission[e.DeviceID]++
		}
		if e.RED {
			red[e.DeviceID]++
		}
	}
	for _, dv := range res.Devices {
		if emission[dv.DeviceID] != dv.Evidence.EmissionSlices || red[dv.DeviceID] != dv.Evidence.REDSlices {
			t.Errorf("%s: events give %d emission and %d RED slices, evidence %d and %d", dv.DeviceID,
				emission[dv.DeviceID], red[dv.DeviceID], dv.Evidence.EmissionSlices, dv.Evidence.REDSlices)
		}
	}
}
