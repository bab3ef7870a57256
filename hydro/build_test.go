package hydro

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// toid builds an id → toid network; "a>b,c" means a drains to b and c.
func toid(t *testing.T, spec ...string) []Reach {
	t.Helper()
	var out []Reach
	for _, s := range spec {
		id, to, _ := strings.Cut(s, ">")
		r := Reach{ID: id, LengthKm: 1, VelocityFps: Missing, TotDASqKm: Missing}
		if to != "" {
			r.ToIDs = strings.Split(to, ",")
		}
		out = append(out, r)
	}
	return out
}

func ids(n *Network, hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = n.ID(h.Reach)
	}
	sort.Strings(out)
	return out
}

func mustBuild(t *testing.T, rs []Reach) *Network {
	t.Helper()
	n, err := Build(context.Background(), rs, Options{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return n
}

func nav(t *testing.T, n *Network, mode Mode, start string, km float64) []string {
	t.Helper()
	i, ok := n.Index(start)
	if !ok {
		t.Fatalf("no reach %s", start)
	}
	hits, err := n.NavigateAll(context.Background(), Query{Mode: mode, Start: i, DistanceKm: km, HasDistance: km > 0})
	if err != nil {
		t.Fatalf("navigate: %v", err)
	}
	return ids(n, hits)
}

func TestBuildProblems(t *testing.T) {
	tests := []struct {
		name    string
		reaches []Reach
		want    string // substring of the error; "" = builds
		check   func(t *testing.T, err error)
	}{
		{
			name:    "two separate loops",
			reaches: toid(t, "a>b", "b>c", "c>a", "x>y", "y>x", "h>a", "o>"),
			want:    "cycle",
			check: func(t *testing.T, err error) {
				var be *BuildError
				if !errors.As(err, &be) {
					t.Fatalf("want *BuildError, got %T", err)
				}
				cs := be.Cycles()
				if len(cs) != 2 {
					t.Fatalf("want 2 cycles, got %d: %v", len(cs), err)
				}
				got := []string{strings.Join(cs[0].Loop, ","), strings.Join(cs[1].Loop, ",")}
				sort.Strings(got)
				if got[0] != "a,b,c" || got[1] != "x,y" {
					t.Fatalf("loops = %v", got)
				}
			},
		},
		{
			name:    "self loop",
			reaches: toid(t, "a>a", "b>"),
			want:    "cycle of 1 reaches: a -> a",
		},
		{
			name:    "duplicate id",
			reaches: []Reach{{ID: "7", LengthKm: 1}, {ID: "7", LengthKm: 2}},
			want:    `duplicate reach id "7"`,
			check: func(t *testing.T, err error) {
				var d *DuplicateIDError
				if !errors.As(err, &d) || d.ID != "7" || !slices.Equal(d.Rows, []int{1, 2}) {
					t.Fatalf("want DuplicateIDError for 7 rows 1,2; got %v", err)
				}
			},
		},
		{
			name: "zero-length geometry",
			reaches: []Reach{
				{ID: "1", LengthKm: Missing, ToIDs: []string{"2"}, Geometry: orb.LineString{{0, 0}, {0, 0}}},
				{ID: "2", LengthKm: Missing, Geometry: orb.LineString{{0, 0}, {1, 1}}},
			},
			want: "reach 1 (record 1): invalid geometry: zero length",
		},
		{
			name: "single vertex",
			reaches: []Reach{
				{ID: "1", LengthKm: Missing, Geometry: orb.LineString{{3, 4}}},
			},
			want: "at least two vertices",
		},
		{
			name:    "dangling downstream is a warning",
			reaches: toid(t, "a>b", "b>zz"),
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(context.Background(), tc.reaches, Options{})
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.want)
				}
			}
			if tc.check != nil {
				tc.check(t, err)
			}
		})
	}
}

func TestStrictDangling(t *testing.T) {
	_, err := Build(context.Background(), toid(t, "a>b", "b>zz"), Options{Strict: true})
	var d *DanglingRefError
	if !errors.As(err, &d) || d.ID != "b" || d.Ref != "zz" {
		t.Fatalf("want DanglingRefError b -> zz, got %v", err)
	}
	n := mustBuild(t, toid(t, "a>b", "b>zz"))
	if len(n.Problems) != 1 || n.Problems[0].Severity() != Warning {
		t.Fatalf("problems = %v", n.Problems)
	}
}

// A small basin:
//
//	h1   h2   h3
//	 \  /     |
//	  m1     t1
//	   \    /
//	    m2       d (minor divergence from m1 into d; d rejoins at o)
//	     |
//	     o
func basin(t *testing.T) *Network {
	rs := toid(t, "h1>m1", "h2>m1", "h3>t1", "t1>m2", "m1>m2,d", "m2>o", "d>o", "o>")
	// m1 drains to m2 (main, listed first) and d (minor).
	return mustBuild(t, rs)
}

