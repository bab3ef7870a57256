package farmland

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadDirUnitsAndBadInput: a mean flow given in ft³/s (NHDPlus
// QA_MA) is converted to m³/s once, when read; a flow in both units, a
// flow ≤ 0, an area that is not a polygon and a negative soil
// concentration are each refused naming the file, row and column.
func TestReadDirUnitsAndBadInput(t *testing.T) {
	const intakes = "intake_id,name,x,y,reach_id,office,contact\nIN-1,gate,200000,2650000,R1,office,04-1\n"
	const area = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3826"}},"features":[{"type":"Feature","properties":{"area_id":"A1","intake_ids":"IN-1","area_ha":10%s},"geometry":%s}]}`
	const square = `{"type":"Polygon","coordinates":[[[200000,2650000],[200100,2650000],[200100,2650100],[200000,2650000]]]}`
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	d, err := ReadDir(write(t, map[string]string{FileIntakes: intakes, FileReachFlows: "reach_id,flow_cms,qa_ma\nR1,,100\nR2,2.5,\n",
		FileAreas: strings.Replace(strings.Replace(area, "%s", `,"soil_cu":20`, 1), "%s", square, 1)}))
	if err != nil {
		t.Fatal(err)
	}
	// 1 ft³ = 0.3048³ m³ = 0.028316846592 m³.
	if q := d.FlowM3s["R1"]; math.Abs(q-2.8316846592) > 1e-9 || d.FlowM3s["R2"] != 2.5 {
		t.Errorf("flows %v, want R1 2.8316846592 m³/s (100 ft³/s) and R2 2.5", d.FlowM3s)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"a flow in both units", map[string]string{FileReachFlows: "reach_id,flow_cms,qa_ma\nR1,2,70\n"}, []string{FileReachFlows, "qa_ma", "not both"}},
		{"a flow of zero", map[string]string{FileReachFlows: "reach_id,flow_cms\nR1,0\n"}, []string{FileReachFlows, "flow_cms", "> 0"}},
		{"an area that is a point", map[string]string{FileAreas: strings.Replace(strings.Replace(area, "%s", "", 1), "%s", `{"type":"Point","coordinates":[200000,2650000]}`, 1)},
			[]string{FileAreas, "geometry", "Polygon"}},
		{"a negative soil concentration", map[string]string{FileAreas: strings.Replace(strings.Replace(area, "%s", `,"soil_cu":-1`, 1), "%s", square, 1)},
			[]string{FileAreas, "soil_cu", "≥ 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.files[FileIntakes] = intakes
			_, err := ReadDir(write(t, tc.files))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %q", err, w)
				}
			}
		})
	}
}
