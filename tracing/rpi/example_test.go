package rpi_test

import (
	"fmt"

	"github.com/envtrace/envtrace/tracing/rpi"
)

func ExampleCompute() {
	r, err := rpi.Compute(rpi.Measurements{"溶氧": 5.2, "BOD5": 4.95, "SS": 18, "氨氮": 1.2})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Index, r.Class, r.Class.Chinese())
	fmt.Println(r.Points["DO"], r.Points["BOD5"], r.Points["SS"], r.Points["NH3-N"], r.Rounded["BOD5"])

	_, err = rpi.Compute(rpi.Measurements{"DO": 5.2, "BOD5": 4.9, "SS": 18})
	fmt.Println(err)
	// Output:
	// 4 moderately polluted 中度污染
	// 3 6 1 6 5
	// rpi: NH3-N is required (RPI needs DO, BOD5, SS and NH3-N)
}
