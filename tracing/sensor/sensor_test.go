package sensor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

var allLoc = sync.OnceValues(func() (*Data, error) {
	dir, err := realdata.Locate()
	if err != nil {
		return nil, err
	}
	return ReadCivilIoTFile(filepath.Join(dir, "air/civiliot_kaohsiung/allLoc.csv"))
})

// openAllLoc reads the course file once per test binary; the callers must
// not change it.
func openAllLoc(t testing.TB) *Data {
	t.Helper()
	realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv")
	d, err := allLoc()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCivilIoTRealFile reads the LearnCIOT course file: 52,523 rows of 20
// sensors, three readings a row, times in Taiwan time.
func TestCivilIoTRealFile(t *testing.T) {
	d := openAllLoc(t)
	if len(d.Sensors) != 20 {
		t.Fatalf("%d sensors, want 20", len(d.Sensors))
	}
	if len(d.Readings) != 3*52523 {
		t.Fatalf("%d readings, want %d", len(d.Readings), 3*52523)
	}
	s, ok := d.Sensor("74DA38F207DE")
	if !ok || s.Lon != 120.34 || s.Lat != 22.603 || s.Kind != KindAirBox {
		t.Fatalf("74DA38F207DE = %+v", s)
	}
	first := d.Series("PM2.5", time.Time{}, time.Time{})[0]
	want := time.Date(2022, 10, 15, 0, 0, 21, 0, Taipei)
	if first.Device != "74DA38F207DE" || !first.Time.Equal(want) || first.Value != 38 || first.Unit != "µg/m³" {
		t.Fatalf("first PM2.5 reading %+v", first)
	}
	if _, off := first.Time.Zone(); off != 8*3600 {
		t.Fatalf("offset %d", off)
	}
}

// TestDirRoundTrip writes the first 6,000 readings of the real file as a
// data directory and reads them back unchanged.
func TestDirRoundTrip(t *testing.T) {
	full := openAllLoc(t)
	d := &Data{Sensors: full.Sensors, Readings: full.Readings[:6000]}
	dir := t.TempDir()
	if err := WriteDir(dir, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Sensors) != len(d.Sensors) || len(back.Readings) != len(d.Readings) {
		t.Fatalf("read back %d sensors, %d readings", len(back.Sensors), len(back.Readings))
	}
	for i := range d.Readings {
		a, b := d.Readings[i], back.Readings[i]
		if a.Device != b.Device || !a.Time.Equal(b.Time) || a.Parameter != b.Parameter || a.Value != b.Value {
			t.Fatalf("reading %d: %+v became %+v", i, a, b)
		}
	}
	if _, err := model.ReadDir(dir); err != nil {
		t.Fatalf("the water reader refuses a directory with sensor files: %v", err)
	}
}

func TestMerge(t *testing.T) {
	at := time.Date(2024, 5, 1, 9, 0, 0, 0, Taipei)
	base := &Data{Sensors: []Sensor{{ID: "A", Point: model.FromLonLat(120.3, 22.6), Kind: KindAirBox}},
		Readings: []Reading{{Device: "A", Time: at, Parameter: "PM2.5", Value: 10, Unit: "µg/m³"}}}
	tests := []struct {
		name    string
		in      *Data
		want    Stats
		wantErr bool
	}{
		{"new reading", &Data{Readings: []Reading{{Device: "A", Time: at.Add(5 * time.Minute), Parameter: "PM2.5", Value: 12}}}, Stats{Readings: 1}, false},
		{"same reading again", &Data{Readings: []Reading{{Device: "A", Time: at.UTC(), Parameter: "PM2.5", Value: 10}}}, Stats{Duplicates: 1}, false},
		{"conflicting value", &Data{Readings: []Reading{{Device: "A", Time: at, Parameter: "PM2.5", Value: 11}}}, Stats{}, true},
		{"sensor moved 1 km", &Data{Sensors: []Sensor{{ID: "A", Point: model.FromLonLat(120.31, 22.6), Kind: KindAirBox}}}, Stats{}, true},
		{"new sensor", &Data{Sensors: []Sensor{{ID: "B", Point: model.FromLonLat(120.31, 22.6), Kind: KindAirBox}}}, Stats{Sensors: 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{Sensors: append([]Sensor(nil), base.Sensors...), Readings: append([]Reading(nil), base.Readings...)}
			st, err := Merge(d, tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("conflict is not ErrInvalid: %v", err)
				}
				if len(d.Readings) != 1 || len(d.Sensors) != 1 {
					t.Fatal("a failed merge changed the data")
				}
				return
			}
			if st != tc.want {
				t.Fatalf("stats %+v, want %+v", st, tc.want)
			}
		})
	}
}

