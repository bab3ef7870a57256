package atmos

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The samples in testdata/cwa are hand-written from O-A0001-001's
// published field layout (see testdata/cwa/README.md): made-up stations
// and values, not CWA data. The expectations below are read off the files
// by hand.

func readCWASample(t *testing.T, name string) *CWAObsFile {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "cwa", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ReadCWAObs(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sameFloat compares with NaN equal to NaN.
func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

func TestReadCWAObsAPI(t *testing.T) {
	c := readCWASample(t, "O-A0001-001-api.json")
	at := time.Date(2026, 3, 2, 14, 0, 0, 0, TaipeiTime)
	nan := math.NaN()
	want := []struct {
		id           string
		speed, dir   float64
		flag         Flag
		lon, lat, up float64
		name, note   string
	}{
		{"C0XA01", 6.4, 320, Good, 120.52523, 24.25617, 31, "測站甲", "臺中市梧棲區"},
		{"C0XA02", 0.3, nan, Calm, 120.54018, 24.07932, 18, "測站乙", "彰化縣彰化市"},    // a calm's direction 0 is no direction
		{"C0XA03", nan, nan, Missing, 120.68412, 24.14738, nan, "測站丙", "臺中市西區"}, // -99: gaps, not zeros
		{"C0XA04", 5.2, 0, Good, 120.49712, 24.19433, 12.5, "測站丁", "臺中市龍井區"},    // 360° is north
		{"C0XA05", nan, nan, Missing, 120.57924, 23.95631, 40, "測站戊", "彰化縣員林市"}, // direction -990
	}
	if len(c.Obs) != len(want) || len(c.Monitors) != len(want) {
		t.Fatalf("%d observations, %d monitors, want %d", len(c.Obs), len(c.Monitors), len(want))
	}
	for i, w := range want {
		o, m := c.Obs[i], c.Monitors[i]
		if o.Station != w.id || !o.Time.Equal(at) || !sameFloat(o.Speed, w.speed) || !sameFloat(o.Direction, w.dir) || o.Flag != w.flag || !math.IsNaN(o.SigmaTheta) {
			t.Errorf("%s: observation %+v, want %v m/s from %v° flag %q at %s", w.id, o, w.speed, w.dir, w.flag, at)
		}
		if _, off := o.Time.Zone(); off != 8*3600 {
			t.Errorf("%s: time %s is not in Taiwan time", w.id, o.Time)
		}
		// The WGS84 entry, not the TWD67 one beside it.
		if m.ID != w.id || m.Lon != w.lon || m.Lat != w.lat || !sameFloat(m.AltitudeM, w.up) || m.Name != w.name || m.Note != w.note || m.Kind != Weather {
			t.Errorf("%s: monitor %+v", w.id, m)
		}
	}
	if c.Flags[Good] != 2 || c.Flags[Calm] != 1 || c.Flags[Missing] != 2 {
		t.Errorf("flags %v", c.Flags)
	}
}

// TestReadCWAObsFileForm reads the file download, whose numbers are
// strings, an hour after the API sample.
func TestReadCWAObsFileForm(t *testing.T) {
	c := readCWASample(t, "O-A0001-001-file.json")
	if len(c.Obs) != 2 {
		t.Fatalf("%d observations, want 2", len(c.Obs))
	}
	o, m := c.Obs[0], c.Monitors[0]
	if o.Station != "C0XA01" || o.Speed != 7.1 || o.Direction != 310 || o.Flag != Good || !o.Time.Equal(time.Date(2026, 3, 2, 15, 0, 0, 0, TaipeiTime)) {
		t.Errorf("first observation %+v", o)
	}
	if m.Lon != 120.52523 || m.Lat != 24.25617 {
		t.Errorf("first station at %v, %v, want its WGS84 120.52523, 24.25617", m.Lon, m.Lat)
	}
}

// cwaOne is a one-station file in the API form; the tests replace parts
// of it to make it bad.
const cwaOne = `{"records": {"Station": [{"StationName": "測站甲", "StationId": "C0XA01",
 "ObsTime": {"DateTime": "2026-03-02T14:00:00+08:00"},
 "GeoInfo": {"Coordinates": [{"CoordinateName": "TWD67", "StationLatitude": 24.258, "StationLongitude": 120.517},
   {"CoordinateName": "WGS84", "StationLatitude": 24.25617, "StationLongitude": 120.52523}], "StationAltitude": "31.0"},
 "WeatherElement": {"WindDirection": 320.0, "WindSpeed": 6.4}}]}}`

func TestReadCWAObsTimes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-03-02T14:00:00+08:00", "2026-03-02T14:00:00+08:00"},
		{"2026-03-02T06:00:00Z", "2026-03-02T14:00:00+08:00"}, // kept in Taiwan time
		{"2026-03-02 14:00:00", "2026-03-02T14:00:00+08:00"},  // no zone: Taiwan time
		{"2026-03-02T14:00:00", "2026-03-02T14:00:00+08:00"},
	} {
		c, err := ReadCWAObs(strings.NewReader(strings.Replace(cwaOne, "2026-03-02T14:00:00+08:00", tc.in, 1)), "t.json")
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := c.Obs[0].Time.Format(time.RFC3339); got != tc.want {
			t.Errorf("%s read as %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestReadCWAObsBadInput: each bad file is refused with an error naming
// the file, the station and the field.
func TestReadCWAObsBadInput(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"not JSON", cwaOne, `{"records": `, []string{"t.json", "not O-A0001-001 JSON"}},
		{"another layout", cwaOne, `{"data": []}`, []string{"t.json", "records.Station"}},
		{"another product", cwaOne, `{"cwaopendata": {"dataid": "O-A0003-001", "dataset": {"Station": []}}}`, []string{"t.json", "O-A0003-001"}},
		{"no stations", cwaOne, `{"records": {"Station": []}}`, []string{"t.json", "no stations"}},
		{"no id", `"StationId": "C0XA01",`, ``, []string{"t.json", "station 1 of 1", "StationId"}},
		{"no time", `"DateTime": "2026-03-02T14:00:00+08:00"`, `"DateTime": ""`, []string{"C0XA01", "ObsTime.DateTime", "required"}},
		{"bad time", `2026-03-02T14:00:00+08:00`, `yesterday`, []string{"C0XA01", "ObsTime.DateTime", "yesterday"}},
		{"no WGS84", `"CoordinateName": "WGS84"`, `"CoordinateName": "TWD97"`, []string{"C0XA01", "GeoInfo.Coordinates", "no WGS84"}},
		{"latitude -99", `"StationLatitude": 24.25617`, `"StationLatitude": -99`, []string{"C0XA01", "GeoInfo.Coordinates[WGS84]", "no position"}},
		{"latitude 124", `"StationLatitude": 24.25617`, `"StationLatitude": 124.25617`, []string{"C0XA01", "GeoInfo.Coordinates[WGS84]", "not a longitude and latitude"}},
		{"latitude text", `"StationLatitude": 24.25617`, `"StationLatitude": "north"`, []string{"C0XA01", "GeoInfo.Coordinates[WGS84]"}},
		{"no latitude", `"StationLatitude": 24.25617, `, ``, []string{"C0XA01", "GeoInfo.Coordinates[WGS84].StationLatitude", "missing"}},
		{"no speed", `, "WindSpeed": 6.4`, ``, []string{"C0XA01", "WeatherElement.WindSpeed", "missing"}},
		{"speed text", `"WindSpeed": 6.4`, `"WindSpeed": "fast"`, []string{"C0XA01", "WeatherElement.WindSpeed", `"fast" is not a number`}},
		{"speed NaN", `"WindSpeed": 6.4`, `"WindSpeed": "NaN"`, []string{"C0XA01", "WeatherElement.WindSpeed"}},
		{"speed negative", `"WindSpeed": 6.4`, `"WindSpeed": -3`, []string{"C0XA01", "WeatherElement.WindSpeed", "implausible"}},
		{"speed in km/h", `"WindSpeed": 6.4`, `"WindSpeed": 230`, []string{"C0XA01", "WeatherElement.WindSpeed", "implausible"}},
		{"speed an object", `"WindSpeed": 6.4`, `"WindSpeed": {"value": 6.4}`, []string{"t.json", "station 1 of 1", "WeatherElement.WindSpeed"}},
		{"direction out of range", `"WindDirection": 320.0`, `"WindDirection": 400`, []string{"C0XA01", "WeatherElement.WindDirection", "0–360"}},
		{"direction text", `"WindDirection": 320.0`, `"WindDirection": "NW"`, []string{"C0XA01", "WeatherElement.WindDirection"}},
		{"station twice", `}]}}`, `}, {"StationId": "C0XA01", "ObsTime": {"DateTime": "2026-03-02T14:00:00+08:00"}, "GeoInfo": {"Coordinates": [{"CoordinateName": "WGS84", "StationLatitude": 24.2, "StationLongitude": 120.5}]}, "WeatherElement": {"WindDirection": 320.0, "WindSpeed": 6.4}}]}}`,
			[]string{"C0XA01", "StationId", "already station 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Replace(cwaOne, tc.old, tc.new, 1)
			if in == cwaOne {
				t.Fatalf("the test changes nothing: %q is not in the template", tc.old)
			}
			_, err := ReadCWAObs(strings.NewReader(in), "t.json")
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// FuzzReadCWAObs: whatever the bytes, ReadCWAObs returns an error or
// observations that pass Check, in Taiwan time, at finite WGS84 positions;
// it never panics.
func FuzzReadCWAObs(f *testing.F) {
	for _, name := range []string{"O-A0001-001-api.json", "O-A0001-001-file.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "cwa", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(cwaOne))
	f.Add([]byte(`{"records": {"Station": [{"StationId": "X"}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ReadCWAObs(strings.NewReader(string(b)), "f.json")
		if err != nil {
			return
		}
		if len(c.Obs) == 0 || len(c.Obs) != len(c.Monitors) {
			t.Fatalf("%d observations, %d monitors", len(c.Obs), len(c.Monitors))
		}
		for i, o := range c.Obs {
			if err := Check(o); err != nil {
				t.Fatalf("%+v: %v", o, err)
			}
			if _, off := o.Time.Zone(); off != 8*3600 {
				t.Fatalf("%s is not in Taiwan time", o.Time)
			}
			m := c.Monitors[i]
			if m.ID != o.Station || math.IsNaN(m.Lon) || math.IsNaN(m.Lat) || math.Abs(m.Lon) > 180 || math.Abs(m.Lat) > 90 {
				t.Fatalf("monitor %+v for %+v", m, o)
			}
		}
	})
}
