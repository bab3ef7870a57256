package linework

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestNodeTable(t *testing.T) {
	tests := []struct {
		name   string
		lines  []orb.LineString
		opt    Options
		want   []orb.LineString
		source []int
		from   []int
		to     []int
		nodes  []orb.Point
		rings  []int
		splits int
	}{
		{
			name: "Y confluence",
			lines: []orb.LineString{
				{{-5, 5}, {0, 0}},
				{{5, 5}, {0, 0}},
				{{0, 0}, {0, -10}},
			},
			want:   []orb.LineString{{{-5, 5}, {0, 0}}, {{5, 5}, {0, 0}}, {{0, 0}, {0, -10}}},
			source: []int{0, 1, 2},
			from:   []int{0, 2, 1},
			to:     []int{1, 1, 3},
			nodes:  []orb.Point{{-5, 5}, {0, 0}, {5, 5}, {0, -10}},
		},
		{
			name: "T-junction split inserts a vertex",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{5, 5}, {5, 0.3}},
			},
			opt:    Options{Tolerance: 0.5, SplitTJunctions: true},
			want:   []orb.LineString{{{0, 0}, {5, 0}}, {{5, 0}, {10, 0}}, {{5, 5}, {5, 0}}},
			source: []int{0, 0, 1},
			from:   []int{0, 1, 3},
			to:     []int{1, 2, 1},
			nodes:  []orb.Point{{0, 0}, {5, 0}, {10, 0}, {5, 5}},
			splits: 1,
		},
		{
			name: "T-junction not split when disabled",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{5, 5}, {5, 0.3}},
			},
			opt:    Options{Tolerance: 0.5},
			want:   []orb.LineString{{{0, 0}, {10, 0}}, {{5, 5}, {5, 0.3}}},
			source: []int{0, 1},
			from:   []int{0, 2},
			to:     []int{1, 3},
			nodes:  []orb.Point{{0, 0}, {10, 0}, {5, 5}, {5, 0.3}},
		},
		{
			name: "T-junction outside tolerance",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{5, 5}, {5, 0.6}},
			},
			opt:    Options{Tolerance: 0.5, SplitTJunctions: true},
			want:   []orb.LineString{{{0, 0}, {10, 0}}, {{5, 5}, {5, 0.6}}},
			source: []int{0, 1},
			from:   []int{0, 2},
			to:     []int{1, 3},
			nodes:  []orb.Point{{0, 0}, {10, 0}, {5, 5}, {5, 0.6}},
		},
		{
			name: "T-junction at an existing vertex",
			lines: []orb.LineString{
				{{0, 0}, {5, 0}, {10, 0}},
				{{5, 5}, {5, 0}},
			},
			opt:    Options{SplitTJunctions: true},
			want:   []orb.LineString{{{0, 0}, {5, 0}}, {{5, 0}, {10, 0}}, {{5, 5}, {5, 0}}},
			source: []int{0, 0, 1},
			from:   []int{0, 1, 3},
			to:     []int{1, 2, 1},
			nodes:  []orb.Point{{0, 0}, {5, 0}, {10, 0}, {5, 5}},
			splits: 1,
		},
		{
			name: "two tributaries split in digitised order, and both sides",
			lines: []orb.LineString{
				{{0, 0}, {4, 0}, {10, 0}},
				{{8, 3}, {8, 0}},    // touches the second segment
				{{2, -3}, {2, 0.1}}, // touches the first segment from below
			},
			opt: Options{Tolerance: 0.2, SplitTJunctions: true},
			want: []orb.LineString{
				{{0, 0}, {2, 0}}, {{2, 0}, {4, 0}, {8, 0}}, {{8, 0}, {10, 0}},
				{{8, 3}, {8, 0}}, {{2, -3}, {2, 0}},
			},
			source: []int{0, 0, 0, 1, 2},
			from:   []int{0, 1, 2, 4, 5},
			to:     []int{1, 2, 3, 2, 1},
			nodes:  []orb.Point{{0, 0}, {2, 0}, {8, 0}, {10, 0}, {8, 3}, {2, -3}},
			splits: 2,
		},
		{
			name: "two tributaries touching the same point share one node",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{5, 5}, {5, 0}},
				{{5, -5}, {5, 0}},
			},
			opt:    Options{SplitTJunctions: true},
			want:   []orb.LineString{{{0, 0}, {5, 0}}, {{5, 0}, {10, 0}}, {{5, 5}, {5, 0}}, {{5, -5}, {5, 0}}},
			source: []int{0, 0, 1, 2},
			from:   []int{0, 1, 3, 4},
			to:     []int{1, 2, 1, 1},
			nodes:  []orb.Point{{0, 0}, {5, 0}, {10, 0}, {5, 5}, {5, -5}},
			splits: 1,
		},
		{
			name: "end near the other line's end is a node, not a split",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{9.8, 5}, {9.8, 0.1}},
			},
			opt:    Options{Tolerance: 0.5, SplitTJunctions: true},
			want:   []orb.LineString{{{0, 0}, {10, 0}}, {{9.8, 5}, {10, 0}}},
			source: []int{0, 1},
			from:   []int{0, 2},
			to:     []int{1, 1},
			nodes:  []orb.Point{{0, 0}, {10, 0}, {9.8, 5}},
		},
		{
			name: "ends within tolerance snap to the first end",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{10.3, 0}, {20, 0}},
			},
			opt:    Options{Tolerance: 0.5},
			want:   []orb.LineString{{{0, 0}, {10, 0}}, {{10, 0}, {20, 0}}},
			source: []int{0, 1},
			from:   []int{0, 1},
			to:     []int{1, 2},
			nodes:  []orb.Point{{0, 0}, {10, 0}, {20, 0}},
		},
		{
			name: "ends exactly at tolerance snap",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{10.5, 0}, {20, 0}},
			},
			opt:    Options{Tolerance: 0.5},
			want:   []orb.LineString{{{0, 0}, {10, 0}}, {{10, 0}, {20, 0}}},
			source: []int{0, 1},
			from:   []int{0, 1},
			to:     []int{1, 2},
			nodes:  []orb.Point{{0, 0}, {10, 0}, {20, 0}},
		},
		{
			name: "ends outside tolerance stay apart",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{10.3, 0}, {20, 0}},
			},
			opt:    Options{Tolerance: 0.2},
			want:   []orb.LineString{{{0, 0}, {10, 0}}, {{10.3, 0}, {20, 0}}},
			source: []int{0, 1},
			from:   []int{0, 2},
			to:     []int{1, 3},
			nodes:  []orb.Point{{0, 0}, {10, 0}, {10.3, 0}, {20, 0}},
		},
		{
			name: "zero tolerance needs exact coincidence",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}},
				{{10, 0}, {20, 0}},
				{{20.000001, 0}, {30, 0}},
			},
			want:   []orb.LineString{{{0, 0}, {10, 0}}, {{10, 0}, {20, 0}}, {{20.000001, 0}, {30, 0}}},
			source: []int{0, 1, 2},
			from:   []int{0, 1, 3},
			to:     []int{1, 2, 4},
			nodes:  []orb.Point{{0, 0}, {10, 0}, {20, 0}, {20.000001, 0}, {30, 0}},
		},
		{
			name: "chained ends form one node",
			lines: []orb.LineString{
				{{-10, 0}, {0, 0}},
				{{0.4, 0}, {0.4, 10}},
				{{0.8, 0}, {10, 0}},
			},
			opt:    Options{Tolerance: 0.5},
			want:   []orb.LineString{{{-10, 0}, {0, 0}}, {{0, 0}, {0.4, 10}}, {{0, 0}, {10, 0}}},
			source: []int{0, 1, 2},
			from:   []int{0, 1, 1},
			to:     []int{1, 2, 3},
			nodes:  []orb.Point{{-10, 0}, {0, 0}, {0.4, 10}, {10, 0}},
		},
		{
			name: "closed ring",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}, {10, 10}, {0, 0}},
				{{20, 0}, {30, 0}},
			},
			want:   []orb.LineString{{{0, 0}, {10, 0}, {10, 10}, {0, 0}}, {{20, 0}, {30, 0}}},
			source: []int{0, 1},
			from:   []int{0, 1},
			to:     []int{0, 2},
			nodes:  []orb.Point{{0, 0}, {20, 0}, {30, 0}},
			rings:  []int{0},
		},
		{
			name: "ring closed within tolerance is closed exactly",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}, {10, 10}, {0.1, 0.1}},
			},
			opt:    Options{Tolerance: 0.5},
			want:   []orb.LineString{{{0, 0}, {10, 0}, {10, 10}, {0, 0}}},
			source: []int{0},
			from:   []int{0},
			to:     []int{0},
			nodes:  []orb.Point{{0, 0}},
			rings:  []int{0},
		},
		{
			name: "ring split by a touching tributary",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}, {10, 10}, {0, 0}},
				{{20, 5}, {10, 5}},
			},
			opt: Options{SplitTJunctions: true},
			want: []orb.LineString{
				{{0, 0}, {10, 0}, {10, 5}}, {{10, 5}, {10, 10}, {0, 0}}, {{20, 5}, {10, 5}},
			},
			source: []int{0, 0, 1},
			from:   []int{0, 1, 2},
			to:     []int{1, 0, 1},
			nodes:  []orb.Point{{0, 0}, {10, 5}, {20, 5}},
			rings:  []int{0},
			splits: 1,
		},
		{
			name: "a line touching its own interior is not split",
			lines: []orb.LineString{
				{{0, 0}, {10, 0}, {10, 10}, {5, 10}, {5, 0}},
			},
			opt:    Options{SplitTJunctions: true},
			want:   []orb.LineString{{{0, 0}, {10, 0}, {10, 10}, {5, 10}, {5, 0}}},
			source: []int{0},
			from:   []int{0},
			to:     []int{1},
			nodes:  []orb.Point{{0, 0}, {5, 0}},
		},
		{
			name:   "no lines",
			lines:  nil,
			source: []int{},
			from:   []int{},
			to:     []int{},
			want:   []orb.LineString{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := cloneLines(tt.lines)
			res, err := Node(in, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, tt.lines) {
				t.Errorf("input modified: %v", in)
			}
			check := func(what string, got, want any) {
				t.Helper()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("Lines", res.Lines, tt.want)
			check("Source", res.Source, tt.source)
			check("FromNode", res.FromNode, tt.from)
			check("ToNode", res.ToNode, tt.to)
			check("NodeXY", res.NodeXY, tt.nodes)
			check("Rings", res.Rings, tt.rings)
			check("Splits", res.Splits, tt.splits)
			checkInvariants(t, tt.lines, res)
		})
	}
}

