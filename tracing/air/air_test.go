package air

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/param"
)

var t0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func TestNewReading(t *testing.T) {
	tests := []struct {
		name, p, unit string
		v, want       float64
		flag          Flag
		is            error
		msg           string
	}{
		{name: "H2S ppm to ppb", p: "H2S", unit: "ppm", v: 0.008, want: 8},
		{name: "SO2 from µg/m³", p: "二氧化硫", unit: "ug/m3", v: 26.19, want: 10.0},
		{name: "small negative kept", p: "SO2", unit: "ppm", v: -0.001, want: -1, flag: Negative},
		{name: "negative PM kept", p: "PM2.5", unit: "µg/m³", v: -2, want: -2, flag: Negative},
		{name: "large negative refused", p: "SO2", unit: "ppm", v: -0.02, msg: "more negative than instrument noise"},
		{name: "CO floor in ppm", p: "CO", unit: "ppm", v: -0.004, want: -0.004, flag: Negative},
		{name: "water parameter refused", p: "COD", unit: "mg/L", v: 3, msg: "water parameter"},
		{name: "particles in ppm refused", p: "PM10", unit: "ppm", v: 3, is: param.ErrIncompatibleUnit},
		{name: "unknown parameter", p: "unobtainium", unit: "ppm", v: 3, is: param.ErrUnknownParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReading("M", t0, tt.p, tt.v, tt.unit)
			switch {
			case tt.is != nil || tt.msg != "":
				if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want %v %q", err, tt.is, tt.msg)
				}
			case err != nil:
				t.Fatal(err)
			case math.Abs(r.Value-tt.want) > 0.001*math.Max(1, math.Abs(tt.want)) || r.Flag != tt.flag:
				t.Errorf("reading %+v, want %v flagged %q", r, tt.want, tt.flag)
			}
		})
	}
}

func TestReadingsFile(t *testing.T) {
	var buf bytes.Buffer
	in := []Reading{{Monitor: "B", Time: t0, Parameter: "SO2", Value: 3.5, Unit: "ppb"}, {Monitor: "A", Time: t0, Parameter: "PM2.5", Value: -1, Unit: "µg/m³", Flag: Negative}}
	if err := WriteReadings(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadReadings(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Monitor != "A" || out[0].Flag != Negative || out[1].Value != 3.5 {
		t.Errorf("round trip: %+v", out)
	}
	const head = "monitor_id,time,parameter,value,unit\n"
	for body, want := range map[string]string{
		"A,2024-03-01T00:00:00,SO2,3,ppb\n":                                         "no zone offset",
		"A,2024-03-01T00:00:00Z,SO2,,ppb\n":                                         "column value: required",
		"A,2024-03-01T00:00:00Z,Cu,3,ppm\n":                                         "water parameter",
		"A,2024-03-01T00:00:00Z,SO2,3,ppb\nA,2024-03-01T08:00:00+08:00,SO2,4,ppb\n": "already has SO2",
	} {
		_, err := ReadReadings(strings.NewReader(head + body))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "air_readings.csv:") {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

func TestPercentileType7(t *testing.T) {
	// R: quantile(c(1, 2, 3, 4, 10), 0.9) = 7.6; quantile(1:10, 0.5) = 5.5.
	if p := percentile([]float64{1, 2, 3, 4, 10}, 0.9); math.Abs(p-7.6) > 1e-12 {
		t.Errorf("P90 = %v, want 7.6", p)
	}
	if p := percentile([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.5); p != 5.5 {
		t.Errorf("P50 = %v, want 5.5", p)
	}
}

// TestCPFSectorsAndOptions builds a monitor with a source due east: the
// hours from 80°–100° carry high values. The peak must be there, 359.9°
// must land in the last sector and 360° in the first, calm hours below the
// minimum speed must drop out, and bad options must be refused.
func TestCPFSectorsAndOptions(t *testing.T) {
	m := atmos.Monitor{ID: "M", Lon: 120.5, Lat: 24.2, Kind: atmos.Both}
	var wind []atmos.Observation
	var rs []Reading
	dirs := []float64{0, 85, 95, 359.9, 360, 180, 270, 85, 10, 20}
	for i := range 100 {
		d := dirs[i%len(dirs)]
		at := t0.Add(time.Duration(i) * time.Hour)
		speed := 3.0
		if i%25 == 0 {
			speed = 0.3 // calm, kept out by the minimum speed
		}
		wind = append(wind, atmos.Classify(atmos.Observation{Station: "M", Time: at, Speed: speed, Direction: d, SigmaTheta: math.NaN()}))
		v := 1.0
		if d > 80 && d < 100 {
			v = 20
		}
		rs = append(rs, Reading{Monitor: "M", Time: at, Parameter: "H2S", Value: v, Unit: "ppb"})
	}
	east := Site{ID: "E", Name: "east plant", Lon: 120.52, Lat: 24.2}
	west := Site{ID: "W", Name: "west plant", Lon: 120.48, Lat: 24.2}
	res, err := CPF(m, wind, rs, []Site{east, west}, CPFOptions{Percentile: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 96 || res.Peak.FromDeg != 80 {
		t.Errorf("N %d, peak %+v; want 96 hours and the [80, 90) sector", res.N, res.Peak)
	}
	if res.Sectors[35].N != 10 || res.Sectors[0].N != 18 {
		t.Errorf("359.9° and 360°: last sector %d hours, first %d; want 10 and 18 (two calm hours at 0° left out)", res.Sectors[35].N, res.Sectors[0].N)
	}
	if len(res.Facilities) != 1 || res.Facilities[0].FacilityID != "E" || math.Abs(res.Facilities[0].BearingDeg-90) > 0.5 {
		t.Errorf("facilities in high sectors: %+v, want the east plant at 90°", res.Facilities)
	}
	for _, bad := range []CPFOptions{{Percentile: 100}, {SectorDeg: 7}, {MinSpeed: -1, HasMinSpeed: true}} {
		if _, err := CPF(m, wind, rs, nil, bad); !errors.Is(err, ErrBadOption) {
			t.Errorf("options %+v: err = %v", bad, err)
		}
	}
	if _, err := CPF(m, nil, rs, nil, CPFOptions{}); !errors.Is(err, ErrNoHours) {
		t.Errorf("no wind: err = %v", err)
	}
}
