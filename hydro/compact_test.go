package hydro

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// TestCompactColumnsExact checks that every compact column gives back the
// exact value it was given, and falls back to the plain form when it
// cannot.
func TestCompactColumnsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	perm := make([]int32, 1000)
	for i := range perm {
		perm[i] = int32(i)
	}
	rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })

	threeDec := make([]float64, 1000)
	for i := range threeDec {
		// As a CSV parser gives them.
		v, _ := strconv.ParseFloat(strconv.FormatFloat(rng.Float64()*5000, 'f', 3, 64), 64)
		threeDec[i] = v
	}
	c := newKmCol(threeDec, perm)
	if c.m == nil {
		t.Fatal("three-decimal lengths were not stored as metres")
	}
	for k, old := range perm {
		if got := c.at(int32(k)); got != threeDec[old] {
			t.Fatalf("at(%d) = %v, want %v", k, got, threeDec[old])
		}
	}
	for _, bad := range []float64{math.Nextafter(0.3, 1), math.NaN(), -1, math.Copysign(0, -1), 5e6, 1.0001e-4} {
		in := append(slices.Clone(threeDec[:10]), bad)
		c := newKmCol(in, nil)
		if c.f == nil {
			t.Fatalf("%v stored as metres", bad)
		}
		if got := c.at(10); got != bad && !(math.IsNaN(bad) && math.IsNaN(got)) {
			t.Fatalf("fallback gives %v for %v", got, bad)
		}
	}

	for _, vals := range [][]int64{
		{510146312, 510083868, 350002977, 0},
		{10000100000001, 10000100000002, 10000100000003 + math.MaxUint32},
		{math.MinInt64, math.MaxInt64, -5},
		{-3, -2, -1},
	} {
		c := newI64col(vals, nil)
		for i, v := range vals {
			if got := c.at(int32(i)); got != v {
				t.Fatalf("%v: at(%d) = %d", vals, i, got)
			}
		}
	}
	if c := newI64col([]int64{1 << 40, 1<<40 + 7}, nil); c.small == nil {
		t.Fatal("a narrow range was not stored as offsets")
	}
}

func TestRadixOrderStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	keys := make([]uint64, 5000)
	for i := range keys {
		keys[i] = orderKey(rng.Int64N(300) - 150)
	}
	sorted, pos := radixOrder(keys)
	for k := range sorted {
		if keys[pos[k]] != sorted[k] {
			t.Fatal("positions do not match keys")
		}
		if k > 0 && (sorted[k-1] > sorted[k] || (sorted[k-1] == sorted[k] && pos[k-1] > pos[k])) {
			t.Fatalf("not a stable ascending order at %d", k)
		}
	}
	found := joinLast(sorted, pos, []uint64{orderKey(-150), orderKey(1000), keys[7]})
	if found[1] != -1 || keys[found[2]] != keys[7] {
		t.Fatalf("joinLast = %v", found)
	}
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i] == keys[7] {
			if found[2] != int32(i) {
				t.Fatalf("joinLast picked %d, want the last, %d", found[2], i)
			}
			break
		}
	}
	for _, s := range []string{"0", "-0", "007", "+5", "", "-", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "12a"} {
		v, ok := parseCanonical(s)
		want, err := strconv.ParseInt(s, 10, 64)
		wantOK := err == nil && strconv.FormatInt(want, 10) == s
		if ok != wantOK || (ok && v != want) {
			t.Errorf("parseCanonical(%q) = %d, %v; want %d, %v", s, v, ok, want, wantOK)
		}
	}
}

