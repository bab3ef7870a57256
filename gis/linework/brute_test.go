package linework

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// bruteClusters labels every line end (2i: line i's first vertex, 2i+1 its
// last) with its node by the rule alone, comparing every pair of ends: two
// ends share a node when a chain of ends, each at most tol from the next,
// joins them. A node's label is its smallest end.
func bruteClusters(lines []orb.LineString, tol float64) []int {
	var pos []orb.Point
	for _, l := range lines {
		pos = append(pos, l[0], l[len(l)-1])
	}
	label := make([]int, len(pos))
	for i := range label {
		label[i] = -1
	}
	for s := range pos {
		if label[s] >= 0 {
			continue
		}
		label[s] = s // s is the smallest end not yet labelled: its node's smallest
		queue := []int{s}
		for len(queue) > 0 {
			a := queue[0]
			queue = queue[1:]
			for b := range pos {
				if label[b] < 0 && math.Hypot(pos[b][0]-pos[a][0], pos[b][1]-pos[a][1]) <= tol {
					label[b] = s
					queue = append(queue, b)
				}
			}
		}
	}
	return label
}

// bruteTouches returns, for every line, the labels of the nodes of ends
// that touch its interior: the closest point of the line to any end of the
// node (first segment, then first along it, on ties) is at most tol away,
// and farther than tol from both of the line's ends. Ends of the line
// itself never touch it. Every node is compared with every segment.
func bruteTouches(lines []orb.LineString, label []int, tol float64) [][]int {
	members := map[int][]int{}
	for e, l := range label {
		members[l] = append(members[l], e)
	}
	touches := make([][]int, len(lines))
	for li, l := range lines {
		for node, ends := range members {
			if label[2*li] == node || label[2*li+1] == node {
				continue
			}
			bestD, found := math.Inf(1), false
			var bestPt orb.Point
			for _, e := range ends {
				p := lines[e/2][0]
				if e%2 == 1 {
					p = lines[e/2][len(lines[e/2])-1]
				}
				for j := 0; j+1 < len(l); j++ {
					a, b := l[j], l[j+1]
					dx, dy := b[0]-a[0], b[1]-a[1]
					t := 0.0
					if n2 := dx*dx + dy*dy; n2 > 0 {
						t = min(1, max(0, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/n2))
					}
					q := orb.Point{a[0] + t*dx, a[1] + t*dy}
					switch t {
					case 0:
						q = a
					case 1:
						q = b
					}
					if d := math.Hypot(p[0]-q[0], p[1]-q[1]); d <= tol && d < bestD {
						bestD, bestPt, found = d, q, true
					}
				}
			}
			first, last := l[0], l[len(l)-1]
			if found && math.Hypot(bestPt[0]-first[0], bestPt[1]-first[1]) > tol &&
				math.Hypot(bestPt[0]-last[0], bestPt[1]-last[1]) > tol {
				touches[li] = append(touches[li], node)
			}
		}
	}
	return touches
}

