package hydro

import (
	"slices"
	"strconv"
)

// idIndex maps external reach ids to dense internal indexes. Numeric ids
// (COMIDs, RouteLink links) are kept as sorted int64 with a permutation,
// 12 bytes a reach instead of a string header, its bytes and a map entry.
type idIndex interface {
	id(i int32) string
	lookup(s string) (int32, bool)
	permute(perm []int32) idIndex // perm[new] = old
	bytes() int
}

func newIDIndex(ids []string) idIndex {
	nums := make([]int64, len(ids))
	for i, s := range ids {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || strconv.FormatInt(v, 10) != s {
			return newStringIDs(ids)
		}
		nums[i] = v
	}
	return newNumericIDs(nums)
}

type numericIDs struct {
	vals   []int64 // by internal index
	sorted []int32 // internal indexes ordered by value
}

func newNumericIDs(vals []int64) *numericIDs {
	s := make([]int32, len(vals))
	for i := range s {
		s[i] = int32(i)
	}
	slices.SortFunc(s, func(a, b int32) int {
		switch {
		case vals[a] < vals[b]:
			return -1
		case vals[a] > vals[b]:
			return 1
		}
		return 0
	})
	return &numericIDs{vals: vals, sorted: s}
}

func (n *numericIDs) id(i int32) string { return strconv.FormatInt(n.vals[i], 10) }

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
		switch {
		case n.vals[e] < t:
			return -1
		case n.vals[e] > t:
			return 1
		}
		return 0
	})
	if !ok {
		return -1, false
	}
	return n.sorted[i], true
}

func (n *numericIDs) permute(perm []int32) idIndex {
	vals := make([]int64, len(perm))
	for nw, old := range perm {
		vals[nw] = n.vals[old]
	}
	return newNumericIDs(vals)
}

func (n *numericIDs) bytes() int { return len(n.vals)*8 + len(n.sorted)*4 }

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

func (s *stringIDs) permute(perm []int32) idIndex {
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
