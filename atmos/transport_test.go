package atmos

import (
	"context"
	"math"
	"testing"
	"time"
)

// fieldFunc is a synthetic field for tests.
type fieldFunc func(x, y float64, t time.Time) (Sample, error)

func (f fieldFunc) At(x, y float64, t time.Time) (Sample, error) { return f(x, y, t) }

func uniform(speed, from float64) Field {
	u, v := Components(speed, from)
	return fieldFunc(func(x, y float64, t time.Time) (Sample, error) {
		return Sample{U: u, V: v, Speed: speed, SigmaTheta: math.NaN()}, nil
	})
}

func TestBackTrajectoryUniformWind(t *testing.T) {
	// 2 m/s from the north: the air came from the north, 7.2 km an hour.
	tr, err := BackTrajectory(context.Background(), uniform(2, 0), 0, 0, t0, TrajectoryOptions{Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Points[len(tr.Points)-1]
	if len(tr.Points) != 13 || math.Abs(last.X) > 1e-6 || math.Abs(last.Y-7200) > 1e-6 || math.Abs(last.PathM-7200) > 1e-6 {
		t.Fatalf("after 1 h: %d points, last %+v; want (0, 7200)", len(tr.Points), last)
	}
	if !last.Time.Equal(t0.Add(-time.Hour)) {
		t.Errorf("last point at %s", last.Time)
	}
	// The spread grows with distance: 15° of σθ by default.
	for i := 1; i < len(tr.Points); i++ {
		if tr.Points[i].CrossM <= tr.Points[i-1].CrossM {
			t.Fatalf("crosswind spread does not grow: %v then %v", tr.Points[i-1].CrossM, tr.Points[i].CrossM)
		}
	}
	if want := math.Hypot(50, 7200*math.Sin(15*math.Pi/180)); math.Abs(last.CrossM-want) > 1e-6 {
		t.Errorf("crosswind spread %.1f m, want %.1f", last.CrossM, want)
	}
	// A larger direction error widens it; a speed error lengthens it.
	tr2, _ := BackTrajectory(context.Background(), uniform(2, 0), 0, 0, t0, TrajectoryOptions{Duration: time.Hour, DirectionErrorDeg: 30, SpeedErrorMS: 0.5})
	l2 := tr2.Points[len(tr2.Points)-1]
	if l2.CrossM <= last.CrossM || math.Abs(l2.AlongM-math.Hypot(50, 1800)) > 1e-6 {
		t.Errorf("with errors: cross %.0f (was %.0f), along %.0f (want %.0f)", l2.CrossM, last.CrossM, l2.AlongM, math.Hypot(50, 1800))
	}
}

// TestBackTrajectoryHeunAccuracy follows a solid-body rotation, whose exact
// paths are circles, and checks that Heun's second-order steps keep the
// radius within 0.5 % over a quarter turn where Euler steps would drift by
// several per cent.
func TestBackTrajectoryHeunAccuracy(t *testing.T) {
	const omega = 2 * math.Pi / (4 * 3600) // a quarter turn in an hour
	rot := fieldFunc(func(x, y float64, _ time.Time) (Sample, error) {
		u, v := -omega*y, omega*x
		return Sample{U: u, V: v, Speed: math.Hypot(u, v), SigmaTheta: math.NaN()}, nil
	})
	tr, err := BackTrajectory(context.Background(), rot, 3000, 0, t0, TrajectoryOptions{Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Points[len(tr.Points)-1]
	// Backwards a quarter turn from (3000, 0) is (0, −3000).
	if math.Abs(math.Hypot(last.X, last.Y)-3000) > 15 || math.Hypot(last.X, last.Y+3000) > 60 {
		t.Errorf("a quarter turn back from (3000, 0) ended at (%.1f, %.1f), want (0, -3000)", last.X, last.Y)
	}
}

func TestBackTrajectoryStopsWithoutWind(t *testing.T) {
	ends := t0.Add(-30 * time.Minute)
	f := fieldFunc(func(x, y float64, t time.Time) (Sample, error) {
		if t.Before(ends) {
			return Sample{}, &NoWindError{Time: t}
		}
		return Sample{U: 1, Speed: 1, SigmaTheta: math.NaN()}, nil
	})
	tr, err := BackTrajectory(context.Background(), f, 0, 0, t0, TrajectoryOptions{})
	if err != nil || !tr.Truncated || len(tr.Points) != 7 {
		t.Errorf("trajectory into a gap: %d points, truncated %v, %v", len(tr.Points), tr.Truncated, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := BackTrajectory(ctx, uniform(2, 0), 0, 0, t0, TrajectoryOptions{}); err == nil {
		t.Error("a cancelled context did not stop the trajectory")
	}
}

// TestPlumeConservesMass integrates the ground-reflected plume over a
// crosswind plane: the flux through it must be Q (g/s) whatever the
// stability and distance, so ∫∫ C dy dz · u = Q.
func TestPlumeConservesMass(t *testing.T) {
	for _, class := range []Stability{ClassA, ClassD, ClassF} {
		for _, x := range []float64{300, 2000} {
			p := Plume{HeightM: 20}
			w := Sample{U: 0, V: -3, Speed: 3} // from the north
			_, sz := BriggsSigmas(class, x)
			sy, _ := BriggsSigmas(class, x)
			var flux float64
			dy, dz := sy/40, sz/40
			for y := -8 * sy; y <= 8*sy; y += dy {
				for z := dz / 2; z < 8*sz+40; z += dz {
					p.ReceptorM = z
					// The receptor is x south of the source and y east.
					flux += p.Concentration(1, y, -x, w, class, 0) * dy * dz
				}
			}
			if math.Abs(flux*3-1) > 0.01 {
				t.Errorf("class %s at %.0f m: flux %.4f, want 1", class, x, flux*3)
			}
		}
	}
}

func TestPlumeGeometry(t *testing.T) {
	p := Plume{HeightM: 10, ReceptorM: 1.5}
	w := Sample{U: -3, V: 0, Speed: 3} // from the east: the plume goes west
	down := p.Concentration(1, -1000, 0, w, ClassD, 0)
	up := p.Concentration(1, 1000, 0, w, ClassD, 0)
	side := p.Concentration(1, -1000, 200, w, ClassD, 0)
	if up != 0 || !(down > side && side > 0) {
		t.Errorf("downwind %g, crosswind %g, upwind %g", down, side, up)
	}
	if c := p.Centreline(1, 1000, w, ClassD, 0); math.Abs(c-down) > 1e-15 {
		t.Errorf("centreline %g differs from the on-axis value %g", c, down)
	}
	if wide := p.Concentration(1, -1000, 200, w, ClassD, 20); !(wide > side) {
		t.Errorf("a 20° direction uncertainty did not widen the plume: %g vs %g", wide, side)
	}
	// Briggs D at 1 km, computed by hand: σy = 80/√1.1, σz = 60/√2.5.
	sy, sz := BriggsSigmas(ClassD, 1000)
	if math.Abs(sy-76.277) > 0.001 || math.Abs(sz-37.947) > 0.001 {
		t.Errorf("Briggs D at 1 km: σy %.3f σz %.3f", sy, sz)
	}
	if c := p.Concentration(1, -1000, 0, Sample{Calm: true, Speed: 0.2}, ClassD, 0); c != 0 {
		t.Errorf("a calm plume gives %g", c)
	}
}

// TestPuffsApproachPlume checks the puff model against the plume in the
// one case where both must agree, a steady uniform wind: after the puffs
// have had time to arrive, the hourly mean on the plume's axis is within
// 15 % of the steady plume, and nothing arrives upwind.
func TestPuffsApproachPlume(t *testing.T) {
	// Night in Taichung (21:00), 4 m/s: class E both for the plume and the puffs.
	night := time.Date(2021, 1, 10, 21, 0, 0, 0, TaipeiTime)
	m := Puffs{Field: uniform(4, 90), Plume: Plume{HeightM: 10, ReceptorM: 1.5}, Lon: 120.6, Lat: 24.2, Release: 2 * time.Minute, Step: time.Minute}
	recs := []Receptor{{X: -1000}, {X: -2500}, {X: -1000, Y: 80}, {X: 1000}}
	got, err := m.Average(context.Background(), []Source{{Rate: 100}}, recs, []time.Time{night}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	w := Sample{U: -4, Speed: 4}
	if SunUp(120.6, 24.2, night) || StabilityClass(4, false) != ClassE {
		t.Fatal("the test assumes class E at night")
	}
	for i, r := range recs[:3] {
		want := m.Plume.Concentration(100, r.X, r.Y, w, ClassE, 0)
		if math.Abs(got[0][i]/want-1) > 0.15 {
			t.Errorf("receptor %v: puffs %.4g, plume %.4g", r, got[0][i], want)
		}
	}
	if got[0][3] != 0 {
		t.Errorf("upwind receptor got %g", got[0][3])
	}
}

func TestStabilityAndSun(t *testing.T) {
	// Taichung, 2021-06-21: the sun passes within a degree of the zenith
	// at noon (latitude 24.15°, declination 23.44°); it is down at midnight.
	noon := time.Date(2021, 6, 21, 12, 0, 0, 0, TaipeiTime)
	if e := SolarElevation(120.67, 24.15, noon); e < 87 || e > 90 {
		t.Errorf("Taichung solstice noon elevation %.2f°", e)
	}
	if SunUp(120.67, 24.15, noon.Add(12*time.Hour)) {
		t.Error("the sun is up at midnight")
	}
	// Pittsburgh, 2017-01-01: sunrise about 07:42 EST (12:42 UTC).
	est := time.FixedZone("EST", -5*3600)
	if SunUp(-79.99, 40.44, time.Date(2017, 1, 1, 7, 25, 0, 0, est)) || !SunUp(-79.99, 40.44, time.Date(2017, 1, 1, 8, 0, 0, 0, est)) {
		t.Error("Pittsburgh sunrise is not between 07:25 and 08:00 on New Year's Day")
	}
	for _, tt := range []struct {
		speed float64
		sun   bool
		want  Stability
	}{{1, true, ClassB}, {4, true, ClassC}, {7, true, ClassD}, {1, false, ClassF}, {4, false, ClassE}, {7, false, ClassD}} {
		if got := StabilityClass(tt.speed, tt.sun); got != tt.want {
			t.Errorf("StabilityClass(%v, %v) = %s, want %s", tt.speed, tt.sun, got, tt.want)
		}
	}
}
