package datadir

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/model"
)

func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReadChecksReferences(t *testing.T) {
	const monitors = "monitor_id,name,kind,lon,lat\nW,Wuqi,weather,120.5234,24.2560\nA,Shalu,air,120.5697,24.2255\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"wind of an unknown monitor", map[string]string{model.FileMonitors: monitors,
			model.FileWind: "monitor_id,time,speed,direction,flag\nX,2024-01-01T00:00:00+08:00,3,20,\n"}, `wind.csv: monitor "X" is not in monitors.csv`},
		{"wind at an air monitor", map[string]string{model.FileMonitors: monitors,
			model.FileWind: "monitor_id,time,speed,direction,flag\nA,2024-01-01T00:00:00+08:00,3,20,\n"}, "does not measure wind"},
		{"readings at a weather station", map[string]string{model.FileMonitors: monitors,
			model.FileAirReadings: "monitor_id,time,parameter,value,unit\nW,2024-01-01T00:00:00+08:00,SO2,3,ppb\n"}, "does not measure air quality"},
		{"a bad petition", map[string]string{model.FilePetitions: "petition_id,time,lon,lat,category,intensity\nP1,2024-01-01T00:00:00+08:00,120.5,24.2,smells,3\n"}, "petitions.csv:2"},
		{"a bad monitor", map[string]string{model.FileMonitors: "monitor_id,name,kind,lon,lat\nW,Wuqi,rain,120.5,24.2\n"}, "monitors.csv:2: column kind"},
		{"a water parameter at a sensor", map[string]string{model.FileSensors: "device_id,lon,lat\nS1,120.3,22.6\n",
			model.FileSensorReadings: "device_id,time,parameter,value,unit\nS1,2024-01-01T00:00:00+08:00,Cu,3,mg/L\n"}, "sensor_readings.csv:2: column parameter"},
		{"a bad CEMS status", map[string]string{model.FileCEMS: "ems_no,stack_id,time,parameter,value,unit,status\nE1,P001,2024-05-06T00:00:00+08:00,SO2,1,ppm,99\n"}, "cems.csv:2: column status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(write(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, model.ErrInvalid) && !strings.Contains(err.Error(), ".csv:") {
				t.Errorf("%v is neither ErrInvalid nor located", err)
			}
		})
	}
}

// TestReadComposesEveryKind reads the monitors' and the micro-sensors'
// readings side by side (air_readings.csv and sensor_readings.csv are
// different files) with an air permit, through the one directory reader.
func TestReadComposesEveryKind(t *testing.T) {
	d, err := Read(write(t, map[string]string{
		model.FileMonitors:       "monitor_id,name,kind,lon,lat\nA,Shalu,air,120.5697,24.2255\n",
		model.FileAirReadings:    "monitor_id,time,parameter,value,unit\nA,2024-01-01T00:00:00+08:00,SO2,3,ppb\n",
		model.FileSensors:        "device_id,lon,lat\nS1,120.3,22.6\n",
		model.FileSensorReadings: "device_id,time,parameter,value,unit\nS1,2024-01-01T00:00:00+08:00,PM2.5,0.035,mg/m3\n",
		model.FileAirPermits:     "ems_no,per_no,stack_id,pollutant,permitted_rate,permitted_unit,capacity,capacity_unit,fuel\nE1,X,P001,SOx,10,kg/h,2,kL/h,重油\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.AirReadings) != 1 || d.AirReadings[0].Value != 3 || d.AirReadings[0].Unit != "ppb" {
		t.Errorf("air readings %+v", d.AirReadings)
	}
	if len(d.Sensors.Sensors) != 1 || len(d.Sensors.Readings) != 1 || d.Sensors.Readings[0].Value != 35 || d.Sensors.Readings[0].Unit != "µg/m³" {
		t.Errorf("sensors %+v", d.Sensors)
	}
	if len(d.AirPermits.Permits) != 1 || d.AirPermits.Permits[0].Pollutant != "SO2" || d.AirPermits.Permits[0].PermittedKgH != 10 {
		t.Errorf("air permits %+v", d.AirPermits.Permits)
	}
}

func TestExtendIsRepeatableAndRefusesConflicts(t *testing.T) {
	dir := t.TempDir()
	m := atmos.Monitor{ID: "W", Name: "Wuqi", Lon: 120.5234, Lat: 24.256, Kind: atmos.Weather, AltitudeM: math.NaN()}
	at := time.Date(2024, 1, 1, 1, 0, 0, 0, atmos.TaipeiTime)
	obs := []atmos.Observation{atmos.Classify(atmos.Observation{Station: "W", Time: at, Speed: 3.25, Direction: 20, SigmaTheta: math.NaN()})}
	got, err := Extend(dir, []atmos.Monitor{m}, obs, nil)
	if err != nil || got != (Imported{Monitors: 1, Wind: 1}) {
		t.Fatalf("first import: %+v %v", got, err)
	}
	got, err = Extend(dir, []atmos.Monitor{m}, obs, nil)
	if err != nil || got != (Imported{}) {
		t.Fatalf("repeated import: %+v %v", got, err)
	}
	changed := obs[0]
	changed.Direction = 40
	var ce *atmos.ConflictError
	if _, err := Extend(dir, nil, []atmos.Observation{changed}, nil); !errors.As(err, &ce) {
		t.Fatalf("a changed hour: %v", err)
	}
	moved := m
	moved.Lon += 0.1
	if _, err := Extend(dir, []atmos.Monitor{moved}, nil, nil); !errors.As(err, &ce) {
		t.Fatalf("a moved monitor: %v", err)
	}
	m2 := m
	m2.Kind = atmos.Air
	r, err := air.NewReading("W", at, "SO2", 3, "ppb")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Extend(dir, []atmos.Monitor{m2}, nil, []air.Reading{r}); err != nil || got.Readings != 1 {
		t.Fatalf("adding readings: %+v %v", got, err)
	}
	d, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Monitors) != 1 || d.Monitors[0].Kind != atmos.Both || len(d.Wind) != 1 || d.Wind[0].Speed != 3.25 || len(d.AirReadings) != 1 {
		t.Errorf("directory after imports: %+v %+v %+v", d.Monitors, d.Wind, d.AirReadings)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
