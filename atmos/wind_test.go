package atmos

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2021, 1, 10, 12, 0, 0, 0, TaipeiTime)

func obs(station string, h int, speed, dir float64) Observation {
	return Classify(Observation{Station: station, Time: t0.Add(time.Duration(h) * time.Hour), Speed: speed, Direction: dir, SigmaTheta: math.NaN()})
}

func flagged(station string, h int, f Flag) Observation {
	return Classify(Observation{Station: station, Time: t0.Add(time.Duration(h) * time.Hour), Flag: f, SigmaTheta: math.NaN()})
}

func mustSeries(t *testing.T, id string, x, y float64, o ...Observation) *Series {
	t.Helper()
	s, err := NewSeries(id, x, y, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeriesInterpolatesComponents(t *testing.T) {
	s := mustSeries(t, "A", 0, 0,
		obs("A", 0, 4, 350), obs("A", 1, 4, 10), // across north
		obs("A", 2, 0.2, 200), // calm: the direction is kept but moves nothing
		flagged("A", 3, Fault),
		obs("A", 4, 2, 90),
		flagged("A", 5, Fault), flagged("A", 6, Fault),
		obs("A", 7, 2, 270),
	)
	at := func(h float64) (Sample, bool) { return s.At(t0.Add(time.Duration(h * float64(time.Hour)))) }
	tests := []struct {
		name  string
		h     float64
		ok    bool
		from  float64 // NaN for calm
		speed float64
	}{
		{"on an hour", 0, true, 350, 4},
		{"halfway across north averages to north, not south", 0.5, true, 0, 4},
		{"towards a calm the vector shrinks", 1.5, true, 10, 2.1},
		{"a calm hour has no direction", 2, true, math.NaN(), 0.2},
		{"one faulty hour is bridged", 3.5, true, 90, 0.2 + 0.75*1.8},
		{"two faulty hours are not", 5.5, false, 0, 0},
		{"before the record", -1, false, 0, 0},
		{"after the record", 8, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ok := at(tt.h)
			if ok != tt.ok {
				t.Fatalf("At(%v h) ok = %v, want %v", tt.h, ok, tt.ok)
			}
			if !ok {
				return
			}
			if math.IsNaN(tt.from) {
				if !w.Calm || !math.IsNaN(w.FromDirection()) {
					t.Errorf("sample %+v is not calm", w)
				}
			} else if d := AngleDiff(w.FromDirection(), tt.from); d > 0.01 {
				t.Errorf("direction %.2f°, want %.0f°", w.FromDirection(), tt.from)
			}
			if math.Abs(w.Speed-tt.speed) > 1e-9 {
				t.Errorf("speed %.3f, want %.3f", w.Speed, tt.speed)
			}
		})
	}
	// Between 3.5 and 4 h only the 4 h observation and the calm are
	// usable, so the vector is the weighted mean of (0,0) and 2 m/s east.
	w, _ := at(3)
	if u := -w.U; math.Abs(u-1) > 1e-9 {
		t.Errorf("midway between a calm and 2 m/s from the east, u = %.3f, want -1", w.U)
	}
}

func TestNewSeriesRefusesDuplicates(t *testing.T) {
	_, err := NewSeries("A", 0, 0, []Observation{obs("A", 1, 2, 3), obs("A", 0, 2, 3), obs("A", 1, 3, 4)})
	var de *DuplicateError
	if !errors.As(err, &de) || !de.Time.Equal(t0.Add(time.Hour)) {
		t.Fatalf("err = %v, want a DuplicateError at hour 1", err)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		in   Observation
		flag Flag
		dir  float64
	}{
		{Observation{Speed: 3, Direction: 360}, Good, 0},
		{Observation{Speed: 0.4, Direction: 120}, Calm, 120},
		{Observation{Speed: 0.3, Flag: Variable, Direction: math.NaN()}, Variable, math.NaN()},
		{Observation{Speed: 3, Direction: 40, Flag: Fault}, Fault, math.NaN()},
	}
	for _, tt := range tests {
		got := Classify(tt.in)
		if got.Flag != tt.flag || !(got.Direction == tt.dir || math.IsNaN(got.Direction) && math.IsNaN(tt.dir)) {
			t.Errorf("Classify(%+v) = %+v, want flag %q direction %v", tt.in, got, tt.flag, tt.dir)
		}
	}
	if err := Check(Observation{Speed: 120, Direction: 10}); err == nil {
		t.Error("120 m/s accepted")
	}
	if err := Check(Observation{Speed: 3, Direction: 400}); err == nil {
		t.Error("400° accepted")
	}
}

func TestIDW(t *testing.T) {
	a := mustSeries(t, "A", 0, 0, obs("A", 0, 2, 90))
	b := mustSeries(t, "B", 10000, 0, obs("B", 0, 2, 270), obs("B", 1, 2, 270))
	f, err := NewIDW(a, b)
	if err != nil {
		t.Fatal(err)
	}
	w, err := f.At(0, 0, t0)
	if err != nil || AngleDiff(w.FromDirection(), 90) > 0.1 {
		t.Errorf("at station A: %+v, %v", w, err)
	}
	if w, _ := f.At(5000, 0, t0); !w.Calm || w.Speed != 2 {
		t.Errorf("halfway between opposite winds: %+v, want a calm vector with scalar speed 2", w)
	}
	// A quarter of the way: weights 1/2500² and 1/7500², 9:1 for A.
	if w, _ := f.At(2500, 0, t0); math.Abs(w.U-(-2*0.9+2*0.1)) > 1e-9 {
		t.Errorf("u at a quarter = %.4f, want %.4f", w.U, -2*0.9+2*0.1)
	}
	// Only B reports at hour 1.
	if w, err := f.At(0, 0, t0.Add(time.Hour)); err != nil || w.Source != "B" {
		t.Errorf("hour 1: %+v %v, want B alone", w, err)
	}
	if _, err := f.At(0, 0, t0.Add(5*time.Hour)); !errors.Is(err, ErrNoWind) {
		t.Errorf("hour 5: %v, want ErrNoWind", err)
	}
}

func TestConfidenceClasses(t *testing.T) {
	if ClassOf(10, 0.5) != High || ClassOf(40, 0.5) != Medium || ClassOf(10, 1.5) != Medium || ClassOf(40, 1.5) != Low || ClassOf(math.NaN(), math.NaN()) != Low {
		t.Fatal("ClassOf does not follow the two-threshold rule")
	}
	steady := func(id string, x float64, dir float64) *Series {
		var o []Observation
		for h := -6; h <= 0; h++ {
			o = append(o, obs(id, h, 3, dir))
		}
		return mustSeries(t, id, x, 0, o...)
	}
	agree, _ := NewIDW(steady("A", 0, 40), steady("B", 5000, 45), steady("C", 0, 35))
	c := agree.Confidence(2000, 0, t0.Add(-3*time.Hour), t0)
	if c.Class != High || c.Hours != 4 || !strings.HasPrefix(c.Method, "leave-one-out") {
		t.Errorf("stations that agree: %+v, want High over 4 hours by leave-one-out", c)
	}
	disagree, _ := NewIDW(steady("A", 0, 40), steady("B", 5000, 200))
	if c := disagree.Confidence(2000, 0, t0.Add(-3*time.Hour), t0); c.Class != Medium || c.DirectionErrorDeg != 160 {
		t.Errorf("opposed stations: %+v, want Medium with a 160° direction error", c)
	}
	// One station: persistence. A wind turning 40° an hour is Medium.
	var turning []Observation
	for h := -6; h <= 0; h++ {
		turning = append(turning, obs("A", h, 3, float64(40*(h+6))))
	}
	one, _ := NewIDW(mustSeries(t, "A", 0, 0, turning...))
	if c := one.Confidence(0, 0, t0.Add(-3*time.Hour), t0); c.Class != Medium || math.Abs(c.DirectionErrorDeg-40) > 1e-9 || !strings.HasPrefix(c.Method, "hour-to-hour") {
		t.Errorf("turning wind: %+v, want Medium, 40° by persistence", c)
	}
	// Persistence weighs each hour's turn by the wind speed and leaves pairs
	// with a calm hour out. A steady 4 m/s wind from 40° with one light or
	// calm hour (hour −2) in the window of hours −3 to 0:
	oneHour := func(speed, dir float64) []Observation {
		var o []Observation
		for h := -6; h <= 0; h++ {
			if h == -2 {
				o = append(o, obs("A", h, speed, dir))
			} else {
				o = append(o, obs("A", h, 4, 40))
			}
		}
		return o
	}
	var calms []Observation
	for h := -6; h <= 0; h++ {
		calms = append(calms, obs("A", h, 0.2, float64(40*(h+6))))
	}
	for _, tc := range []struct {
		name              string
		obs               []Observation
		wantDir, wantSpdE float64
		want              Class
	}{
		// Turns of 90° into and out of the light hour, each weighted by the
		// pair's mean speed 2.5 m/s against 4 m/s for the steady pairs:
		// (2·2.5·90)/(2·4 + 2·2.5) = 450/13°, not the unweighted 45°.
		{"light hour turned 90°", oneHour(1, 130), 450.0 / 13, 1.5, Low},
		// The calm hour has no direction: its two pairs are left out and the
		// steady ones turn 0°; charging 90° for each gave 45° and Low.
		{"calm hour", oneHour(0.2, 130), 0, 1.9, Medium},
		// No pair to measure a turn: the direction is a guess (90°), where a
		// calm-to-calm pair used to cost nothing.
		{"every hour calm", calms, 90, 0, Medium},
	} {
		f, _ := NewIDW(mustSeries(t, "A", 0, 0, tc.obs...))
		c := f.Confidence(0, 0, t0.Add(-3*time.Hour), t0)
		if math.Abs(c.DirectionErrorDeg-tc.wantDir) > 1e-9 || math.Abs(c.SpeedErrorMS-tc.wantSpdE) > 1e-9 || c.Class != tc.want {
			t.Errorf("%s: %+v, want %.4g°, %.4g m/s, %s", tc.name, c, tc.wantDir, tc.wantSpdE, tc.want)
		}
	}
}

func TestFilesRoundTrip(t *testing.T) {
	ms := []Monitor{
		{ID: "467770", Name: "梧棲", Lon: 120.523381, Lat: 24.256003, Kind: Weather, AltitudeM: 31.7},
		{ID: "28", Name: "Liberty ACHD", Lon: -79.868062, Lat: 40.323768, Kind: Both, AltitudeM: math.NaN()},
	}
	var buf bytes.Buffer
	if err := WriteMonitors(&buf, ms); err != nil {
		t.Fatal(err)
	}
	back, err := ReadMonitors(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[0].ID != "28" || back[1].Name != "梧棲" || math.Abs(back[0].Lon+79.868062) > 1e-7 || !math.IsNaN(back[0].AltitudeM) {
		t.Errorf("monitors round trip: %+v", back)
	}
	ws := []Observation{obs("467770", 1, 3.25, 15), flagged("467770", 0, Fault), obs("467770", 2, 0.2, 0)}
	ws[0].SigmaTheta = 12.5
	buf.Reset()
	if err := WriteWind(&buf, ws); err != nil {
		t.Fatal(err)
	}
	got, err := ReadWind(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Flag != Fault || got[1].Speed != 3.25 || got[1].SigmaTheta != 12.5 || got[2].Flag != Calm || !got[1].Time.Equal(ws[0].Time) {
		t.Errorf("wind round trip: %+v", got)
	}
	merged, added, err := MergeWind(got, ws)
	if err != nil || added != 0 || len(merged) != 3 {
		t.Errorf("re-merging the same hours: %d added, %v", added, err)
	}
	changed := ws[0]
	changed.Speed = 4
	var ce *ConflictError
	if _, _, err := MergeWind(got, []Observation{changed}); !errors.As(err, &ce) {
		t.Errorf("a changed hour merged: %v", err)
	}
}

func TestReadWindErrors(t *testing.T) {
	const head = "monitor_id,time,speed,direction,flag\n"
	tests := []struct {
		name, body, want string
	}{
		{"no zone", "A,2021-01-01 00:00,2,30,\n", "no zone offset"},
		{"good without direction", "A,2021-01-01T00:00:00+08:00,2,,\n", "column direction: required for a good observation"},
		{"fault with a value", "A,2021-01-01T00:00:00+08:00,2,,fault\n", "a fault hour has no speed"},
		{"a CODiS marker as a number", "A,2021-01-01T00:00:00+08:00,X,X,\n", `"X": not a number`},
		{"unknown flag", "A,2021-01-01T00:00:00+08:00,,,broken\n", "unknown wind flag"},
		{"implausible speed", "A,2021-01-01T00:00:00+08:00,200,30,\n", "implausible"},
		{"duplicate hour", "A,2021-01-01T00:00:00+08:00,2,30,\nA,2020-12-31T16:00:00Z,2,31,\n", "already has an observation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadWind(strings.NewReader(head + tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "wind.csv:") {
				t.Errorf("error does not name the file and line: %v", err)
			}
		})
	}
}

func TestReadCODiSMarkers(t *testing.T) {
	const file = "Date,Station,ObsTime,WS,WD\n" +
		"2021-01-01,1,23,2.0,360\n" +
		"2021-01-01,1,24,X,X\n" +
		"2021-01-02,1,1,0.3,V\n" +
		"2021-01-02,1,2,/,/\n" +
		"2021-01-02,1,3,...,...\n" +
		"2021-01-02,1,4,0.0,0\n"
	c, err := ReadCODiS(strings.NewReader(file), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Flag{Good, Fault, Variable, Unknown, Missing, Calm}
	for i, o := range c.Obs {
		if o.Flag != want[i] {
			t.Errorf("row %d: flag %q, want %q", i+2, o.Flag, want[i])
		}
	}
	if d := c.Obs[0].Direction; d != 0 {
		t.Errorf("360° read as %v, want 0", d)
	}
	if tm := c.Obs[1].Time; !tm.Equal(time.Date(2021, 1, 2, 0, 0, 0, 0, TaipeiTime)) {
		t.Errorf("hour 24 is %s", tm)
	}
	if s := c.Obs[2].Speed; s != 0.3 {
		t.Errorf("a variable hour lost its speed: %v", s)
	}
	for _, bad := range []string{"2021-01-01,1,25,2,30\n", "2021-01-01,1,3,fast,30\n", "2021-13-01,1,3,2,30\n", "2021-01-01,1,3,2,30\n2021-01-01,2,4,2,30\n"} {
		if _, err := ReadCODiS(strings.NewReader("Date,Station,ObsTime,WS,WD\n"+bad), "t.csv"); err == nil || !strings.Contains(err.Error(), "t.csv:") {
			t.Errorf("%q: err = %v, want a located error", bad, err)
		}
	}
}
