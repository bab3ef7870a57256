package hydro

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/envtrace/envtrace/internal/realdata"
)

// vaa is one row of NHDPlus value-added attributes, as the NLDI stores them.
type vaa struct {
	comid                                        int64
	hydroseq, dnhydroseq, dnminorhyd, uphydroseq int64
	levelpath, terminalpath                      int64
	pathlength, lengthkm                         float64
	startflag, terminalflag, fcode               int
}

func readVAA(t *testing.T, rel string) []vaa {
	t.Helper()
	tb := realdata.ReadCSV(t, rel)
	num := func(r []string, name string) float64 {
		return realdata.Float(t, r[tb.Col(t, name)], name)
	}
	var out []vaa
	for _, r := range tb.Rows {
		out = append(out, vaa{
			comid: int64(num(r, "comid")), hydroseq: int64(num(r, "hydroseq")), dnhydroseq: int64(num(r, "dnhydroseq")),
			dnminorhyd: int64(num(r, "dnminorhyd")), uphydroseq: int64(num(r, "uphydroseq")),
			levelpath: int64(num(r, "levelpathid")), terminalpath: int64(num(r, "terminalpathid")),
			pathlength: num(r, "pathlength"), lengthkm: num(r, "lengthkm"),
			startflag: int(num(r, "startflag")), terminalflag: int(num(r, "terminalflag")), fcode: int(num(r, "fcode")),
		})
	}
	return out
}

