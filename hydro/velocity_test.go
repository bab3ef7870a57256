package hydro

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVelocityColumns reads a two-reach id → toid network whose velocity
// column is spelt in each accepted way, and refuses unit-less names and
// implausible values with a message naming the column or row.
func TestVelocityColumns(t *testing.T) {
	tests := []struct {
		name   string
		header string
		value  string
		wantMS float64 // velocity of reach a in m/s; 0 when refused
		errHas []string
	}{
		{"NHDPlus VE_MA in ft/s", "VE_MA", "2", 2 * 0.3048, nil},
		{"NHDPlus VA_MA in ft/s", "VA_MA", "1", 0.3048, nil},
		{"velocity_fps", "velocity_fps", "3.281", 3.281 * 0.3048, nil},
		{"velocity_ms", "velocity_ms", "0.75", 0.75, nil},
		{"velocity_m_s upper case", "Velocity_M_S", "1.2", 1.2, nil},
		{"NHDPlus nodata gives the default", "VE_MA", "-9998", DefaultVelocity(1), nil},
		{"unit-less name refused", "velocity", "0.5", 0, []string{`"velocity"`, "velocity_ms (m/s)", "velocity_fps (ft/s)"}},
		{"km/h mistaken for m/s refused", "velocity_ms", "36", 0, []string{"row 1 (reach a)", "velocity_ms is 36 m/s", "unit"}},
	}
	dir := t.TempDir()
	for k, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := "id,toid,lengthkm," + tc.header + "\na,b,1.8," + tc.value + "\nb,,1,\n"
			path := filepath.Join(dir, fmt.Sprintf("network%d.csv", k))
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			net, _, err := Load(context.Background(), path, LoadOptions{})
			if tc.errHas != nil {
				if err == nil {
					t.Fatal("loaded; want a refusal")
				}
				for _, w := range tc.errHas {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			i, _ := net.Index("a")
			a := net.Attrs(i)
			if math.Abs(a.VelocityMS-tc.wantMS) > 1e-5 {
				t.Errorf("velocity %v m/s, want %v", a.VelocityMS, tc.wantMS)
			}
			// 1.8 km at the velocity, in hours.
			if want := 1.8 * 1000 / tc.wantMS / 3600; math.Abs(a.TravelHours-want) > 1e-5*want {
				t.Errorf("travel %v h, want %v", a.TravelHours, want)
			}
		})
	}
}

// TestVelocityNHDPlusPatapsco reads VE_MA (ft/s) from the Patapsco
// flowlines: 160 tidal reaches carry NHDPlus nodata −9999 and 54 more
// −9998; they get the default velocity of their order, and every other
// reach its VE_MA in m/s.
func TestVelocityNHDPlusPatapsco(t *testing.T) {
	const rel = "nhdplus/petapsco_flowlines.gpkg"
	net, _ := load(t, rel, LoadOptions{})
	missing := map[float64]int{}
	for _, f := range readLayer(t, rel).Features {
		id, _ := f.String("COMID")
		ve, _ := f.Float("VE_MA")
		i, ok := net.Index(id)
		if !ok {
			t.Fatalf("reach %s missing", id)
		}
		want := ve * 0.3048
		if ve <= 0 {
			missing[ve]++
			want = DefaultVelocity(net.StreamOrder(i))
		}
		if got := net.Attrs(i).VelocityMS; math.Abs(got-want) > 1e-6 {
			t.Errorf("reach %s: %v m/s, want %v (VE_MA %v ft/s)", id, got, want, ve)
		}
	}
	if missing[-9999] != 160 || missing[-9998] != 54 || len(missing) != 2 {
		t.Errorf("reaches without velocity by nodata code: %v, want 160 at -9999 and 54 at -9998", missing)
	}
}