func cloneLines(ls []orb.LineString) []orb.LineString {
	if ls == nil {
		return nil
	}
	out := make([]orb.LineString, len(ls))
	for i, l := range ls {
		out[i] = append(orb.LineString(nil), l...)
	}
	return out
}

// checkInvariants verifies what every Result must satisfy.
func checkInvariants(t *testing.T, in []orb.LineString, res *Result) {
	t.Helper()
	n := len(res.Lines)
	if len(res.Source) != n || len(res.FromNode) != n || len(res.ToNode) != n {
		t.Fatalf("length mismatch: %d lines, %d sources, %d from, %d to", n, len(res.Source), len(res.FromNode), len(res.ToNode))
	}
	if res.Splits != n-len(in) {
		t.Errorf("Splits = %d, want %d", res.Splits, n-len(in))
	}
	next := 0
	for i, l := range res.Lines {
		if i > 0 && res.Source[i] < res.Source[i-1] {
			t.Errorf("Source not in input order at %d", i)
		}
		if len(l) < 2 {
			t.Errorf("line %d has %d vertices", i, len(l))
			continue
		}
		for _, nd := range []int{res.FromNode[i], res.ToNode[i]} {
			if nd < 0 || nd >= len(res.NodeXY) {
				t.Fatalf("line %d: node %d out of range", i, nd)
			}
			if nd > next {
				t.Errorf("line %d: node %d before node %d appeared", i, nd, next)
			}
			if nd == next {
				next++
			}
		}
		if l[0] != res.NodeXY[res.FromNode[i]] || l[len(l)-1] != res.NodeXY[res.ToNode[i]] {
			t.Errorf("line %d ends %v %v are not at its nodes %v %v", i, l[0], l[len(l)-1],
				res.NodeXY[res.FromNode[i]], res.NodeXY[res.ToNode[i]])
		}
	}
	if next != len(res.NodeXY) {
		t.Errorf("%d nodes, %d used", len(res.NodeXY), next)
	}
}

