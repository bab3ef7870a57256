package hydro

// numericNodeEdges links reaches by their from/to nodes when every node id
// is a canonical integer, and reports whether it did. The reaches leaving
// each node are found by one sort-merge join of the to-nodes against the
// sorted from-nodes (as toid references are), instead of a map of
// millions of strings to slices: at 2.7M reaches the map was most of the
// from/to-node build. The reaches below a node come in input order, as
// the map gave them, so the main-path rule chooses alike.
func (b *builder) numericNodeEdges() bool {
	from := make([]uint64, 0, b.n)
	owner := make([]int32, 0, b.n)
	var qs []uint64
	var qOwner []int32
	fromNode, toNode := &b.in.fromNode, &b.in.toNode
	for i := range b.n {
		if !fromNode.empty(i) {
			v, ok := fromNode.val(i)
			if !ok {
				return false
			}
			from = append(from, orderKey(v))
			owner = append(owner, int32(i))
		}
		if toNode.empty(i) || fromNode.equal(toNode, i) {
			continue
		}
		v, ok := toNode.val(i)
		if !ok {
			return false
		}
		if v == 0 {
			continue // node 0 marks an outlet
		}
		qs = append(qs, orderKey(v))
		qOwner = append(qOwner, int32(i))
	}
	sorted, pos := radixOrder(from)
	for k, p := range pos {
		pos[k] = owner[p]
	}
	from, owner = nil, nil
	// runs[i] is the run of sorted from-nodes equal to reach i's to-node.
	type run struct{ lo, n int32 }
	runs := make([]run, b.n)
	sq, sqPos := radixOrder(qs)
	j := 0
	for k, q := range sq {
		for j < len(sorted) && sorted[j] < q {
			j++
		}
		e := j
		for e < len(sorted) && sorted[e] == q {
			e++
		}
		runs[qOwner[sqPos[k]]] = run{int32(j), int32(e - j)}
	}
	sorted, sq, sqPos, qs = nil, nil, nil, nil
	for i := range b.n {
		if toNode.empty(i) {
			continue
		}
		if v, ok := toNode.val(i); ok && v == 0 {
			continue // node 0 marks an outlet
		}
		if fromNode.equal(toNode, i) {
			b.add(&SinkWarning{ID: b.in.id(i)})
			continue
		}
		if rn := runs[i]; rn.n > 0 {
			b.setDowns(i, pos[rn.lo:rn.lo+rn.n])
		}
	}
	return true
}