// nldiNavigate is the NLDI's navigation written straight from its published
// semantics (the data README), over raw attribute rows, as the recursive
// SQL would run it. It shares no code with the network.
func nldiNavigate(rows []vaa, mode Mode, start int64, dist float64, hasDist bool) []string {
	byComid := map[int64]*vaa{}
	byH := map[int64]*vaa{}
	// The NLDI's covering indexes on dnhydroseq and dnminorhyd.
	byDn := map[int64][]*vaa{}
	for i := range rows {
		x := &rows[i]
		byComid[x.comid] = x
		byH[x.hydroseq] = x
		byDn[x.dnhydroseq] = append(byDn[x.dnhydroseq], x)
		if x.dnminorhyd != 0 && x.dnminorhyd != x.dnhydroseq {
			byDn[x.dnminorhyd] = append(byDn[x.dnminorhyd], x)
		}
	}
	s := byComid[start]
	seen := map[int64]bool{s.comid: true}
	queue := []*vaa{s}
	for k := 0; k < len(queue); k++ {
		v := queue[k]
		var next []*vaa
		switch mode {
		case UT:
			if v.startflag == 1 {
				continue
			}
			for _, x := range byDn[v.hydroseq] {
				if !hasDist || x.pathlength <= s.pathlength+dist {
					next = append(next, x)
				}
			}
		case UM:
			if x := byH[v.uphydroseq]; v.uphydroseq != 0 && x != nil && x.levelpath == v.levelpath {
				if !hasDist || x.pathlength <= s.pathlength+dist {
					next = append(next, x)
				}
			}
		case DM:
			if x := byH[v.dnhydroseq]; v.dnhydroseq != 0 && x != nil && x.terminalpath == v.terminalpath {
				if !hasDist || x.pathlength+x.lengthkm >= s.pathlength+s.lengthkm-dist {
					next = append(next, x)
				}
			}
		case DD:
			if v.terminalflag == 1 {
				continue
			}
			for _, h := range []int64{v.dnhydroseq, v.dnminorhyd} {
				if x := byH[h]; h != 0 && x != nil {
					if !hasDist || x.pathlength+x.lengthkm >= s.pathlength+s.lengthkm-dist {
						next = append(next, x)
					}
				}
			}
		}
		for _, x := range next {
			if !seen[x.comid] && x.fcode != FCodeCoastline {
				seen[x.comid] = true
				queue = append(queue, x)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, strconv.FormatInt(c, 10))
	}
	sort.Strings(out)
	return out
}

func reachesFromVAA(rows []vaa) []Reach {
	out := make([]Reach, len(rows))
	for i, r := range rows {
		out[i] = Reach{
			ID: strconv.FormatInt(r.comid, 10), LengthKm: r.lengthkm, VelocityFps: Missing, TotDASqKm: Missing,
			NHD: &NHDAttrs{
				Hydroseq: float64(r.hydroseq), DnHydroseq: float64(r.dnhydroseq), DnMinorHyd: float64(r.dnminorhyd),
				UpHydroseq: float64(r.uphydroseq), LevelPathID: float64(r.levelpath), TerminalPathID: float64(r.terminalpath),
				PathLength: r.pathlength, StartFlag: r.startflag, TerminalFlag: r.terminalflag, FCode: r.fcode,
			},
		}
	}
	return out
}

// TestNLDIFixture compares every mode, with and without distance limits,
// from every reach of the NLDI's own 921-reach fixture, against the NLDI
// semantics run over the raw attributes.
func TestNLDIFixture(t *testing.T) {
	rows := readVAA(t, "nldi/flowlines_921_attributes.csv")
	if len(rows) != 921 {
		t.Fatalf("read %d rows, want 921", len(rows))
	}
	net, err := Build(context.Background(), reachesFromVAA(rows), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if net.MinorDivergences() == 0 {
		t.Fatal("the Atchafalaya fixture has divergences; none were found")
	}
	distances := []struct {
		km  float64
		has bool
	}{{0, false}, {0, true}, {5, true}, {25, true}, {150, true}}
	compared, nonTrivial := 0, 0
	for _, mode := range []Mode{UT, UM, DM, DD} {
		for _, d := range distances {
			for _, r := range rows {
				if r.fcode == FCodeCoastline {
					continue
				}
				start := strconv.FormatInt(r.comid, 10)
				want := nldiNavigate(rows, mode, r.comid, d.km, d.has)
				i, _ := net.Index(start)
				hits, err := net.NavigateAll(context.Background(), Query{Mode: mode, Start: i, DistanceKm: d.km, HasDistance: d.has})
				if err != nil {
					t.Fatal(err)
				}
				got := ids(net, hits)
				if !slices.Equal(got, want) {
					t.Fatalf("%s from %s (distance %v/%v): got %d reaches, NLDI %d\n got %v\nwant %v",
						mode, start, d.km, d.has, len(got), len(want), got, want)
				}
				compared++
				if len(want) > 1 {
					nonTrivial++
				}
			}
		}
	}
	t.Logf("%d navigations equal the NLDI semantics (%d return more than the start)", compared, nonTrivial)
	if nonTrivial < compared/4 {
		t.Fatalf("only %d of %d navigations are non-trivial", nonTrivial, compared)
	}
}

// TestFastPathEqualsReference checks the interval index against a plain
// graph walk on random starts, divergences included.
func TestFastPathEqualsReference(t *testing.T) {
	rows := readVAA(t, "nldi/flowlines_921_attributes.csv")
	net, err := Build(context.Background(), reachesFromVAA(rows), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 500; k++ {
		s := int32(rng.IntN(net.Len()))
		if net.flags[s]&flagCoast != 0 {
			continue
		}
		for _, mode := range []Mode{UT, UM, DM, DD} {
			q := Query{Mode: mode, Start: s, SkipMinor: k%5 == 0}
			if k%3 == 0 {
				q.DistanceKm, q.HasDistance = rng.Float64()*100, true
			}
			hits, err := net.NavigateAll(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int32]bool{}
			for _, h := range hits {
				if got[h.Reach] {
					t.Fatalf("%s from %s returned %s twice", mode, net.ID(s), net.ID(h.Reach))
				}
				got[h.Reach] = true
			}
			want := net.referenceWalk(q)
			if fmt.Sprint(sortedKeys(got)) != fmt.Sprint(sortedKeys(want)) {
				t.Fatalf("%+v: fast path %d reaches, walk %d", q, len(got), len(want))
			}
		}
	}
}

func sortedKeys(m map[int32]bool) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
