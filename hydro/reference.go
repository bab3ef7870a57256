package hydro

// referenceWalk answers a query by walking the graph breadth-first, the way
// the NLDI's recursive SQL does. It is the yardstick the indexed fast paths
// are tested and benchmarked against, not a production path.
func (n *Network) referenceWalk(q Query) map[int32]bool {
	var up walkGraph
	if q.Mode == UT {
		up = n.newWalkGraph(q.SkipMinor)
	}
	return n.walk(q, up)
}

// walkGraph inverts the downstream edges for an upstream walk: what the
// NLDI's covering indexes on dnhydroseq and dnminorhyd give its recursive
// SQL. Benchmarks build it once, as a database keeps its indexes.
type walkGraph map[int32][]int32

func (n *Network) newWalkGraph(skipMinor bool) walkGraph {
	up := make(walkGraph)
	for i := int32(0); i < n.n; i++ {
		if d := n.down[i]; d >= 0 {
			up[d] = append(up[d], i)
		}
	}
	if !skipMinor {
		for _, e := range n.minorDown {
			up[e.To] = append(up[e.To], e.From)
		}
	}
	return up
}

// walk is referenceWalk over a prebuilt graph (used by UT only).
func (n *Network) walk(q Query, up walkGraph) map[int32]bool {
	out := map[int32]bool{q.Start: true}
	queue := []int32{q.Start}
	s := q.Start
	switch q.Mode {
	case UT:
		limit := n.pathKm.at(s) + q.DistanceKm
		for k := 0; k < len(queue); k++ {
			v := queue[k]
			if n.flags[v]&flagStart != 0 {
				continue
			}
			for _, x := range up[v] {
				if out[x] || n.flags[x]&flagCoast != 0 {
					continue
				}
				if q.HasDistance && n.pathKm.at(x) > limit {
					continue
				}
				out[x] = true
				queue = append(queue, x)
			}
		}
	case UM:
		limit := n.pathKm.at(s) + q.DistanceKm
		for v := s; ; {
			x := n.upMain(v)
			if x < 0 || n.levelPath.at(x) != n.levelPath.at(v) || n.flags[x]&flagCoast != 0 || out[x] {
				break
			}
			if q.HasDistance && n.pathKm.at(x) > limit {
				break
			}
			out[x] = true
			v = x
		}
	case DM, DD:
		limit := n.pathKm.at(s) + n.lenKm.at(s) - q.DistanceKm
		for k := 0; k < len(queue); k++ {
			v := queue[k]
			if q.Mode == DD && n.flags[v]&flagTerminal != 0 {
				continue
			}
			next := []int32{n.down[v]}
			if q.Mode == DD && !q.SkipMinor {
				for _, e := range n.minorDownOf(v) {
					next = append(next, e.To)
				}
			}
			for _, x := range next {
				if x < 0 || out[x] || n.flags[x]&flagCoast != 0 {
					continue
				}
				if q.Mode == DM && n.terminalPath.at(x) != n.terminalPath.at(v) {
					continue
				}
				if q.HasDistance && n.pathKm.at(x)+n.lenKm.at(x) < limit {
					continue
				}
				out[x] = true
				queue = append(queue, x)
			}
		}
	}
	return out
}
