package hydro_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/fixtures/dendritic"
	"github.com/envtrace/envtrace/fixtures/synth"
	"github.com/envtrace/envtrace/hydro"
)

// snapshotNetworks are networks of every id and column kind: NHDPlus
// attributes with canals (numeric ids), id/toid, and string ids with
// geometry and names.
func snapshotNetworks(t *testing.T) map[string]*hydro.Network {
	t.Helper()
	build := func(rs []hydro.Reach, opt hydro.Options) *hydro.Network {
		n, err := hydro.Build(context.Background(), rs, opt)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	withGeom := dendritic.Generate(3000, 4).Reaches()
	for i := range withGeom {
		x := float64(i)
		withGeom[i].ID = "r-" + withGeom[i].ID
		if len(withGeom[i].ToIDs) > 0 {
			withGeom[i].ToIDs[0] = "r-" + withGeom[i].ToIDs[0]
		}
		withGeom[i].Name = []string{"", "大甲溪", "Dajia"}[i%3]
		withGeom[i].Geometry = orb.LineString{{x, 1}, {x + 0.5, 2}, {x + 1, 3}}
		withGeom[i].ReachCode, withGeom[i].FromMeas, withGeom[i].ToMeas = "1710"+strconv.Itoa(i), 12.5, 80
	}
	nets := map[string]*hydro.Network{
		"nhdplus":              build(synth.Generate(20000, 9, synth.Taiwan()), hydro.Options{}),
		"toid":                 build(dendritic.Generate(20000, 9).Reaches(), hydro.Options{}),
		"string ids, geometry": build(withGeom, hydro.Options{KeepGeometry: true}),
	}
	nets["string ids, geometry"].SRID = 3826
	return nets
}

// TestSnapshotRoundTrip checks that a network read back from its snapshot
// answers every reach's attributes, geometry, name, lookups and
// navigations as the built one does.
func TestSnapshotRoundTrip(t *testing.T) {
	for name, net := range snapshotNetworks(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := net.WriteSnapshot(&buf, "key-1"); err != nil {
				t.Fatal(err)
			}
			got, err := hydro.ReadSnapshot(&buf, "key-1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Len() != net.Len() || got.Topology != net.Topology || got.SRID != net.SRID ||
				got.MemoryBytes() != net.MemoryBytes() || len(got.Problems) != len(net.Problems) {
				t.Fatalf("header differs: %d %s %d %d B vs %d %s %d %d B", got.Len(), got.Topology, got.SRID,
					got.MemoryBytes(), net.Len(), net.Topology, net.SRID, net.MemoryBytes())
			}
			for i := range net.Problems {
				if got.Problems[i].Error() != net.Problems[i].Error() {
					t.Fatalf("problem %d: %q, want %q", i, got.Problems[i], net.Problems[i])
				}
			}
			for i := int32(0); i < int32(net.Len()); i++ {
				if !reflect.DeepEqual(got.Attrs(i), net.Attrs(i)) || got.Name(i) != net.Name(i) ||
					!slices.Equal(got.Geometry(i), net.Geometry(i)) {
					t.Fatalf("reach %d: %+v, want %+v", i, got.Attrs(i), net.Attrs(i))
				}
				c1, m1, ok1 := got.ReachCodeMeasure(i, 40)
				c2, m2, ok2 := net.ReachCodeMeasure(i, 40)
				if c1 != c2 || m1 != m2 || ok1 != ok2 || (net.HasGeometry() && !ok2) {
					t.Fatalf("reach %d: reach code %q %v %v, want %q %v %v", i, c1, m1, ok1, c2, m2, ok2)
				}
				if j, ok := got.Index(net.ID(i)); !ok || j != i {
					t.Fatalf("Index(%s) = %d %v, want %d", net.ID(i), j, ok, i)
				}
			}
			for _, s := range append(net.Outlets()[:1], 7, int32(net.Len()/3)) {
				for _, m := range []hydro.Mode{hydro.UT, hydro.DD} {
					q := hydro.Query{Mode: m, Start: s, DistanceKm: 40, HasDistance: m == hydro.DD}
					a, err1 := net.NavigateAll(context.Background(), q)
					b, err2 := got.NavigateAll(context.Background(), q)
					if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
						t.Fatalf("%s from %d: %d hits (%v), want %d (%v)", m, s, len(b), err2, len(a), err1)
					}
				}
			}
			if net.HasGeometry() {
				p := net.Geometry(5)[1]
				a, _ := net.SnapPoint(p, 1, 0)
				b, err := got.SnapPoint(p, 1, 0)
				if err != nil || len(b) != 1 || a[0].Reach != b[0].Reach {
					t.Fatalf("snap %v: %v %v, want %v", p, b, err, a)
				}
			}
		})
	}
}