func TestNavigateSmall(t *testing.T) {
	n := basin(t)
	tests := []struct {
		name  string
		mode  Mode
		start string
		km    float64
		want  string
	}{
		{"UT outlet", UT, "o", 0, "d,h1,h2,h3,m1,m2,o,t1"},
		{"UT divergence climbs to its source", UT, "d", 0, "d,h1,h2,m1"},
		{"UT limited", UT, "o", 1, "d,m2,o"},
		{"UT headwater", UT, "h3", 0, "h3"},
		{"DM from headwater", DM, "h1", 0, "h1,m1,m2,o"},
		{"DD follows the divergence", DD, "h1", 0, "d,h1,m1,m2,o"},
		{"DD limited", DD, "h1", 1, "d,h1,m1,m2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(nav(t, n, tc.mode, tc.start, tc.km), ",")
			if got != tc.want {
				t.Fatalf("%s from %s = %s, want %s", tc.mode, tc.start, got, tc.want)
			}
		})
	}
	var warned bool
	for _, p := range n.Problems {
		var w *MultipleDownstreamWarning
		if errors.As(p, &w) && w.ID == "m1" && w.Main == "m2" && slices.Equal(w.Minor, []string{"d"}) {
			warned = true
		}
	}
	if !warned {
		t.Fatalf("no MultipleDownstream warning for m1: %v", n.Problems)
	}
}

func TestComputedAttributes(t *testing.T) {
	n := basin(t)
	tests := []struct {
		id       string
		order    int
		pathKm   float64
		start    bool
		terminal bool
	}{
		{"h1", 1, 3, true, false},
		{"m1", 2, 2, false, false},
		{"t1", 1, 2, false, false},
		{"m2", 2, 1, false, false},
		// d is the minor path of m1's split; rejoining at o it does not
		// raise the order (m2 is 2, d only repeats m1's 2).
		{"o", 2, 0, false, true},
		{"d", 2, 1, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			i, _ := n.Index(tc.id)
			a := n.Attrs(i)
			if a.StreamOrder != tc.order || a.PathLengthKm != tc.pathKm || a.StartFlag != tc.start || a.TerminalFlag != tc.terminal {
				t.Fatalf("attrs = %+v, want order %d path %v start %v terminal %v", a, tc.order, tc.pathKm, tc.start, tc.terminal)
			}
		})
	}
	// The main stem of o climbs the branch with the larger arbolate sum (m2 ← m1).
	i, _ := n.Index("o")
	got := nav(t, n, UM, "o", 0)
	if strings.Join(got, ",") != "h1,m1,m2,o" && strings.Join(got, ",") != "h2,m1,m2,o" {
		t.Fatalf("UM from o = %v", got)
	}
	if n.Attrs(i).ArbolateSumKm != 8 {
		t.Fatalf("arbolate at o = %v, want 8", n.Attrs(i).ArbolateSumKm)
	}
}

func TestNavigateErrors(t *testing.T) {
	n := basin(t)
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"unknown reach", Query{Mode: UT, Start: 99}, "unknown reach"},
		{"negative distance", Query{Mode: UT, DistanceKm: -1, HasDistance: true}, "distance limit"},
		{"bad mode", Query{Mode: "XX"}, "unknown navigation mode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := n.NavigateAll(context.Background(), tc.q)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := ParseMode("up"); err == nil {
		t.Fatal("ParseMode accepted \"up\"")
	}
	if m, err := ParseMode("ut"); err != nil || m != UT {
		t.Fatalf("ParseMode(ut) = %v, %v", m, err)
	}
}

func TestNavigateCancelled(t *testing.T) {
	// A long chain so the context is checked mid-way.
	var spec []string
	const N = 3 * checkEvery
	for i := 0; i < N; i++ {
		s := itoa(i) + ">"
		if i > 0 {
			s += itoa(i - 1)
		}
		spec = append(spec, s)
	}
	n := mustBuild(t, toid(t, spec...))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	i, _ := n.Index("0")
	count := 0
	err := n.Navigate(ctx, Query{Mode: UT, Start: i}, func(Hit) bool { count++; return true })
	t.Logf("%d reaches before cancellation was seen", count)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Reaches that carry only geometry (as SQL users insert them) are noded by
// Build itself.
func TestBuildFromGeometryOnly(t *testing.T) {
	rs := []Reach{
		{ID: "a", LengthKm: Missing, Geometry: orb.LineString{{0, 100}, {0, 50}}},
		{ID: "b", LengthKm: Missing, Geometry: orb.LineString{{50, 50}, {0, 50}}},
		{ID: "c", LengthKm: Missing, Geometry: orb.LineString{{0, 50}, {0, 0}}},
		// d ends in the middle of c: c is split there.
		{ID: "d", LengthKm: Missing, Geometry: orb.LineString{{40, 25}, {0, 25}}},
	}
	n, err := Build(context.Background(), rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Len() != 5 {
		t.Fatalf("%d reaches, want 5 after splitting c", n.Len())
	}
	got := strings.Join(nav(t, n, UT, "c.2", 0), ",")
	if got != "a,b,c.1,c.2,d" {
		t.Fatalf("UT from c.2 = %s", got)
	}
}
