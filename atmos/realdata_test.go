package atmos

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/internal/realdata"
)

func readCODiS(t testing.TB, rel string) *CODiSFile {
	t.Helper()
	f, err := os.Open(realdata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ReadCODiS(f, rel)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWuqiCODiS is acceptance test O-T6 of the wave-2 reference: Wuqi's
// 15,360 hours, its 137 fault rows and 2 variable rows flagged and never
// read as numbers, hour 24 as 00:00 of the next day, and the winter
// monsoon: in December–February 94.2 % of non-calm hours blow from
// 330°–060° inclusive (reference §7 A-2, measured independently).
func TestWuqiCODiS(t *testing.T) {
	c := readCODiS(t, "air/cwa_hourly/467770.csv")
	if c.Station != "467770" || len(c.Obs) != 15360 {
		t.Fatalf("station %s with %d hours, want 467770 with 15360", c.Station, len(c.Obs))
	}
	if c.Flags[Fault] != 137 || c.Flags[Variable] != 2 {
		t.Errorf("flags %v, want 137 fault and 2 variable", c.Flags)
	}
	if c.Flags[Calm] != 396 {
		t.Errorf("%d calm hours, want 396 (speed < 0.5 m/s)", c.Flags[Calm])
	}
	var sawMidnight bool
	var n, north int
	for _, o := range c.Obs {
		switch o.Flag {
		case Fault:
			if !math.IsNaN(o.Speed) || !math.IsNaN(o.Direction) {
				t.Fatalf("fault hour %s has numbers %v %v", o.Time, o.Speed, o.Direction)
			}
		case Variable:
			if !math.IsNaN(o.Direction) {
				t.Fatalf("variable hour %s has direction %v", o.Time, o.Direction)
			}
		}
		if _, off := o.Time.Zone(); off != 8*3600 {
			t.Fatalf("%s is not in Taiwan time", o.Time)
		}
		// The file's first day, 2020-06-01, ends with ObsTime 24.
		if o.Time.Equal(time.Date(2020, 6, 2, 0, 0, 0, 0, TaipeiTime)) {
			sawMidnight = true
		}
		if m := o.Time.Month(); o.Transports() && (m == time.December || m == time.January || m == time.February) {
			n++
			if o.Direction >= 330 || o.Direction <= 60 {
				north++
			}
		}
	}
	if !sawMidnight {
		t.Error("2020-06-01 hour 24 did not become 2020-06-02T00:00+08:00")
	}
	first, last := c.Obs[0].Time, c.Obs[len(c.Obs)-1].Time
	if want := time.Date(2020, 6, 1, 1, 0, 0, 0, TaipeiTime); !first.Equal(want) {
		t.Errorf("first hour %s, want %s", first, want)
	}
	if want := time.Date(2022, 3, 3, 0, 0, 0, 0, TaipeiTime); !last.Equal(want) {
		t.Errorf("last hour %s, want %s (2022-03-02 hour 24)", last, want)
	}
	share := float64(north) / float64(n)
	t.Logf("DJF: %d of %d non-calm hours from 330°–060° (%.4f)", north, n, share)
	if math.Abs(share-0.942) > 0.002 {
		t.Errorf("DJF share from 330°–060° = %.4f, want 0.942 ± 0.002", share)
	}
	if _, err := NewSeries(c.Station, 0, 0, c.Obs); err != nil {
		t.Errorf("the series has duplicate hours: %v", err)
	}
}

// TestTianzhongCODiS checks the other station's markers: 48 rows of "..."
// (not observed) and 1,283 calm hours (reference §7 A-3).
func TestTianzhongCODiS(t *testing.T) {
	c := readCODiS(t, "air/cwa_hourly/467270.csv")
	if len(c.Obs) != 15360 || c.Flags[Missing] != 48 || c.Flags[Calm] != 1283 {
		t.Errorf("%d hours, flags %v; want 15360 hours, 48 missing and 1283 calm", len(c.Obs), c.Flags)
	}
}

// TestCODiSMeta reads the station list and places the two stations 43 km
// apart, as the issue states.
func TestCODiSMeta(t *testing.T) {
	f, err := os.Open(realdata.Path(t, "air/cwa_hourly/meta.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := ReadCODiSMeta(f, "meta.csv")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Monitor{}
	for _, m := range ms {
		byID[m.ID] = m
	}
	wq, tz := byID["467770"], byID["467270"]
	if wq.Name != "梧棲" || tz.Name != "田中" || wq.Kind != Weather {
		t.Fatalf("meta gives %+v and %+v", wq, tz)
	}
	p, err := crs.PlanarFor(Bound(ms))
	if err != nil {
		t.Fatal(err)
	}
	x1, y1 := p.Forward(wq.Lon, wq.Lat)
	x2, y2 := p.Forward(tz.Lon, tz.Lat)
	if d := math.Hypot(x1-x2, y1-y2) / 1000; math.Abs(d-43) > 1 {
		t.Errorf("Wuqi–Tianzhong %.1f km, want about 43", d)
	}
}

// TestWuqiTianzhongConfidence runs the leave-one-out estimate over the two
// real stations: 43 km apart across the coastal plain, their winds differ
// enough that the class must not be High for most hours of a summer day,
// while a winter monsoon day, when both blow from the north, grades better.
func TestWuqiTianzhongConfidence(t *testing.T) {
	wq := readCODiS(t, "air/cwa_hourly/467770.csv")
	tz := readCODiS(t, "air/cwa_hourly/467270.csv")
	ms := []Monitor{{ID: wq.Station, Lon: wq.Lon, Lat: wq.Lat, Kind: Weather}, {ID: tz.Station, Lon: tz.Lon, Lat: tz.Lat, Kind: Weather}}
	p, err := crs.PlanarFor(Bound(ms))
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewField(p, ms, append(append([]Observation(nil), wq.Obs...), tz.Obs...))
	if err != nil {
		t.Fatal(err)
	}
	x, y := p.Forward(wq.Lon, wq.Lat)
	var winter, summer float64
	var nw, ns int
	for d := time.Date(2021, 1, 5, 0, 0, 0, 0, TaipeiTime); d.Before(time.Date(2021, 1, 25, 0, 0, 0, 0, TaipeiTime)); d = d.Add(24 * time.Hour) {
		c := f.Confidence(x, y, d.Add(9*time.Hour), d.Add(15*time.Hour))
		if c.Method != "leave-one-out cross-validation over 2 stations" {
			t.Fatalf("method %q", c.Method)
		}
		winter += c.DirectionErrorDeg
		nw++
	}
	for d := time.Date(2021, 7, 5, 0, 0, 0, 0, TaipeiTime); d.Before(time.Date(2021, 7, 25, 0, 0, 0, 0, TaipeiTime)); d = d.Add(24 * time.Hour) {
		c := f.Confidence(x, y, d, d.Add(6*time.Hour))
		summer += c.DirectionErrorDeg
		ns++
	}
	winter /= float64(nw)
	summer /= float64(ns)
	t.Logf("mean leave-one-out direction error: January afternoons %.1f°, July nights %.1f°", winter, summer)
	if !(winter < summer) {
		t.Errorf("winter monsoon direction error %.1f° is not below summer nights' %.1f°", winter, summer)
	}
	// A back-trajectory through the real field runs and stays finite.
	tr, err := BackTrajectory(context.Background(), f, x, y, time.Date(2021, 1, 10, 12, 0, 0, 0, TaipeiTime), TrajectoryOptions{})
	if err != nil || len(tr.Points) != 37 {
		t.Fatalf("trajectory: %d points, %v", len(tr.Points), err)
	}
	last := tr.Points[len(tr.Points)-1]
	if b := Bearing(last.X-x, last.Y-y); !(b > 300 || b < 90) {
		t.Errorf("January air came from bearing %.0f°, want the northern monsoon", b)
	}
}
