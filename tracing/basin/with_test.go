package basin_test

import (
	"reflect"
	"testing"

	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
)

// placement is one outfall's place, by key, as a test compares them.
type placement struct {
	Facility, ID string
	Reach        int32
	Place        basin.Place
}

func placements(b *basin.Basin) []placement {
	var out []placement
	for r := int32(0); r < int32(b.Net.Len()); r++ {
		for _, o := range b.OutfallsOn(r) {
			out = append(out, placement{o.Outfall.Facility, o.Outfall.ID, r, o.Place})
		}
	}
	return out
}

// TestWith changes the records of a basin in place of a new load: an
// outfall moved to another reach, a new facility with an outfall and a
// new station are placed again, and the result places everything as New
// places the same dataset from scratch, while the basin it came from
// keeps its own placements and its outfalls point into the new dataset.
func TestWith(t *testing.T) {
	b := central(t)
	before := placements(b)
	moved := b.DS.Outfalls[0]
	target := b.DS.Outfalls[len(b.DS.Outfalls)-1]
	moved.Point = target.Point
	fac := b.DS.Facilities[0]
	fac.EmsNo, fac.Name = "N-WITH", "new plant"
	out := target
	out.Facility, out.ID = fac.EmsNo, "E01"
	st := b.DS.Stations[0]
	st.ID, st.Point = "WQ-WITH", b.DS.Outfalls[1].Point
	ds, err := b.DS.WithRecords(&model.Dataset{Facilities: []model.Facility{fac}, Outfalls: []model.Outfall{moved, out}, Stations: []model.Station{st}})
	if err != nil {
		t.Fatal(err)
	}
	got := b.With(ds, []string{moved.Facility, fac.EmsNo}, []string{st.ID})
	want, err := basin.New(b.Net, ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(placements(got), before) {
		t.Fatal("nothing moved: the test changes nothing")
	}
	if g, w := placements(got), placements(want); !reflect.DeepEqual(g, w) {
		t.Errorf("With places\n%v\nNew places\n%v", g, w)
	}
	for _, id := range want.StationIDs() {
		g, ok := got.Station(id)
		if w, _ := want.Station(id); !ok || g != w {
			t.Errorf("station %s placed at %+v, New places it at %+v", id, g, w)
		}
	}
	if len(got.StationIDs()) != len(want.StationIDs()) {
		t.Errorf("%d stations placed, New places %d", len(got.StationIDs()), len(want.StationIDs()))
	}
	if p := got.OutfallsOf(moved.Facility); len(p) == 0 || p[0].Outfall.Point != target.Point {
		t.Errorf("the moved outfall is placed as %+v", p)
	}
	for r := int32(0); r < int32(got.Net.Len()); r++ {
		for _, o := range got.OutfallsOn(r) {
			if in, _ := ds.Outfall(o.Outfall.Facility, o.Outfall.ID); in != o.Outfall {
				t.Fatalf("outfall %s/%s points outside the new dataset", o.Outfall.Facility, o.Outfall.ID)
			}
		}
	}
	if !reflect.DeepEqual(placements(b), before) {
		t.Error("With changed the basin it was called on")
	}
}
