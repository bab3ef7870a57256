package hydro

import (
	"math"
	"slices"
	"strconv"
)

// idIndex maps external reach ids to dense internal indexes. Numeric ids
// (COMIDs, RouteLink links) are kept as an int64 column (uint32 offsets
// when their range allows) with a permutation sorting them: 8 or 12 bytes
// a reach instead of a string header, its bytes and a map entry.
type idIndex interface {
	id(i int32) string
	lookup(s string) (int32, bool)
	permute(perm, inv []int32) idIndex // perm[new] = old, inv[old] = new
	bytes() int
}

func newIDIndex(ids []string) idIndex {
	nums := make([]int64, len(ids))
	for i, s := range ids {
		v, ok := parseCanonical(s)
		if !ok {
			return newStringIDs(ids)
		}
		nums[i] = v
	}
	keys := make([]uint64, len(nums))
	for i, v := range nums {
		keys[i] = orderKey(v)
	}
	_, order := radixOrder(keys)
	return &numericIDs{raw: nums, sorted: order}
}

// parseCanonical parses s as an int64 written the way strconv.FormatInt
// writes it (no sign but '-', no leading zeros), so that the id text can be
// given back exactly.
func parseCanonical(s string) (int64, bool) {
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 19 || (d[0] == '0' && (len(d) > 1 || len(s) > 1)) {
		return 0, false
	}
	var u uint64
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if s[0] == '-' {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseNumericIDs returns the first n ids as order keys (see orderKey)
// when every one is a canonical integer.
func parseNumericIDs(ids *textCol, n int) ([]uint64, bool) {
	keys := make([]uint64, n)
	for i := range keys {
		v, ok := ids.val(i)
		if !ok {
			return nil, false
		}
		keys[i] = orderKey(v)
	}
	return keys, true
}

type numericIDs struct {
	raw    []int64 // by build index, until permute
	vals   i64col  // by internal index
	sorted []int32 // internal indexes ordered by value
}

func (n *numericIDs) val(i int32) int64 {
	if n.raw != nil {
		return n.raw[i]
	}
	return n.vals.at(i)
}

func (n *numericIDs) id(i int32) string { return strconv.FormatInt(n.val(i), 10) }

func (n *numericIDs) lookup(s string) (int32, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// NHDPlus files often store ids as REAL ("13293468.0").
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return -1, false
		}
		v = int64(f)
	}
	i, ok := slices.BinarySearchFunc(n.sorted, v, func(e int32, t int64) int {
		switch x := n.val(e); {
		case x < t:
			return -1
		case x > t:
			return 1
		}
		return 0
	})
	if !ok {
		return -1, false
	}
	return n.sorted[i], true
}

// permute renumbers: the value order is unchanged, so the sorted list is
// remapped rather than sorted again.
func (n *numericIDs) permute(perm, inv []int32) idIndex {
	out := &numericIDs{sorted: make([]int32, len(n.sorted))}
	if n.raw != nil {
		out.vals = newI64col(n.raw, perm)
	} else {
		raw := make([]int64, len(perm))
		for nw, old := range perm {
			raw[nw] = n.vals.at(old)
		}
		out.vals = newI64col(raw, nil)
	}
	for k, old := range n.sorted {
		out.sorted[k] = inv[old]
	}
	return out
}

func (n *numericIDs) bytes() int { return n.vals.bytes() + 8*len(n.raw) + 4*len(n.sorted) }

type stringIDs struct {
	vals []string
	m    map[string]int32
}

func newStringIDs(vals []string) *stringIDs {
	m := make(map[string]int32, len(vals))
	for i, s := range vals {
		m[s] = int32(i)
	}
	return &stringIDs{vals: vals, m: m}
}

func (s *stringIDs) id(i int32) string { return s.vals[i] }

func (s *stringIDs) lookup(v string) (int32, bool) {
	i, ok := s.m[v]
	return i, ok
}

func (s *stringIDs) permute(perm, _ []int32) idIndex {
	vals := make([]string, len(perm))
	for nw, old := range perm {
		vals[nw] = s.vals[old]
	}
	return newStringIDs(vals)
}

func (s *stringIDs) bytes() int {
	n := 0
	for _, v := range s.vals {
		n += 16 + len(v) + 48
	}
	return n
}