// TestReadDirRejects names file, line and column for each kind of bad row.
func TestReadDirRejects(t *testing.T) {
	sensors := "device_id,lon,lat,kind\nA,120.3,22.6,airbox\n"
	tests := []struct {
		name, sensors, readings, col string
		is                           error
	}{
		{"time without zone", sensors, "device_id,time,parameter,value,unit\nA,2024-05-01T09:00:00,PM2.5,12,µg/m³\n", "time", nil},
		{"PM2.5 in mg/L", sensors, "device_id,time,parameter,value,unit\nA,2024-05-01T09:00:00+08:00,PM2.5,12,mg/L\n", "unit", param.ErrIncompatibleUnit},
		{"unknown parameter", sensors, "device_id,time,parameter,value,unit\nA,2024-05-01T09:00:00+08:00,PM1,12,µg/m³\n", "parameter", param.ErrUnknownParameter},
		{"unknown device", sensors, "device_id,time,parameter,value,unit\nB,2024-05-01T09:00:00+08:00,PM2.5,12,µg/m³\n", "device_id", nil},
		{"not a number", sensors, "device_id,time,parameter,value,unit\nA,2024-05-01T09:00:00+08:00,PM2.5,NaN,µg/m³\n", "value", nil},
		{"lon/lat swapped", "device_id,lon,lat\nA,22.6,120.3\n", "", "lon", nil},
		{"unknown kind", "device_id,lon,lat,kind\nA,120.3,22.6,satellite\n", "", "kind", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, model.FileSensors), []byte(tc.sensors), 0o644)
			if tc.readings != "" {
				os.WriteFile(filepath.Join(dir, model.FileSensorReadings), []byte(tc.readings), 0o644)
			}
			_, err := ReadDir(dir)
			var fe *model.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FieldError", err)
			}
			if fe.Column != tc.col || fe.Line != 2 {
				t.Fatalf("blamed %s line %d column %s, want line 2 column %s", fe.File, fe.Line, fe.Column, tc.col)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

func TestCivilIoTRejects(t *testing.T) {
	_, err := ReadCivilIoT(strings.NewReader("device_id,date,time,temperature,RH,PM2.5,lat,lon\nA,2022/10/15,00:00:05,27,100,1,22.6,120.3\n"), "x.csv")
	var fe *model.FieldError
	if !errors.As(err, &fe) || fe.Column != "time" || fe.Line != 2 {
		t.Fatalf("err = %v", err)
	}
	if _, err := ReadCivilIoT(strings.NewReader("device_id,when\n"), "x.csv"); err == nil {
		t.Fatal("a file with the wrong header was accepted")
	}
}

func TestWindowEvicts(t *testing.T) {
	w := NewWindow(24 * time.Hour)
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, Taipei)
	s := []Sensor{{ID: "A", Point: model.FromLonLat(120.3, 22.6), Kind: KindAirBox}}
	if _, err := w.Add(&Data{Sensors: s, Readings: []Reading{{Device: "A", Time: at, Parameter: "PM2.5", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	st, err := w.Add(&Data{Readings: []Reading{{Device: "A", Time: at.Add(25 * time.Hour), Parameter: "PM2.5", Value: 2}}})
	if err != nil || st.Readings != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	got := w.Snapshot().Readings
	if len(got) != 1 || got[0].Value != 2 || !w.Latest().Equal(at.Add(25*time.Hour)) {
		t.Fatalf("window holds %+v", got)
	}
}
