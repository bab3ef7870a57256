package hydro

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/realdata"
)

// genericReaches is the generic path for any format: layer.Read, then
// FromLayer. The CSV reader must give exactly what it gives.
func genericReaches(path string, opt LoadOptions) ([]Reach, *Source, error) {
	l, err := layer.Read(path, layer.Options{Layer: opt.Layer})
	if err != nil {
		return nil, nil, err
	}
	reaches, src, err := FromLayer(l, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return reaches, src, nil
}

// reachText renders a reach with every field (NaN included) for
// comparison.
func reachText(r Reach) string {
	nhd := r.NHD
	r.NHD = nil
	s := fmt.Sprintf("%+v", r)
	if nhd != nil {
		s += fmt.Sprintf(" NHD%+v", *nhd)
	}
	return s
}

// checkSameAsGeneric fails unless the CSV reader and the generic path
// agree on path's reaches, rows, SRID and error.
func checkSameAsGeneric(t *testing.T, path string) {
	t.Helper()
	checkReaderSameAsGeneric(t, path, readCSVReaches)
}

// checkReaderSameAsGeneric fails unless read and the generic path agree
// on path's reaches, rows, SRID and error.
func checkReaderSameAsGeneric(t *testing.T, path string, read func(string, LoadOptions) (*reachCols, *Source, error)) {
	t.Helper()
	want, wsrc, werr := genericReaches(path, LoadOptions{})
	cols, gsrc, gerr := read(path, LoadOptions{})
	if fmt.Sprint(werr) != fmt.Sprint(gerr) {
		t.Fatalf("%s: error %v, generic path %v", filepath.Base(path), gerr, werr)
	}
	if werr != nil {
		t.Logf("%s: both: %v", filepath.Base(path), werr)
		return
	}
	got := cols.reaches()
	if len(got) != len(want) {
		t.Fatalf("%s: %d reaches, generic path %d", filepath.Base(path), len(got), len(want))
	}
	for i := range want {
		if g, w := reachText(got[i]), reachText(want[i]); g != w {
			t.Fatalf("%s: reach %d:\n got %s\nwant %s", filepath.Base(path), i, g, w)
		}
	}
	if fmt.Sprint(gsrc.Rows) != fmt.Sprint(wsrc.Rows) || gsrc.SRID != wsrc.SRID || gsrc.Layer != wsrc.Layer || gsrc.Splits != wsrc.Splits {
		t.Fatalf("%s: source %+v, generic path %+v", filepath.Base(path), gsrc, wsrc)
	}
	checkSameNetwork(t, path, cols, gsrc, want)
}

// checkSameNetwork builds the network from a streaming reader's input as
// Load does (geometry kept, the builder taking over the input's columns)
// and from the generic path's reaches, and fails unless both builds give
// the same error or byte-identical snapshots. The streaming readers keep
// their lines' points in shared blocks and the builder permutes the input
// in place, so this holds both to what the generic path builds.
func checkSameNetwork(t *testing.T, path string, cols *reachCols, src *Source, want []Reach) {
	t.Helper()
	geo, err := geographicCRS(path, src.SRID, cols, src.Rows)
	if err != nil {
		return // Load refuses the file before building, either way
	}
	opt := Options{Geographic: geo, KeepGeometry: true}
	snap := func(net *Network, err error) string {
		if err != nil {
			return "error: " + err.Error()
		}
		var buf bytes.Buffer
		if err := net.WriteSnapshot(&buf, "k"); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	wnet, werr := Build(context.Background(), want, opt)
	w := snap(wnet, werr)
	if g := snap(build(context.Background(), cols, opt)); g != w {
		t.Fatalf("%s: the streamed input builds another network than the generic path's reaches (%d and %d snapshot bytes; %v)",
			filepath.Base(path), len(g), len(w), werr)
	}
}

// TestCSVReaderMatchesGeneric reads every network CSV of the real data,
// and files made to hit each rule, both ways: the fast CSV reader must
// give the reaches, rows and errors of layer.Read and FromLayer.
func TestCSVReaderMatchesGeneric(t *testing.T) {
	for _, rel := range []string{"hydroloom/hr.csv", "hydroloom/loop.csv", "hydroloom/loop2.csv",
		"nldi/flowlines_921_attributes.csv", "scale/lower_colorado_routelink.csv"} {
		t.Run(rel, func(t *testing.T) { checkSameAsGeneric(t, realdata.Path(t, rel)) })
	}
	cases := map[string]string{
		"toid numbers":        "id,toid,lengthkm\n11,12,0.5\n12,0,1.25\n13,12,-9999\n",
		"divided numeric ids": "id,toid,lengthkm\n11,12,0.5\n12,0,1\n11,13,0.5\n13,0,2\n11,12,0.5\n",
		"divided text ids":    "id,toid\nb,a\na,\nb,c\nc,\nb,\n",
		"ids as text":         "id,toid,lengthkm\n007,+12,1.\n+12,0,.5\n 5.0 ,1e3,1e-3\n1e3,,0x1F\n",
		"empty id":            "id,toid\n1,2\n,1\n",
		"nodes":               "comid,fromnode,tonode,lengthkm,gnis_name,streamorde,divergence,totdasqkm\n1,10,11,1,Da-an,2,0,5.5\n2,11,12,1,Da-an,2,1,8\n",
		"nhdplus":             "comid,hydroseq,dnhydroseq,dnminorhyd,uphydroseq,levelpathi,terminalpa,pathlength,startflag,terminalfl,fcode,lengthkm,reachcode,frommeas,tomeas\n1,2.0,1.0,0,0,2,1,-9999,1,0,46006,1.5,0309,0,100\n2,1,0,0,2.0,2,1,0,0,1,46006,1,0309,0,50\n",
		"velocity in m per s": "id,toid,velocity_ms\n1,2,0.5\n2,0,-9998\n",
		"velocity unitless":   "id,toid,velocity\n1,2,0.5\n",
		"velocity too fast":   "id,toid,velocity_ms\n1,2,0.5\n2,0,40\n",
		"routelink metres":    "link,to,length\n1,2,1500\n2,0,250\n",
		"quoted and CRLF":     "id,toid,name\r\n\"1\",\"2\",\"Zhuoshui, main\"\r\n2,0,\"say \"\"hi\"\"\"\r\n",
		"wkt with SRID":       "id,toid,wkt\n1,2,\"SRID=4326;LINESTRING (120 23, 120.01 23.01)\"\n2,0,\"SRID=4326;LINESTRING (120.01 23.01, 120.02 23.02)\"\n",
		"wkt SRID differs":    "id,toid,wkt\n1,2,\"SRID=4326;LINESTRING (1 2, 2 3)\"\n2,0,\"SRID=3826;LINESTRING (1 2, 2 3)\"\n",
		"wkt not a line":      "id,toid,wkt\n1,2,POINT (1 2)\n",
		"geometry only":       "id,geom\n1,\"LINESTRING (0 0, 1000 0)\"\n2,\"LINESTRING (1000 0, 2000 0)\"\n3,\"LINESTRING (500 500, 500 0)\"\n",
		"short row":           "id,toid\n1,2\n3\n",
		"bare quote":          "id,toid\n1,x\"y\n",
		"header only":         "id,toid\n",
		"blank lines":         "id,toid\n\n1,2\n\n\n2,0\n",
	}
	dir := t.TempDir()
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			checkSameAsGeneric(t, path)
		})
	}
}

// TestParseDecimal checks the fast number path against strconv on the
// forms it takes and refuses.
func TestParseDecimal(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "2.713", "0.1", "-12.5", "123456789012345", "0.000000000000001",
		"99999.9999999999", "1.", ".5", "3.141592653589793", "1e5", "+1", " 1", "1.2.3", "", "-", ".", "12345678901234567"} {
		got, ok := parseDecimal([]byte(s))
		if !ok {
			continue
		}
		w, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("parseDecimal accepted %q, which is not a number", s)
		}
		if got != w {
			t.Errorf("parseDecimal(%q) = %v, want %v", s, got, w)
		}
	}
	for _, s := range []string{"1e5", "+1", " 1", "1.2.3", "", "-", ".", "12345678901234567", "NaN"} {
		if _, ok := parseDecimal([]byte(s)); ok {
			t.Errorf("parseDecimal(%q) took a form it must leave to strconv", s)
		}
	}
}
