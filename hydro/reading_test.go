package hydro

import (
	"math"
	"testing"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/realdata"
)

// readLayer reads a real-data file's features for tests that compare the
// network with the file's own attributes.
func readLayer(t *testing.T, rel string) *layer.Layer {
	t.Helper()
	l, err := layer.Read(realdata.Path(t, rel), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestNHDPlusNodata loads hydroloom's coastal example, whose 37 coastline
// reaches carry NHDPlus nodata (-9999 pathlength, -9 stream order, 9
// divergence). Nodata is missing, never a number: the file loads, each of
// the 29 rivers flagged terminal ends at the sea as its own outlet (not
// strung along the coastline), and the rivers keep the file's pathlength.
func TestNHDPlusNodata(t *testing.T) {
	const rel = "hydroloom/coastal_example.gpkg"
	net, src := load(t, rel, LoadOptions{})
	if net.Len() != 572 || src.Topology != TopologyNHDPlus {
		t.Fatalf("%d reaches, topology %s; want 572 NHDPlus reaches", net.Len(), src.Topology)
	}
	terminal, coast := 0, 0
	for _, f := range readLayer(t, rel).Features {
		id, _ := f.String("COMID")
		i, ok := net.Index(id)
		if !ok {
			t.Fatalf("reach %s missing", id)
		}
		fcode, _ := f.Int64("FCODE")
		pl, _ := f.Float("Pathlength")
		flag, _ := f.Int64("TerminalFl")
		a := net.Attrs(i)
		switch {
		case fcode == FCodeCoastline:
			coast++
			if pl != -9999 {
				t.Fatalf("coastline reach %s: pathlength %v, the test expects the file's nodata", id, pl)
			}
			if math.IsNaN(a.PathLengthKm) || a.PathLengthKm < 0 {
				t.Errorf("coastline reach %s: pathlength %v, want the computed distance", id, a.PathLengthKm)
			}
		case flag == 1:
			terminal++
			if a.Down != "" {
				t.Errorf("terminal river %s drains to %s; want an outlet at the sea", id, a.Down)
			}
			fallthrough
		default:
			if math.Abs(a.PathLengthKm-pl) > 1e-9 {
				t.Errorf("reach %s: pathlength %v, file %v", id, a.PathLengthKm, pl)
			}
		}
	}
	if terminal != 29 || coast != 37 {
		t.Fatalf("%d terminal rivers and %d coastline reaches; the file has 29 and 37", terminal, coast)
	}
	// 29 river mouths plus the coastline's own end.
	if got := len(net.Outlets()); got != 30 {
		t.Errorf("%d outlets, want 29 river mouths and the coastline", got)
	}
	checkAgainstWalk(t, net)
}