func TestNodeInvalid(t *testing.T) {
	good := orb.LineString{{0, 0}, {1, 1}}
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name  string
		lines []orb.LineString
		opt   Options
		line  int    // -1: not an InputError
		msg   string // substring of the error
	}{
		{"empty line", []orb.LineString{good, {}}, Options{}, 1, "line 1: empty line"},
		{"nil line", []orb.LineString{nil}, Options{}, 0, "line 0: empty line"},
		{"single vertex", []orb.LineString{good, good, {{3, 3}}}, Options{}, 2, "line 2: fewer than 2 distinct vertices"},
		{"repeated vertex only", []orb.LineString{{{3, 3}, {3, 3}, {3, 3}}}, Options{}, 0, "fewer than 2 distinct vertices"},
		{"NaN", []orb.LineString{good, {{0, 0}, {nan, 1}}}, Options{}, 1, "line 1: vertex 1 has a non-finite coordinate"},
		{"Inf", []orb.LineString{{{0, inf}, {1, 1}}}, Options{}, 0, "vertex 0 has a non-finite coordinate"},
		{"overflowing length", []orb.LineString{{{-1.7e308, 0}, {1.7e308, 0}}}, Options{}, 0, "zero or non-finite length"},
		{"underflowing length", []orb.LineString{{{0, 0}, {5e-324, 0}, {0, 0}}}, Options{}, -1, ""},
		{"negative tolerance", []orb.LineString{good}, Options{Tolerance: -1}, -1, "tolerance"},
		{"NaN tolerance", []orb.LineString{good}, Options{Tolerance: nan}, -1, "tolerance"},
		{"Inf tolerance", []orb.LineString{good}, Options{Tolerance: inf}, -1, "tolerance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Node(tt.lines, tt.opt)
			if tt.msg == "" {
				// 5e-324 is a distinct vertex with a positive length: valid.
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				checkInvariants(t, tt.lines, res)
				return
			}
			if err == nil {
				t.Fatalf("no error, got %d lines", len(res.Lines))
			}
			if res != nil {
				t.Error("result returned with an error")
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			var ie *InputError
			if errors.As(err, &ie) != (tt.line >= 0) || (ie != nil && ie.Line != tt.line) {
				t.Errorf("error %#v, want InputError for line %d", err, tt.line)
			}
		})
	}
}