// TestSnapshotRefused checks that a snapshot of another source, another
// format version, or a damaged file is refused with an error, never read.
func TestSnapshotRefused(t *testing.T) {
	net := snapshotNetworks(t)["toid"]
	var buf bytes.Buffer
	if err := net.WriteSnapshot(&buf, "key-1"); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	versionAt := len("envtrace network snapshot\n") + 8
	bumped := slices.Clone(data)
	bumped[versionAt]++
	tests := []struct {
		name  string
		data  []byte
		key   string
		stale bool
	}{
		{"other source", data, "key-2", true},
		{"other format version", bumped, "key-1", true},
		{"truncated", data[:len(data)/2], "key-1", false},
		{"not a snapshot", []byte("id,toid\n1,0\n"), "key-1", false},
		{"empty", nil, "key-1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := hydro.ReadSnapshot(bytes.NewReader(tc.data), tc.key)
			if err == nil || n != nil {
				t.Fatalf("read %v, err %v", n != nil, err)
			}
			if errors.Is(err, hydro.ErrStaleSnapshot) != tc.stale {
				t.Errorf("err %v: stale %v, want %v", err, errors.Is(err, hydro.ErrStaleSnapshot), tc.stale)
			}
		})
	}
}

// TestSaveSnapshotAtomic: the file appears whole under its name, replaces
// an older one, and leaves no temporary file behind.
func TestSaveSnapshotAtomic(t *testing.T) {
	nets := snapshotNetworks(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "network.snap")
	if err := nets["nhdplus"].SaveSnapshot(path, "a"); err != nil {
		t.Fatal(err)
	}
	if err := nets["toid"].SaveSnapshot(path, "b"); err != nil {
		t.Fatal(err)
	}
	got, err := hydro.LoadSnapshot(path, "b")
	if err != nil || got.Len() != nets["toid"].Len() || got.Topology != hydro.TopologyToID {
		t.Fatalf("loaded %v, err %v", got != nil, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the snapshot", len(entries))
	}
	if _, err := hydro.LoadSnapshot(filepath.Join(dir, "missing"), "b"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := nets["toid"].SaveSnapshot(filepath.Join(dir, "no", "such", "dir"), "b"); err == nil {
		t.Error("saving into a missing directory succeeded")
	}
}

// TestSnapshotCoversNetwork fails when Network gains or loses a field, so
// that whoever changes it also changes the snapshot (hydro/snapshot.go) and
// bumps SnapshotVersion, instead of snapshots silently dropping the field.
func TestSnapshotCoversNetwork(t *testing.T) {
	snapshotted := []string{"Topology", "Problems", "Geographic", "SRID", "n", "ids", "hasNHD", "down", "size",
		"upMainExc", "lenKm", "cumKm", "cumHours", "pathKm", "hydroseq", "levelPath", "terminalPath", "order",
		"arbolate", "velocity", "flags", "minorUp", "minorDown", "geom", "names", "codes",
		"snap"} // snap: the spatial index, rebuilt on first use, never written
	typ := reflect.TypeFor[hydro.Network]()
	var fields []string
	for i := range typ.NumField() {
		fields = append(fields, typ.Field(i).Name)
	}
	if !slices.Equal(fields, snapshotted) {
		t.Errorf("Network's fields are %v; the snapshot handles %v: update hydro/snapshot.go and SnapshotVersion", fields, snapshotted)
	}
}
