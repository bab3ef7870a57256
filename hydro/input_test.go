package hydro

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// TestReachColsRoundTrip converts reaches into the builder's columnar
// input and reads each one back: every field must survive, whichever
// columns the reaches fill and wherever a column starts (a value late in
// the input, ids that stop being canonical integers part way).
func TestReachColsRoundTrip(t *testing.T) {
	plain := func(id string) Reach {
		return Reach{ID: id, LengthKm: 1.5, VelocityFps: Missing, TotDASqKm: Missing, FromMeas: Missing, ToMeas: Missing}
	}
	with := func(r Reach, f func(*Reach)) Reach { f(&r); return r }
	cases := map[string][]Reach{
		"numeric id and toid": {
			with(plain("11"), func(r *Reach) { r.ToIDs = []string{"12"} }),
			plain("12"),
			with(plain("-13"), func(r *Reach) { r.ToIDs = []string{"0"} }),
		},
		"ids stop being numeric": {
			with(plain("1"), func(r *Reach) { r.ToIDs = []string{"2"} }),
			with(plain("2"), func(r *Reach) { r.ToIDs = []string{"007"} }),
			with(plain("007"), func(r *Reach) { r.ToIDs = []string{"13293468.0"} }),
			plain("4"),
			plain(strconv.FormatInt(math.MinInt64, 10)), // the one integer kept as text
		},
		"divided reach among single ones": {
			with(plain("1"), func(r *Reach) { r.ToIDs = []string{"2"} }),
			with(plain("2"), func(r *Reach) { r.ToIDs = []string{"3", "4", "5"} }),
			plain("3"),
			with(plain("4"), func(r *Reach) { r.ToIDs = []string{"3"} }),
		},
		"nodes, some text": {
			with(plain("1"), func(r *Reach) { r.FromNode, r.ToNode = "10", "11" }),
			with(plain("2"), func(r *Reach) { r.FromNode, r.ToNode = "11", "n12" }),
			with(plain("3"), func(r *Reach) { r.FromNode = "n12" }),
		},
		"attributes from the third reach on": {
			plain("1"),
			plain("2"),
			with(plain("3"), func(r *Reach) {
				r.Name, r.VelocityFps, r.StreamOrder, r.TotDASqKm, r.Divergence = "Zhuoshui", 1.2, 3, 55.5, 2
				r.ReachCode, r.FromMeas, r.ToMeas = "0309", 0, 50
				r.Geometry = orb.LineString{{120, 23}, {120.01, 23.01}}
				r.NHD = &NHDAttrs{Hydroseq: 3, DnHydroseq: 2, PathLength: Missing, FCode: 46006}
			}),
			with(plain("4"), func(r *Reach) { r.LengthKm = Missing }),
		},
		"empty id": {plain("1"), plain(""), plain("3")},
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			c := reachColsOf(in)
			if c.n != len(in) {
				t.Fatalf("%d reaches, want %d", c.n, len(in))
			}
			got := c.reaches()
			for i := range in {
				if g, w := reachText(got[i]), reachText(in[i]); g != w {
					t.Errorf("reach %d:\n got %s\nwant %s", i, g, w)
				}
			}
		})
	}
}

// TestReachColsTopologyOnly checks what a topology-only id → toid input
// holds: its ids and toids as integers and no other column, the 24 bytes
// a reach the loading memory budget counts on (docs/performance.md).
func TestReachColsTopologyOnly(t *testing.T) {
	in := make([]Reach, 1000)
	for i := range in {
		in[i] = Reach{ID: strconv.Itoa(i + 1), ToIDs: []string{strconv.Itoa(i / 2)}, LengthKm: 1,
			VelocityFps: Missing, TotDASqKm: Missing, FromMeas: Missing, ToMeas: Missing}
	}
	c := reachColsOf(in)
	if c.ids.isStr || c.to.isStr || len(c.ids.num) != len(in) || len(c.to.num) != len(in) {
		t.Fatalf("ids or toids kept as text (ids %v, toids %v)", c.ids.isStr, c.to.isStr)
	}
	if c.fromNode.present() || c.toNode.present() || c.toMoreOff != nil || c.nhd != nil || c.velFps != nil ||
		c.order != nil || c.totDA != nil || c.div != nil || c.names != nil || c.codes != nil || c.geom != nil {
		t.Fatalf("a topology-only input holds other columns: %+v", c)
	}
	if detectTopology(c) != TopologyToID {
		t.Fatalf("topology %s, want %s", detectTopology(c), TopologyToID)
	}
}

// TestMergeDividedRows reads id → toid files whose rows share ids: a later
// row naming a new toid joins the first row of its id, one repeating a
// toid or naming none stays a row of its own (a duplicate Build reports).
func TestMergeDividedRows(t *testing.T) {
	cases := []struct {
		name, csv string
		want      string // id[toids]@row, in order
	}{
		{"numeric ids", "id,toid,lengthkm\n11,12,0.5\n12,0,1\n11,13,0.5\n13,0,2\n11,12,0.5\n",
			"11[12 13]@1 12[0]@2 13[0]@4 11[12]@5"},
		{"text ids", "id,toid\nb,a\na,\nb,c\nc,\nb,\n", "b[a c]@1 a[]@2 c[]@4 b[]@5"},
		{"first row without a toid", "id,toid\n1,\n1,2\n1,3\n2,0\n3,0\n", "1[2 3]@1 2[0]@4 3[0]@5"},
	}
	dir := t.TempDir()
	for k, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strconv.Itoa(k)+".csv")
			if err := os.WriteFile(path, []byte(tc.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			cols, src, err := readCSVReaches(path, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, r := range cols.reaches() {
				got = append(got, fmt.Sprintf("%s%v@%d", r.ID, r.ToIDs, src.Rows[i]))
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}
