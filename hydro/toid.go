package hydro

// toIDTargets resolves every non-empty ToIDs entry of the input, in input
// order, to a reach index, -1 when no reach has that id. Canonical numeric
// ids are resolved together by one sort-merge join against the sorted ids
// (as hydroseq references are), instead of a binary search with a cache
// miss at every step for each reach: at 2.7M reaches that was most of the
// id/toid build. Other spellings ("13293468.0", string ids) use lookup.
func (b *builder) toIDTargets() []int32 {
	ids, numeric := b.ids.(*numericIDs)
	in := b.in
	// Sized once: grown by doubling, these three were the largest
	// temporary memory of an id → toid build.
	refs := 0
	for i := range b.n {
		for s := range in.toLen(i) {
			if !in.toEmpty(i, s) {
				refs++
			}
		}
	}
	out := make([]int32, 0, refs)
	var queries []uint64
	var qAt []int32
	if numeric {
		queries = make([]uint64, 0, refs)
		qAt = make([]int32, 0, refs)
	}
	for i := range b.n {
		for s := range in.toLen(i) {
			if in.toEmpty(i, s) {
				continue
			}
			if numeric {
				var v int64
				var ok bool
				if s == 0 {
					v, ok = in.to.val(i)
				} else {
					v, ok = parseCanonical(in.toAt(i, s))
				}
				if ok {
					queries = append(queries, orderKey(v))
					qAt = append(qAt, int32(len(out)))
					out = append(out, -1)
					continue
				}
			}
			j, ok := b.ids.lookup(in.toAt(i, s))
			if !ok {
				j = -1
			}
			out = append(out, j)
		}
	}
	if len(queries) > 0 {
		sorted := make([]uint64, len(ids.sorted))
		for k, e := range ids.sorted {
			sorted[k] = orderKey(ids.val(e))
		}
		found := joinLast(sorted, ids.sorted, queries)
		for k, at := range qAt {
			out[at] = found[k]
		}
	}
	return out
}
