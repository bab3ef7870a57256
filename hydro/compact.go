package hydro

import (
	"math"
	"slices"
	"unsafe"
)

// Compact per-reach columns. A national network holds millions of reaches,
// so each column is stored in the narrowest form that gives back exactly the
// value it was given; the choice is made per network, and an input that does
// not fit falls back to the plain form.

// i64col is an int64 column (hydroseq, level path, terminal path, numeric
// ids): uint32 offsets from the minimum when the range fits, else int64.
type i64col struct {
	base  int64
	small []uint32
	big   []int64
}

// newI64col stores src[perm[k]] at k (perm nil: src as is). perm is a
// permutation, so the range is read from src in order.
func newI64col(src []int64, perm []int32) i64col {
	if len(src) == 0 {
		return i64col{small: []uint32{}}
	}
	lo, hi := src[0], src[0]
	for _, v := range src {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi-lo >= 0 && uint64(hi-lo) <= math.MaxUint32 { // hi-lo < 0: overflow
		c := i64col{base: lo, small: make([]uint32, len(src))}
		if perm == nil {
			for k, v := range src {
				c.small[k] = uint32(v - lo)
			}
		} else {
			for k, old := range perm {
				c.small[k] = uint32(src[old] - lo)
			}
		}
		return c
	}
	if perm == nil {
		return i64col{big: slices.Clone(src)}
	}
	return i64col{big: permute(src, perm)}
}

// rankCol is the column newI64col makes of uint32 values (computed
// ranks) as int64s, made in place: v is offset from its minimum and
// becomes the column's storage.
func rankCol(v []uint32) i64col {
	if len(v) == 0 {
		return i64col{small: []uint32{}}
	}
	lo := slices.Min(v)
	for k := range v {
		v[k] -= lo
	}
	return i64col{base: int64(lo), small: v}
}

func (c *i64col) at(i int32) int64 {
	if c.big != nil {
		return c.big[i]
	}
	return c.base + int64(c.small[i])
}

func (c *i64col) bytes() int { return 4*len(c.small) + 8*len(c.big) }

// kmCol is a length column in km. NHDPlus lengths and path lengths carry
// three decimals: when every value is exactly the double nearest to a whole
// number of metres (as parsing "12.345" gives), it is stored as uint32
// metres and float64(m)/1000 returns the very same double — an IEEE
// division is correctly rounded — so NLDI's exact comparisons are
// unchanged. Otherwise the float64 values are kept.
type kmCol struct {
	m []uint32
	f []float64
}

func newKmCol(src []float64, perm []int32) kmCol {
	for _, v := range src {
		r := math.Round(v * 1000)
		if !(r >= 0 && r <= math.MaxUint32) || r/1000 != v || math.Signbit(v) {
			if perm == nil {
				return kmCol{f: slices.Clone(src)}
			}
			return kmCol{f: permute(src, perm)}
		}
	}
	m := make([]uint32, len(src))
	if perm == nil {
		for k, v := range src {
			m[k] = uint32(math.Round(v * 1000))
		}
	} else {
		for k, old := range perm {
			m[k] = uint32(math.Round(src[old] * 1000))
		}
	}
	return kmCol{m: m}
}

func (c *kmCol) at(i int32) float64 {
	if c.f != nil {
		return c.f[i]
	}
	return float64(c.m[i]) / 1000
}

func (c *kmCol) bytes() int { return 4*len(c.m) + 8*len(c.f) }

// sameFloats says whether two columns share storage (a computed network's
// pathKm is its cumKm).
func sameFloats(a, b []float64) bool {
	return len(a) > 0 && len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// orderKey maps an int64 to a uint64 with the same order.
func orderKey(v int64) uint64 { return uint64(v) ^ (1 << 63) }

// radixOrder returns keys sorted ascending and, parallel to them, the
// positions they came from; equal keys keep their input order. It is an
// LSD radix sort on bytes that skips the bytes all keys share, so ids and
// hydroseq numbers sort in a few linear passes instead of n log n
// comparisons. keys is not modified.
func radixOrder(keys []uint64) ([]uint64, []int32) {
	n := len(keys)
	var count [8][256]int
	for _, k := range keys {
		for d := 0; d < 8; d++ {
			count[d][byte(k>>(8*d))]++
		}
	}
	src := make([]uint64, n)
	copy(src, keys)
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	var dst []uint64
	var dIdx []int32
	for d := 0; d < 8; d++ {
		c := &count[d]
		if n == 0 || c[byte(src[0]>>(8*d))] == n {
			continue // every key has this byte
		}
		if dst == nil {
			dst, dIdx = make([]uint64, n), make([]int32, n)
		}
		var pos [256]int
		s := 0
		for b := 0; b < 256; b++ {
			pos[b] = s
			s += c[b]
		}
		for i, k := range src {
			b := byte(k >> (8 * d))
			dst[pos[b]] = k
			dIdx[pos[b]] = idx[i]
			pos[b]++
		}
		src, dst = dst, src
		idx, dIdx = dIdx, idx
	}
	return src, idx
}

// joinLast finds each query key among sorted keys (with their positions,
// as radixOrder returns them) and returns the position holding it — the
// last in input order when several do — or -1.
func joinLast(sorted []uint64, pos []int32, queries []uint64) []int32 {
	qs, qpos := radixOrder(queries)
	out := make([]int32, len(queries))
	j := 0
	for k, q := range qs {
		for j < len(sorted) && sorted[j] < q {
			j++
		}
		if j == len(sorted) || sorted[j] != q {
			out[qpos[k]] = -1
			continue
		}
		e := j
		for e+1 < len(sorted) && sorted[e+1] == q {
			e++
		}
		out[qpos[k]] = pos[e]
	}
	return out
}
