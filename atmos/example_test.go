package atmos_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/envtrace/envtrace/atmos"
)

// Read two CODiS hours, one of them hour 24 with a faulty anemometer, and
// grade a wind by Air Tracker's two thresholds.
func ExampleReadCODiS() {
	const file = "Date,Station,ObsTime,WS,WD\n2021-01-01,467770,23,6.2,360\n2021-01-01,467770,24,X,X\n"
	c, err := atmos.ReadCODiS(strings.NewReader(file), "467770.csv")
	if err != nil {
		panic(err)
	}
	for _, o := range c.Obs {
		fmt.Printf("%s %v %v %q\n", o.Time.Format("2006-01-02T15:04Z07:00"), o.Speed, o.Direction, o.Flag)
	}
	fmt.Println(atmos.ClassOf(12, 0.6), atmos.ClassOf(45, 0.6), atmos.ClassOf(45, 1.4))
	// Output:
	// 2021-01-01T23:00+08:00 6.2 0 ""
	// 2021-01-02T00:00+08:00 NaN NaN "fault"
	// High Medium Low
}

// A wind from the north-east moves the air south-west; the plume of a
// source reaches a receptor 1 km downwind, not one 1 km upwind.
func ExamplePlume() {
	u, v := atmos.Components(3, 45)
	w := atmos.Sample{U: u, V: v, Speed: 3}
	fmt.Printf("from %.0f°\n", w.FromDirection())
	p := atmos.Plume{HeightM: 10, ReceptorM: 1.5}
	down := p.Concentration(100, -707, -707, w, atmos.ClassD, 0)
	up := p.Concentration(100, 707, 707, w, atmos.ClassD, 0)
	fmt.Printf("downwind %.2g g/m³, upwind %g\n", down, up)
	fmt.Println(math.Round(p.Ratio(-707, -707, w, atmos.ClassD, 0, 1000)*100) / 100)
	// Output:
	// from 45°
	// downwind 0.0035 g/m³, upwind 0
	// 1
}
