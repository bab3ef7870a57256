package permits_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
)

// A permit reviewer's report over the central fixture: the plant whose
// permit allows more than its treatment plant can treat.
func ExampleCheck() {
	dir, _ := os.MkdirTemp("", "central")
	defer os.RemoveAll(dir)
	_ = fixtures.WriteCentral(filepath.Join(dir, "c"))
	ds, err := model.ReadDir(filepath.Join(dir, "c"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range permits.Check(ds).Findings {
		if f.Check == "capacity" {
			fmt.Println(f.Facility, f.Severity, f.Numbers["permitted_m3_day"], f.Numbers["capacity_m3_day"])
		}
	}
	// Output:
	// N4562138 high 3000 2200
}
