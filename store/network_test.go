package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store"
)

// TestNetworkRoundTrip imports real networks of every topology kind,
// loads them back, and checks that hydro.Build on the stored reaches
// answers every navigation exactly as building from the file does.
func TestNetworkRoundTrip(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	for _, f := range []networkFile{newHope, touqian, nldi921, hrCSV} {
		t.Run(f.name, func(t *testing.T) {
			reaches, srid := readReaches(t, f)
			var calls [][2]int
			if err := store.ImportNetwork(ctx, pool, f.name, reaches, srid, func(d, n int) { calls = append(calls, [2]int{d, n}) }); err != nil {
				t.Fatal(err)
			}
			if len(calls) < 2 || calls[len(calls)-1] != [2]int{len(reaches), len(reaches)} {
				t.Fatalf("progress calls %v", calls)
			}
			back, gotSRID, err := store.LoadReaches(ctx, pool, f.name)
			if err != nil {
				t.Fatal(err)
			}
			if gotSRID != srid || len(back) != len(reaches) {
				t.Fatalf("loaded %d reaches in SRID %d, imported %d in %d", len(back), gotSRID, len(reaches), srid)
			}
			for i := range reaches {
				if !store.SameReach(reaches[i], back[i]) {
					t.Fatalf("reach %d changed in the store:\nin  %+v\nout %+v", i, reaches[i], back[i])
				}
			}
			fromFile := loadFile(t, f)
			fromDB, err := store.BuildNetwork(ctx, pool, f.name, hydro.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d reaches, topology %s, SRID %d, %d minor divergences", f.rel, fromDB.Len(), fromDB.Topology, fromDB.SRID, fromDB.MinorDivergences())
			sameNavigation(t, fromFile, fromDB, starts(fromFile, 150))
		})
	}
	nets, err := store.Networks(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 4 || nets[0].Name != "hr" || nets[2].Topology != hydro.TopologyNHDPlus || nets[3].Topology != hydro.TopologyNodes || nets[3].SRID != 3826 {
		t.Fatalf("networks: %+v", nets)
	}
	if _, _, err := store.LoadReaches(ctx, pool, "nowhere"); !errors.Is(err, store.ErrUnknownNetwork) {
		t.Fatalf("unknown network: %v", err)
	}
}

// TestUpstreamSQL writes the engine's labels back and checks the SQL that
// docs/postgis.md gives users against Network.Navigate: the plain range
// query is exact for starts with no minor divergence leading into their
// tree, and the union query is exact for every start.
func TestUpstreamSQL(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	for _, f := range []networkFile{newHope, nldi921, hrCSV, touqian} {
		t.Run(f.name, func(t *testing.T) {
			reaches, srid := readReaches(t, f)
			if err := store.ImportNetwork(ctx, pool, f.name, reaches, srid, nil); err != nil {
				t.Fatal(err)
			}
			net, err := store.BuildNetwork(ctx, pool, f.name, hydro.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := store.WriteLabels(ctx, pool, f.name, net); err != nil {
				t.Fatal(err)
			}
			// Minor edges UT climbs, by the reach they lead into.
			climbTo := map[int32]bool{}
			for i := int32(0); i < int32(net.Len()); i++ {
				for _, to := range net.Attrs(i).MinorDownstreamTo {
					j, _ := net.Index(to)
					if !net.Attrs(j).StartFlag {
						climbTo[j] = true
					}
				}
			}
			exactRange, withDivergence := 0, 0
			for _, id := range starts(net, 400) {
				i, _ := net.Index(id)
				ut, err := navigate(t, net, hydro.Query{Mode: hydro.UT, Start: i})
				if errors.Is(err, hydro.ErrNotNavigable) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				want := sortedKeys(ut)
				union, err := store.Upstream(ctx, pool, f.name, id, false)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(union)
				if !slices.Equal(union, want) {
					t.Fatalf("union SQL upstream of %s: %d reaches, Navigate UT %d", id, len(union), len(want))
				}
				rng, err := store.Upstream(ctx, pool, f.name, id, true)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(rng)
				a := net.Attrs(i)
				divergent := false
				for j := range climbTo {
					if j >= a.IntervalLo && j < a.IntervalHi {
						divergent = true
						break
					}
				}
				if divergent {
					withDivergence++
					for _, r := range rng {
						if _, ok := ut[r]; !ok {
							t.Fatalf("range SQL upstream of %s returned %s, which UT does not reach", id, r)
						}
					}
					continue
				}
				exactRange++
				if !slices.Equal(rng, want) {
					t.Fatalf("range SQL upstream of %s (no divergence upstream): %d reaches, Navigate UT %d", id, len(rng), len(want))
				}
			}
			t.Logf("%s: range SQL exact for %d starts; %d starts have minor divergences upstream, union SQL exact for all", f.name, exactRange, withDivergence)
			if (f == nldi921 || f == hrCSV) && withDivergence == 0 {
				t.Fatal("the divergent network exercised no divergence")
			}
			// Labels stored equal the engine's.
			var lo, hi, order int
			var lp int64
			id := net.ID(0)
			if err := pool.QueryRow(ctx, "select idx_lo, idx_hi, calc_strahler, calc_levelpath from reaches where network = $1 and id = $2", f.name, id).
				Scan(&lo, &hi, &order, &lp); err != nil {
				t.Fatal(err)
			}
			a := net.Attrs(0)
			if lo != int(a.IntervalLo) || hi != int(a.IntervalHi) || order != a.StreamOrder || lp != a.LevelPathID {
				t.Fatalf("stored labels of %s: [%d,%d) order %d levelpath %d; engine %+v", id, lo, hi, order, lp, a)
			}
		})
	}
}

// TestReimportChangesNothing: the same import twice leaves every row
// untouched (same content, same row versions) and keeps the labels; a
// changed reach rewrites that reach only and clears the now stale labels.
func TestReimportChangesNothing(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	reaches, srid := readReaches(t, newHope)
	if err := store.ImportNetwork(ctx, pool, newHope.name, reaches, srid, nil); err != nil {
		t.Fatal(err)
	}
	net, err := store.BuildNetwork(ctx, pool, newHope.name, hydro.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.WriteLabels(ctx, pool, newHope.name, net); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, pool)
	if err := store.ImportNetwork(ctx, pool, newHope.name, reaches, srid, nil); err != nil {
		t.Fatal(err)
	}
	if err := store.WriteLabels(ctx, pool, newHope.name, net); err != nil {
		t.Fatal(err)
	}
	after := takeSnapshot(t, pool)
	for _, table := range []string{"reaches", "networks", "reach_minor_edges"} {
		if before[table] != after[table] {
			t.Fatalf("re-import changed %s: %v → %v", table, before[table], after[table])
		}
	}
	if n := before["reach_minor_edges"][0]; n == "0" {
		t.Fatal("new_hope has no minor divergence; the edge check proved nothing")
	}

	// One reach renamed: only it is rewritten, and the labels go.
	changed := append([]hydro.Reach(nil), reaches...)
	changed[10].Name = "renamed"
	if err := store.ImportNetwork(ctx, pool, newHope.name, changed, srid, nil); err != nil {
		t.Fatal(err)
	}
	var labelled, rewritten int
	if err := pool.QueryRow(ctx, "select count(*) filter (where idx_lo is not null), count(*) filter (where name = 'renamed') from reaches where network = $1", newHope.name).Scan(&labelled, &rewritten); err != nil {
		t.Fatal(err)
	}
	nets, _ := store.Networks(ctx, pool)
	if labelled != 0 || rewritten != 1 || nets[0].LabelledAt != nil {
		t.Fatalf("after a change: %d labelled reaches, %d renamed, labelled_at %v", labelled, rewritten, nets[0].LabelledAt)
	}

	// A network built from other data is refused, writing nothing.
	other := loadFile(t, touqian)
	if err := store.WriteLabels(ctx, pool, newHope.name, other); !errors.Is(err, store.ErrMismatch) {
		t.Fatalf("labels of another network: %v", err)
	}

	// Fewer reaches: the vanished ones are deleted.
	if err := store.ImportNetwork(ctx, pool, newHope.name, reaches[:100], srid, nil); err != nil {
		t.Fatal(err)
	}
	back, _, err := store.LoadReaches(ctx, pool, newHope.name)
	if err != nil || len(back) != 100 {
		t.Fatalf("after importing 100 reaches: %d loaded, %v", len(back), err)
	}
	// Another CRS replaces every geometry.
	if err := store.ImportNetwork(ctx, pool, newHope.name, reaches[:5], 4326, nil); err != nil {
		t.Fatal(err)
	}
	if _, s, _ := store.LoadReaches(ctx, pool, newHope.name); s != 4326 {
		t.Fatalf("SRID after re-import in 4326: %d", s)
	}
}

func TestImportNetworkRejectsBadReaches(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	reaches, srid := readReaches(t, touqian)
	bad := append([]hydro.Reach(nil), reaches[:50]...)
	bad[7].Geometry = bad[7].Geometry[:1]
	bad[9].ID = bad[3].ID
	err := store.ImportNetwork(ctx, pool, "bad", bad, srid, nil)
	var re *store.ReachError
	if !errors.As(err, &re) || re.Index != 7 || !errors.Is(err, postgis.ErrGeometry) {
		t.Fatalf("bad geometry: %v", err)
	}
	t.Log(err)
	if nets, _ := store.Networks(ctx, pool); len(nets) != 0 {
		t.Fatal("a rejected import stored a network")
	}
}