// checkAgainstBrute compares Node's node assignment on lines with the
// brute-force rules. Without T-junctions the whole result follows from
// the clusters: nodes numbered in order of first appearance (from, then
// to, line by line), each at its first end, every line's ends moved onto
// its nodes. With T-junctions, the ends of one brute-force node share a
// node, a line is cut exactly at the nodes that touch it, and two brute
// nodes share a node only where both touch one line (at the same point).
func checkAgainstBrute(t *testing.T, lines []orb.LineString, tol float64, splitT bool) {
	t.Helper()
	res, err := Node(lines, Options{Tolerance: tol, SplitTJunctions: splitT, AllowZeroLength: true})
	if err != nil {
		t.Fatal(err)
	}
	label := bruteClusters(lines, tol)
	endPos := func(e int) orb.Point {
		if l := lines[e/2]; e%2 == 1 {
			return l[len(l)-1]
		}
		return lines[e/2][0]
	}
	if !splitT {
		id := map[int]int{}
		var from, to []int
		var xy []orb.Point
		node := func(e int) int {
			if n, ok := id[label[e]]; ok {
				return n
			}
			id[label[e]] = len(xy)
			xy = append(xy, endPos(label[e]))
			return len(xy) - 1
		}
		var want []orb.LineString
		for i, l := range lines {
			f, tn := node(2*i), node(2*i+1)
			from, to = append(from, f), append(to, tn)
			w := slices.Clone(l)
			w[0], w[len(w)-1] = xy[f], xy[tn]
			want = append(want, w)
		}
		for what, pair := range map[string][2]any{
			"FromNode": {res.FromNode, from}, "ToNode": {res.ToNode, to}, "NodeXY": {res.NodeXY, xy}, "Lines": {res.Lines, want},
		} {
			if !reflect.DeepEqual(pair[0], pair[1]) {
				t.Errorf("%s differs from the brute-force clusters", what)
			}
		}
		if res.Splits != 0 {
			t.Errorf("%d splits with T-junctions off", res.Splits)
		}
		return
	}
	// With T-junctions: the node of every input line end, and the nodes
	// inside every input line.
	endNode := make([]int, 2*len(lines))
	inner := make([][]int, len(lines))
	for k, src := range res.Source {
		if k == 0 || res.Source[k-1] != src {
			endNode[2*src] = res.FromNode[k]
		} else {
			inner[src] = append(inner[src], res.FromNode[k])
		}
		endNode[2*src+1] = res.ToNode[k]
	}
	nodeOf := map[int]int{}
	for e, l := range label {
		if n, ok := nodeOf[l]; ok && n != endNode[e] {
			t.Fatalf("ends %d and %d are one brute-force node but Node gives them nodes %d and %d", l, e, n, endNode[e])
		}
		nodeOf[l] = endNode[e]
	}
	touches := bruteTouches(lines, label, tol)
	sharedLine := map[[2]int]bool{}
	for li, ts := range touches {
		want := map[int]bool{}
		for _, c := range ts {
			want[nodeOf[c]] = true
			for _, d := range ts {
				sharedLine[[2]int{c, d}] = true
			}
		}
		got := map[int]bool{}
		for _, n := range inner[li] {
			got[n] = true
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("line %d is cut at nodes %v, the brute-force touches are nodes %v (ends %v)", li, got, want, ts)
		}
	}
	byNode := map[int][]int{}
	for l, n := range nodeOf {
		byNode[n] = append(byNode[n], l)
	}
	for n, ls := range byNode {
		for _, a := range ls {
			for _, b := range ls {
				if a != b && !sharedLine[[2]int{a, b}] {
					t.Fatalf("brute-force nodes %d and %d share node %d without touching a line together", a, b, n)
				}
			}
		}
	}
}

// TestNodeBruteForceRandom checks Node against the brute-force rules on
// seeded random lines with ends at, just inside and just outside the
// tolerance of each other and of other lines, and on the grid's cell
// edges.
func TestNodeBruteForceRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 16))
	for iter := range 40 {
		tol := []float64{5e-6, 0.1, 0.5, 3}[iter%4]
		origin := []orb.Point{{0, 0}, {121.01, 24.5}, {250000, 2700000}}[iter%3]
		lines := edgyLines(r, 10+r.IntN(300), tol, origin)
		for _, splitT := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/tol=%g/split=%v", iter, tol, splitT), func(t *testing.T) {
				checkAgainstBrute(t, lines, tol, splitT)
			})
		}
	}
}

// TestNodeBruteForceReal checks Node against the brute-force rules on the
// real networks small enough to compare every pair (the NLDI, hydroloom
// and smaller NHDPlus sets, and the Touqian network at orders 7 and up).
func TestNodeBruteForceReal(t *testing.T) {
	if testing.Short() {
		t.Skip("brute force is quadratic")
	}
	for _, set := range readRealLineSets(t) {
		lines := usable(set.lines)
		vertices := 0
		for _, l := range lines {
			vertices += len(l)
		}
		if len(lines) > 3000 || vertices > 60000 {
			continue
		}
		for _, splitT := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/split=%v", set.name, splitT), func(t *testing.T) {
				checkAgainstBrute(t, lines, set.tol, splitT)
			})
		}
	}
}