// TestPermuteInPlace checks the in-place reorderings the index stage uses
// against definitions written out here: permuteColumns puts old s[perm[k]]
// at k in every column (and leaves perm as it was), scatterInPlace puts
// old s[i] at inv[i]. The permutations include the identity, one long
// cycle, and random ones of sizes around a bitset word.
func TestPermuteInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 3))
	var perms [][]int32
	for _, n := range []int{0, 1, 2, 63, 64, 65, 1000} {
		random := make([]int32, n)
		identity := make([]int32, n)
		cycle := make([]int32, n)
		for i := range n {
			random[i], identity[i], cycle[i] = int32(i), int32(i), int32((i+1)%n)
		}
		rng.Shuffle(n, func(i, j int) { random[i], random[j] = random[j], random[i] })
		perms = append(perms, random, identity, cycle)
	}
	for pi, perm := range perms {
		n := len(perm)
		src := make([]string, n)
		nums := make([]float64, n)
		for i := range src {
			src[i] = "v" + strconv.Itoa(i)
			nums[i] = float64(i) / 4
		}
		got, gotNums, before := slices.Clone(src), slices.Clone(nums), slices.Clone(perm)
		permuteColumns(perm, col(got), col([]int(nil)), col(gotNums))
		if !slices.Equal(perm, before) {
			t.Fatalf("permutation %d (n %d): permuteColumns changed perm", pi, n)
		}
		for k := range n {
			if got[k] != src[perm[k]] || gotNums[k] != nums[perm[k]] {
				t.Fatalf("permutation %d (n %d): permuteColumns put %s, %v at %d, want %s, %v",
					pi, n, got[k], gotNums[k], k, src[perm[k]], nums[perm[k]])
			}
		}
		inv := make([]int32, n)
		for k, old := range perm {
			inv[old] = int32(k)
		}
		got = slices.Clone(src)
		scatterInPlace(got, inv)
		for i := range n {
			if got[inv[i]] != src[i] {
				t.Fatalf("permutation %d (n %d): scatterInPlace put %s at %d, want %s", pi, n, got[inv[i]], inv[i], src[i])
			}
		}
	}
}

// TestRankColMatchesNewI64col checks that a column of computed ranks,
// permuted and compacted in place, is the column newI64col makes of the
// same values as int64s, permuted or not.
func TestRankColMatchesNewI64col(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, n := range []int{1, 2, 100, 1000} {
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		ranks := make([]uint32, n)
		wide := make([]int64, n)
		for i := range ranks {
			ranks[i] = uint32(3 + rng.IntN(n))
			wide[i] = int64(ranks[i])
		}
		for _, p := range [][]int32{nil, perm} {
			v := slices.Clone(ranks)
			if p != nil {
				permuteColumns(p, col(v))
			}
			got, want := rankCol(v), newI64col(wide, p)
			if got.base != want.base || !slices.Equal(got.small, want.small) || got.big != nil {
				t.Fatalf("n %d, perm %v: rankCol gives base %d, newI64col base %d (or other offsets)", n, p != nil, got.base, want.base)
			}
		}
	}
}

// TestPermuteVia checks permuteVia against permute for each numeric
// column type, reusing one scratch column as the index stage does.
func TestPermuteVia(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2))
	const n = 777
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	scratch := make([]uint64, n)
	f64, f32, u32, u8 := make([]float64, n), make([]float32, n), make([]uint32, n), make([]uint8, n)
	for i := range n {
		f64[i], f32[i], u32[i], u8[i] = rng.Float64(), rng.Float32(), rng.Uint32(), uint8(rng.IntN(256))
	}
	check := func(name string, ok bool) {
		if !ok {
			t.Errorf("permuteVia of %s differs from permute", name)
		}
	}
	w64, w32, wu32, wu8 := permute(f64, perm), permute(f32, perm), permute(u32, perm), permute(u8, perm)
	permuteVia(f64, perm, scratch)
	permuteVia(f32, perm, scratch)
	permuteVia(u32, perm, scratch)
	permuteVia(u8, perm, scratch)
	check("float64", slices.Equal(f64, w64))
	check("float32", slices.Equal(f32, w32))
	check("uint32", slices.Equal(u32, wu32))
	check("uint8", slices.Equal(u8, wu8))
}
