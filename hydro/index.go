package hydro

import (
	"slices"
)

// indexParent is reach i's parent in the index tree: its main downstream
// reach, unless NLDI would not climb from there to i (the downstream reach
// is a coastline or a start reach) or i itself is a coastline.
func (n *Network) indexParent(i int32) int32 {
	d := n.down[i]
	if d < 0 || n.flags[i]&flagCoast != 0 || n.flags[d]&(flagCoast|flagStart) != 0 {
		return -1
	}
	return d
}

// index numbers the index tree in pre-order (main-stem child first),
// renumbers every per-reach array into that order, and lays out the
// minor-divergence edges for interval queries.
func (n *Network) index() {
	N := n.n
	// Children in CSR form, main-stem child first, others in input order.
	cnt := make([]int32, N+1)
	for i := int32(0); i < N; i++ {
		if p := n.indexParent(i); p >= 0 {
			cnt[p+1]++
		}
	}
	for i := int32(0); i < N; i++ {
		cnt[i+1] += cnt[i]
	}
	kids := make([]int32, cnt[N])
	fill := slices.Clone(cnt[:N])
	for i := int32(0); i < N; i++ {
		if p := n.indexParent(i); p >= 0 && n.upMain[p] == i {
			kids[fill[p]] = i
			fill[p]++
		}
	}
	for i := int32(0); i < N; i++ {
		if p := n.indexParent(i); p >= 0 && n.upMain[p] != i {
			kids[fill[p]] = i
			fill[p]++
		}
	}

	// Iterative pre-order DFS from every root, roots in input order.
	perm := make([]int32, 0, N) // perm[new] = old
	size := make([]int32, N)    // by old index
	stack := make([]int32, 0, 64)
	post := make([]int32, 0, 64)
	for r := int32(0); r < N; r++ {
		if n.indexParent(r) >= 0 {
			continue
		}
		stack = append(stack[:0], r)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			perm = append(perm, v)
			post = append(post, v)
			ks := kids[cnt[v]:cnt[v+1]]
			for k := len(ks) - 1; k >= 0; k-- {
				stack = append(stack, ks[k])
			}
		}
		// Subtree sizes: children precede parents in reverse pre-order.
		for k := len(post) - 1; k >= 0; k-- {
			v := post[k]
			size[v]++
			if p := n.indexParent(v); p >= 0 {
				size[p] += size[v]
			}
		}
		post = post[:0]
	}
	inv := make([]int32, N) // inv[old] = new
	for nw, old := range perm {
		inv[old] = int32(nw)
	}
	remap := func(s []int32) []int32 {
		out := make([]int32, N)
		for nw, old := range perm {
			if v := s[old]; v >= 0 {
				out[nw] = inv[v]
			} else {
				out[nw] = -1
			}
		}
		return out
	}
	n.down = remap(n.down)
	n.upMain = remap(n.upMain)
	n.size = permute(size, perm)
	n.lenKm = permute(n.lenKm, perm)
	cum := permute(n.cumKm, perm)
	if n.hasNHD {
		n.pathKm = permute(n.pathKm, perm)
		n.cumKm = cum
	} else {
		n.cumKm = cum
		n.pathKm = cum
	}
	n.cumHours = permute(n.cumHours, perm)
	n.hydroseq = permute(n.hydroseq, perm)
	n.levelPath = permute(n.levelPath, perm)
	n.terminalPath = permute(n.terminalPath, perm)
	n.order = permute(n.order, perm)
	n.arbolate = permute(n.arbolate, perm)
	n.velocity = permute(n.velocity, perm)
	n.flags = permute(n.flags, perm)
	if n.geom != nil {
		n.geom = permute(n.geom, perm)
	}
	if n.names != nil {
		n.names = permute(n.names, perm)
	}
	n.ids = n.ids.permute(perm)

	// Upstream main stem runs laid out contiguously.
	n.umLen = make([]int32, N)
	for i := N - 1; i >= 0; i-- {
		n.umLen[i] = 1
		if u := n.upMain[i]; u == i+1 && n.levelPath[u] == n.levelPath[i] && n.flags[u]&flagCoast == 0 {
			n.umLen[i] += n.umLen[u]
		}
	}

	// Minor edges, renumbered: all of them for downstream queries; for
	// upstream queries only those NLDI climbs (no coastline, target not a
	// start reach).
	down := make([]edge, 0, len(n.minorDown))
	up := make([]edge, 0, len(n.minorDown))
	for _, e := range n.minorDown {
		f, t := inv[e.From], inv[e.To]
		if (n.flags[f]|n.flags[t])&flagCoast != 0 {
			continue
		}
		down = append(down, edge{f, t})
		if n.flags[t]&flagStart == 0 {
			up = append(up, edge{f, t})
		}
	}
	slices.SortFunc(down, func(a, b edge) int { return cmp2(a.From, b.From, a.To, b.To) })
	slices.SortFunc(up, func(a, b edge) int { return cmp2(a.To, b.To, a.From, b.From) })
	n.minorDown, n.minorUp = down, up
}

func cmp2(a1, b1, a2, b2 int32) int {
	switch {
	case a1 < b1:
		return -1
	case a1 > b1:
		return 1
	case a2 < b2:
		return -1
	case a2 > b2:
		return 1
	}
	return 0
}

func permute[T any](s []T, perm []int32) []T {
	out := make([]T, len(s))
	for nw, old := range perm {
		out[nw] = s[old]
	}
	return out
}
