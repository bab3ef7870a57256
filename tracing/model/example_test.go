package model_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/envtrace/envtrace/tracing/model"
)

func Example() {
	dir, _ := os.MkdirTemp("", "envtrace-example")
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "central")
	os.Mkdir(data, 0o755)
	os.WriteFile(filepath.Join(data, "stations.csv"), []byte(
		"station_id,name,kind,lon,lat,river\n"+
			"1001,大度橋,fixed,120.6736,24.1477,烏溪\n"), 0o644)
	os.WriteFile(filepath.Join(data, "readings.csv"), []byte(
		"station_id,time,parameter,value,unit\n"+
			"1001,2024-05-01T09:30:00+08:00,氨氮,1.2,mg/L\n"+
			"1001,2024-05-01T09:30:00+08:00,Cu,<5,ug/L\n"), 0o644)

	ds, err := model.ReadDir(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := ds.Station("1001")
	fmt.Printf("%s at x=%.0f y=%.0f (EPSG:3826)\n", s.Name, s.Point.X, s.Point.Y)
	for _, r := range ds.ReadingsAt("1001") {
		fmt.Println(r.Parameter, r.Value, r.Unit, r.Censored)
	}

	// A time without a zone is rejected with file, line and column.
	os.WriteFile(filepath.Join(data, "readings.csv"), []byte(
		"station_id,time,parameter,value,unit\n"+
			"1001,2024-05-01 09:30,DO,6.5,mg/L\n"), 0o644)
	_, err = model.ReadDir(data)
	fmt.Println(err)
	// Output:
	// 大度橋 at x=216829 y=2671419 (EPSG:3826)
	// NH3-N 1.2 mg/L false
	// Cu 0.005 mg/L true
	// readings.csv:2: column time: "2024-05-01 09:30": time has no zone offset; write RFC 3339 with the offset, e.g. 2024-05-01T09:30:00+08:00 for Taiwan time
}