// TestNodeDeterministic checks that shuffling nothing but the search order
// (by running twice) and re-running on random networks gives the same
// result, and that the invariants hold on messy input.
func TestNodeRandomNetworks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 200; iter++ {
		lines := randomLines(r, 1+r.IntN(40))
		opt := Options{Tolerance: []float64{0, 0.1, 0.5, 2}[r.IntN(4)], SplitTJunctions: r.IntN(2) == 0}
		a, err := Node(lines, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Node(lines, opt)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("iteration %d: not deterministic", iter)
		}
		checkInvariants(t, lines, a)
		if t.Failed() {
			t.Fatalf("iteration %d: %v %+v", iter, lines, opt)
		}
	}
}

// randomLines makes lines on a coarse grid so that ends and interiors
// coincide or nearly coincide often.
func randomLines(r *rand.Rand, n int) []orb.LineString {
	lines := make([]orb.LineString, n)
	for i := range lines {
		nv := 2 + r.IntN(4)
		l := make(orb.LineString, nv)
		for j := range l {
			l[j] = orb.Point{float64(r.IntN(8)) + float64(r.IntN(3))*0.2, float64(r.IntN(8)) + float64(r.IntN(3))*0.2}
		}
		if l[0] == l[1] {
			l[1][0] += 1
		}
		lines[i] = l
	}
	return lines
}

// FuzzNode feeds arbitrary coordinates to Node: it must return an error or
// a consistent result, never panic.
func FuzzNode(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 10, 0, 255, 5, 5, 5, 0}, uint8(5), true)
	f.Add([]byte{1, 2, 3, 4, 255, 4, 3, 2, 1}, uint8(0), false)
	f.Add([]byte{0, 0, 10, 0, 10, 10, 0, 0, 255, 20, 5, 10, 5}, uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, tol uint8, split bool) {
		var lines []orb.LineString
		var cur orb.LineString
		for i := 0; i+1 < len(data); i += 2 {
			if data[i] == 255 {
				lines = append(lines, cur)
				cur = nil
				i--
				continue
			}
			cur = append(cur, orb.Point{float64(data[i]) / 4, float64(data[i+1]) / 4})
		}
		lines = append(lines, cur)
		if len(data) >= 8 && data[0] == 254 {
			lines[0] = append(lines[0], orb.Point{math.Float64frombits(binary.LittleEndian.Uint64(data)), 0})
		}
		res, err := Node(lines, Options{Tolerance: float64(tol) / 8, SplitTJunctions: split})
		if err != nil {
			return
		}
		checkInvariants(t, lines, res)
	})
}

// TestNodeInvalidFirst checks that among many lines, validated on all
// cores, the error names the first invalid line in input order.
func TestNodeInvalidFirst(t *testing.T) {
	lines := make([]orb.LineString, 20000)
	for i := range lines {
		lines[i] = orb.LineString{{float64(i), 0}, {float64(i), 1}}
	}
	lines[19000] = orb.LineString{{1, 1}}
	lines[12345] = nil
	lines[15000] = orb.LineString{{0, math.NaN()}, {1, 1}}
	_, err := Node(lines, Options{})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 12345 || ie.Reason != "empty line" {
		t.Fatalf("got %v, want line 12345: empty line", err)
	}
}
