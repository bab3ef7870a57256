package store_test

// National-scale comparison, in one run on the same data, of three ways to
// answer "what is upstream of this reach" and "which dischargers are
// upstream of this station":
//
//   - envtrace in memory: hydro.Network.Navigate (UT), and the interval
//     labels in memory (hydro.Network.UpstreamSpans, the spans that
//     store.UpstreamSQL unions);
//   - the NLDI approach: a recursive CTE over hydroseq, dnhydroseq and
//     dnminorhyd in PostgreSQL with covering indexes, stepping as NLDI's
//     navigation SQL does;
//   - envtrace's labels in PostgreSQL: store.UpstreamSQL (complete UT) and
//     store.UpstreamRangeSQL (one range scan, main-path tree only) on the
//     labels store.WriteLabels wrote.
//
// It needs PostgreSQL with PostGIS and is skipped without it:
//
//	ENVTRACE_TEST_DATABASE_URL=$(.ci/testdb) go test -run '^$' -bench PostgresNational -timeout 90m ./store/
//
// ENVTRACE_BENCH_PG_REACHES sets the network size (default 2.7M, the
// NHDPlus V2 scale; importing and labelling it takes about 5 minutes and
// the whole benchmark about 10, see docs/performance.md). The network is
// generated once per process; each run of the benchmark (each -count)
// imports it into a fresh database cloned by storetest. Nothing here runs
// without -bench.

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/fixtures/synth"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
)

const (
	pgBenchNetwork     = "synth"
	pgBenchSeed        = 2026
	pgBenchDischargers = 100_000
	// pgTargetRatio is the target: UT from the outlet of the 2.7M
	// network at least 1,000 times faster in memory than the recursive CTE.
	pgTargetRatio = 1000
)

// pgBenchSize is ENVTRACE_BENCH_PG_REACHES, or the NHDPlus V2 size.
func pgBenchSize() int {
	if v, err := strconv.Atoi(os.Getenv("ENVTRACE_BENCH_PG_REACHES")); err == nil && v > 0 {
		return v
	}
	return synth.SizeNHDPlusV2
}

// pgSynthData is the synthetic network, generated once per process.
type pgSynthData struct {
	g       *synth.Network
	reaches []hydro.Reach
	gen     time.Duration
}

var pgSynth = sync.OnceValue(func() *pgSynthData {
	t0 := time.Now()
	g := synth.New(pgBenchSize(), pgBenchSeed, synth.NHDPlusV2())
	return &pgSynthData{g: g, reaches: g.Reaches(), gen: time.Since(t0)}
})

// nldiTableSQL is the NLDI's navigation table (nhdplus.plusflowlinevaa_np21
// cut to what UT reads), filled from the stored reaches, with NLDI's
// covering indexes, which hold everything a recursive step reads about the
// reaches draining to a hydroseq (by dnhydroseq or by dnminorhyd).
var nldiTableSQL = []string{
	`drop table if exists nldi_flowline`,
	`create table nldi_flowline as
	   select id::bigint as comid, hydroseq::bigint as hydroseq, dnhydroseq::bigint as dnhydroseq,
	          dnminorhyd::bigint as dnminorhyd, startflag, terminalpathid::bigint as terminalpathid,
	          pathlength_km as pathlength, length_km as lengthkm
	   from reaches where network = '` + pgBenchNetwork + `'`,
	`alter table nldi_flowline add primary key (comid)`,
	`create index nldi_flowline_dnhydroseq on nldi_flowline (dnhydroseq) include (comid, hydroseq, startflag)`,
	`create index nldi_flowline_dnminorhyd on nldi_flowline (dnminorhyd) include (comid, hydroseq, startflag)`,
}

// nldiStep is NLDI's upstream-with-tributaries step (the recursive query
// of nldi-services): from a reach v, go to every x with x.dnhydroseq =
// v.hydroseq or x.dnminorhyd = v.hydroseq, never beyond a reach with
// startflag = 1. UNION drops reaches reached twice (braids).
const nldiStep = `with recursive nav (comid, hydroseq, startflag) as (
    select comid, hydroseq, startflag from nldi_flowline where comid = $1
  union
    select x.comid, x.hydroseq, x.startflag
    from nldi_flowline x, nav
    where nav.startflag <> 1
      and (x.dnhydroseq = nav.hydroseq or (x.dnminorhyd <> 0 and x.dnminorhyd = nav.hydroseq))
)
`

// nldiIndexOnlyStep is the same navigation written so that PostgreSQL
// answers each step with two index-only scans on the covering indexes: the
// OR above plans as a BitmapOr plus a heap visit per reach, up to 2.5 times
// slower on large basins. It is the CTE's best showing here, and the
// ratios are reported against both.
const nldiIndexOnlyStep = `with recursive nav (comid, hydroseq, startflag) as (
    select comid, hydroseq, startflag from nldi_flowline where comid = $1
  union
    select x.comid, x.hydroseq, x.startflag
    from nav cross join lateral (
        select f.comid, f.hydroseq, f.startflag from nldi_flowline f where f.dnhydroseq = nav.hydroseq
      union all
        select f.comid, f.hydroseq, f.startflag from nldi_flowline f where f.dnminorhyd = nav.hydroseq and f.dnminorhyd <> 0
    ) x
    where nav.startflag <> 1
)
`

// The spans part of store.UpstreamSQL, and the same with one more
// condition: an edge whose source lies inside the span being searched (a
// braid that leaves and rejoins the same tree) adds nothing and is not
// followed. The complete query as shipped collects every braid's nested
// span (at 200k reaches, the outlet's query read its reaches three times
// before DISTINCT). The pruned form is the change docs/performance.md proposes,
// measured here; both are derived from the shipped constant.
var (
	upstreamSpans       = store.UpstreamSQL[:strings.Index(store.UpstreamSQL, "\nselect distinct")+1]
	pruneBraids         = func(q string) string { return strings.Replace(q, pruneAfter, pruneAfter+pruneCond, 1) }
	upstreamPrunedSpans = pruneBraids(upstreamSpans)
	upstreamPrunedSQL   = pruneBraids(store.UpstreamSQL)
	// The dischargers upstream: the CTE's reaches joined by comid, or the
	// spans joined by the dischargers' denormalised idx_lo (one range scan
	// per span).
	nldiDischargersSQL          = nldiStep + `select d.id from nav join bench_dischargers d on d.comid = nav.comid`
	nldiIndexOnlyDischargersSQL = nldiIndexOnlyStep + `select d.id from nav join bench_dischargers d on d.comid = nav.comid`
	rangeDischargersSQL         = upstreamSpans + `select distinct d.id from spans s join bench_dischargers d on d.idx_lo >= s.lo and d.idx_lo < s.hi`
	rangePrunedDischargersSQL   = upstreamPrunedSpans + `select distinct d.id from spans s join bench_dischargers d on d.idx_lo >= s.lo and d.idx_lo < s.hi`
)

const (
	pruneAfter         = "e.to_idx >= s.lo and e.to_idx < s.hi\n"
	pruneCond          = "     and not (e.from_lo >= s.lo and e.from_lo < s.hi)\n"
	nldiUTSQL          = nldiStep + `select comid from nav`
	nldiIndexOnlyUTSQL = nldiIndexOnlyStep + `select comid from nav`
)

// pgEnv is what the sub-benchmarks share: the network in memory (built
// from PostGIS by store.BuildNetwork, as `serve --db` does) and the
// database holding its reaches, labels, NLDI table and dischargers.
type pgEnv struct {
	// pool runs every timed query with jit = off (pgSessionSettings);
	// poolDefault keeps the server's settings, for the one JIT-on figure
	// per query.
	pool, poolDefault *pgxpool.Pool
	net               *hydro.Network
	d                 *pgSynthData
	starts            []pgStart
	// Dischargers: by reach (the baseline's map) and sorted by the
	// pre-order index of their reach (the interval lookup).
	byReach  map[int32][]int32
	dischIdx []int32 // sorted reach index
	dischID  []int32 // discharger id, parallel to dischIdx
	timings  []pgTiming
}

// pgSessionSettings are the session settings of the timed queries, given
// as startup parameters in the URL: the server's defaults except JIT.
// PostgreSQL estimates a join to a recursive CTE at millions of rows
// whatever the start, so with the default jit = on every store.UpstreamSQL
// call pays about 0.2–0.5 s of JIT compilation, even for 20 reaches; that
// figure is measured once per query with the server's defaults and
// reported as *-jiton-ms. work_mem stays at the default: raising it lets a
// national DISTINCT hash in memory, but the same mis-estimate then makes
// every small query allocate a hash table sized for the whole network.
var pgSessionSettings = map[string]string{"jit": "off"}

// withSettings adds startup parameters to a database URL or key=value DSN;
// pgx sends parameters it does not know as run-time settings.
func withSettings(url string, set map[string]string) string {
	keys := slices.Sorted(maps.Keys(set))
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		for _, k := range keys {
			sep := "?"
			if strings.Contains(url, "?") {
				sep = "&"
			}
			url += sep + k + "=" + set[k]
		}
		return url
	}
	for _, k := range keys {
		url += " " + k + "=" + set[k]
	}
	return url
}

type pgStart struct {
	name  string
	reach int32
}

type pgTiming struct {
	what string
	d    time.Duration
}

// BenchmarkPostgresNational imports the synthetic network into PostGIS
// once (without geometry), writes the labels back from the network
// store.BuildNetwork builds, creates the NLDI table and 100k dischargers,
// then compares the three approaches from several starts:
//
//	UT/<start>           upstream with tributaries, every reach id
//	Dischargers/<start>  the dischargers upstream of a station there
//	BuildNetwork         loading and building the network from PostGIS
func BenchmarkPostgresNational(b *testing.B) {
	url := storetest.DatabaseURL(b) // skips when ENVTRACE_TEST_DATABASE_URL is unset
	env := setupPGBench(b, url)
	b.Run("UT", func(b *testing.B) {
		for _, s := range env.starts {
			b.Run(s.name, func(b *testing.B) { benchPGUpstream(b, env, s) })
		}
	})
	b.Run("Dischargers", func(b *testing.B) {
		for _, s := range env.starts {
			b.Run(s.name, func(b *testing.B) { benchPGDischargers(b, env, s) })
		}
	})
	b.Run("BuildNetwork", func(b *testing.B) { benchPGBuild(b, env) })
}

func setupPGBench(b *testing.B, url string) *pgEnv {
	ctx := context.Background()
	d := pgSynth()
	n := len(d.reaches)
	say := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "postgres bench: "+format+"\n", args...)
	}
	say("load average (1, 5, 15 min) %s", pgLoadAvg())
	say("%d synthetic reaches (%d basins, %d divergences) generated in %v", n, d.g.Basins(), d.g.Divergences(), d.gen.Round(time.Millisecond))
	if !strings.Contains(upstreamPrunedSQL, pruneCond) || !strings.HasPrefix(store.UpstreamSQL, upstreamSpans) {
		b.Fatal("store.UpstreamSQL changed shape: update the pruned variant in store/bench_test.go")
	}
	open := func(url string) *pgxpool.Pool {
		pool, err := postgis.Open(ctx, url, postgis.Options{
			StatementTimeout: time.Hour, // the CTE from a national outlet runs for seconds
			PingIdle:         time.Minute,
			MaxConns:         4,
			ApplicationName:  "envtrace-bench",
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		return pool
	}
	pool := open(withSettings(url, pgSessionSettings))
	env := &pgEnv{pool: pool, poolDefault: open(url), d: d}
	if err := store.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	step := func(what string, f func() error) {
		say("%s ...", what)
		t0 := time.Now()
		if err := f(); err != nil {
			b.Fatalf("%s: %v", what, err)
		}
		el := time.Since(t0)
		env.timings = append(env.timings, pgTiming{what, el})
		say("%s: %v", what, el.Round(time.Millisecond))
	}
	step("import reaches (store.ImportNetwork, no geometry)", func() error {
		return store.ImportNetwork(ctx, pool, pgBenchNetwork, d.reaches, 0, nil)
	})
	step("load and build (store.BuildNetwork)", func() error {
		var err error
		env.net, err = store.BuildNetwork(ctx, pool, pgBenchNetwork, hydro.Options{})
		return err
	})
	step("write labels (store.WriteLabels)", func() error {
		return store.WriteLabels(ctx, pool, pgBenchNetwork, env.net)
	})
	step("NLDI table and covering indexes", func() error {
		for _, q := range nldiTableSQL {
			if _, err := pool.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	step("place dischargers", func() error { return env.placeDischargers(ctx) })
	step("vacuum analyze", func() error {
		for _, t := range []string{"reaches", "reach_minor_edges", "nldi_flowline", "bench_dischargers"} {
			if _, err := pool.Exec(ctx, "vacuum analyze "+t); err != nil {
				return err
			}
		}
		return nil
	})
	env.starts = pickPGStarts(d.g, env.net)
	var sizes string
	for _, s := range env.starts {
		sizes += fmt.Sprintf(" %s=%d", s.name, env.net.UpstreamCount(s.reach))
	}
	say("starts (main-path tree sizes):%s", sizes)
	return env
}

// placeDischargers stores 100k dischargers on random reaches with their
// reach's idx_lo denormalised from the labels, and indexes them both ways.
func (env *pgEnv) placeDischargers(ctx context.Context) error {
	ds := env.d.g.Dischargers(pgBenchDischargers, pgBenchSeed)
	for _, q := range []string{
		`drop table if exists bench_dischargers`,
		`create table bench_dischargers (id integer primary key, comid bigint not null, reach_id text not null, idx_lo integer)`,
	} {
		if _, err := env.pool.Exec(ctx, q); err != nil {
			return err
		}
	}
	rows := make([][]any, len(ds))
	env.byReach = make(map[int32][]int32)
	type placed struct{ reach, id int32 }
	all := make([]placed, len(ds))
	for k, dc := range ds {
		comid, err := strconv.ParseInt(dc.ReachID, 10, 64)
		if err != nil {
			return err
		}
		id := int32(k + 1)
		rows[k] = []any{id, comid, dc.ReachID}
		r, ok := env.net.Index(dc.ReachID)
		if !ok {
			return fmt.Errorf("discharger %s on unknown reach %s", dc.ID, dc.ReachID)
		}
		env.byReach[r] = append(env.byReach[r], id)
		all[k] = placed{r, id}
	}
	slices.SortFunc(all, func(a, b placed) int { return int(a.reach - b.reach) })
	env.dischIdx = make([]int32, len(all))
	env.dischID = make([]int32, len(all))
	for k, p := range all {
		env.dischIdx[k], env.dischID[k] = p.reach, p.id
	}
	if _, err := env.pool.CopyFrom(ctx, pgx.Identifier{"bench_dischargers"}, []string{"id", "comid", "reach_id"}, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	for _, q := range []string{
		`update bench_dischargers d set idx_lo = r.idx_lo from reaches r where r.network = '` + pgBenchNetwork + `' and r.id = d.reach_id`,
		`alter table bench_dischargers alter column idx_lo set not null`,
		`create index bench_dischargers_comid on bench_dischargers (comid) include (id)`,
		`create index bench_dischargers_idx_lo on bench_dischargers (idx_lo) include (id)`,
	} {
		if _, err := env.pool.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// pickPGStarts takes the starts of hydro's benchmarks, so both sets of
// figures describe the same reaches.
func pickPGStarts(g *synth.Network, net *hydro.Network) []pgStart {
	var out []pgStart
	for _, st := range g.Starts(net) {
		out = append(out, pgStart{st.Name, st.Reach})
	}
	return out
}

// memSpans is UT from start as sorted, disjoint intervals of the pre-order
// index: hydro.Network.UpstreamSpans, the interval labels in memory.
func memSpans(net *hydro.Network, start int32, buf []hydro.Span) []hydro.Span {
	return net.UpstreamSpans(hydro.Query{Mode: hydro.UT, Start: start}, buf)
}

// pgLoadAvg is /proc/loadavg's first three fields: the machine is shared,
// so every figure says how busy it was.
func pgLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func pgTimeRuns(runs int, f func() error) (time.Duration, error) {
	t0 := time.Now()
	for i := 0; i < runs; i++ {
		if err := f(); err != nil {
			return 0, err
		}
	}
	return time.Since(t0) / time.Duration(runs), nil
}

// pgRuns is how often to repeat a baseline: once for a national basin,
// more for small ones so that their times are stable.
func pgRuns(reaches int) int {
	switch {
	case reaches > 200_000:
		return 1
	case reaches > 10_000:
		return 5
	}
	return 100
}

func pgMs(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func pgPerOp(b *testing.B) time.Duration { return b.Elapsed() / time.Duration(max(b.N, 1)) }

func pgRatio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// sqlQuery is one SQL answer to compare: it returns the result's ids as
// numbers (reach COMIDs or discharger ids), read from a bigint or a text
// column.
type sqlQuery struct {
	metric   string // metric name stem
	label    string
	complete bool // returns exactly the UT set (UpstreamRangeSQL does not)
	text     bool // the column is text
	sql      string
	args     []any
}

// run executes q on pool and reads every row, as a client would. Ids are
// parsed only when check is set, so that the timed runs do not pay for it.
func (q sqlQuery) run(ctx context.Context, pool *pgxpool.Pool, check bool) ([]int64, int, error) {
	rows, err := pool.Query(ctx, q.sql, q.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []int64
	n := 0
	for rows.Next() {
		n++
		if q.text {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, 0, err
			}
			if check {
				v, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return nil, 0, err
				}
				out = append(out, v)
			}
			continue
		}
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, 0, err
		}
		if check {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, n, rows.Err()
}

// sqlTiming is a query's measured time and row count.
type sqlTiming struct {
	q     sqlQuery
	t     time.Duration
	jitOn time.Duration // one run with the server's default settings; 0 = not measured
	rows  int
}

// timeSQL checks every complete query against want, then times each over
// runs runs (after the check run, which warms the caches), and the
// jitOn ones once more with the server's default settings.
func timeSQL(b *testing.B, env *pgEnv, want []int64, runs int, jitOn map[string]bool, qs []sqlQuery) map[string]sqlTiming {
	ctx := context.Background()
	out := map[string]sqlTiming{}
	for _, q := range qs {
		got, n, err := q.run(ctx, env.pool, true)
		if err != nil {
			b.Fatalf("%s: %v", q.label, err)
		}
		if q.complete && !slices.Equal(got, want) {
			b.Fatalf("%s returned %d ids, in memory %d: the answers differ", q.label, len(got), len(want))
		}
		t, err := pgTimeRuns(runs, func() error { _, _, err := q.run(ctx, env.pool, false); return err })
		if err != nil {
			b.Fatalf("%s: %v", q.label, err)
		}
		st := sqlTiming{q: q, t: t, rows: n}
		if jitOn[q.metric] {
			st.jitOn, err = pgTimeRuns(1, func() error { _, _, err := q.run(ctx, env.poolDefault, false); return err })
			if err != nil {
				b.Fatalf("%s (server defaults): %v", q.label, err)
			}
		}
		out[q.metric] = st
	}
	return out
}

func (t sqlTiming) String() string {
	s := fmt.Sprintf("%s %v", t.q.label, t.t.Round(time.Microsecond))
	if !t.q.complete {
		s += fmt.Sprintf(" (%d rows)", t.rows)
	}
	if t.jitOn > 0 {
		s += fmt.Sprintf(" [jit on: %v]", t.jitOn.Round(time.Microsecond))
	}
	return s
}

// benchPGUpstream times UT from one start. The measured loop is Navigate
// collecting every reach index; UpstreamSpans with the ids read from the
// spans, the NLDI CTE (as written and in its index-only form),
// store.UpstreamSQL (as shipped and with braids pruned) and
// store.UpstreamRangeSQL are timed beside it, after checking that every
// complete answer is the same set of reaches.
func benchPGUpstream(b *testing.B, env *pgEnv, s pgStart) {
	ctx := context.Background()
	net := env.net
	id := net.ID(s.reach)
	comid, _ := strconv.ParseInt(id, 10, 64)
	q := hydro.Query{Mode: hydro.UT, Start: s.reach}

	var ids []int32
	collect := func(h hydro.Hit) bool { ids = append(ids, h.Reach); return true }
	if err := net.Navigate(ctx, q, collect); err != nil {
		b.Fatal(err)
	}
	want := make([]int64, len(ids))
	for i, r := range ids {
		want[i], _ = strconv.ParseInt(net.ID(r), 10, 64)
	}
	slices.Sort(want)
	spans := memSpans(net, s.reach, nil)
	inSpans := 0
	for _, sp := range spans {
		inSpans += int(sp.Hi() - sp.Lo())
	}
	if inSpans != len(want) {
		b.Fatalf("UpstreamSpans hold %d reaches, Navigate found %d", inSpans, len(want))
	}
	runs := pgRuns(len(want))
	viaSpans, _ := pgTimeRuns(max(runs, 20), func() error {
		spans = memSpans(net, s.reach, spans)
		ids = ids[:0]
		for _, sp := range spans {
			for r := sp.Lo(); r < sp.Hi(); r++ {
				ids = append(ids, r)
			}
		}
		return nil
	})
	sq := timeSQL(b, env, want, runs, map[string]bool{"cte": true, "upstreamsql": true}, []sqlQuery{
		{"cte", "NLDI recursive CTE", true, false, nldiUTSQL, []any{comid}},
		{"cte-indexonly", "NLDI CTE, index-only form", true, false, nldiIndexOnlyUTSQL, []any{comid}},
		{"upstreamsql", "store.UpstreamSQL", true, true, store.UpstreamSQL, []any{pgBenchNetwork, id}},
		{"upstreamsql-pruned", "store.UpstreamSQL pruning braids", true, true, upstreamPrunedSQL, []any{pgBenchNetwork, id}},
		{"rangesql", "store.UpstreamRangeSQL (main-path tree only)", false, true, store.UpstreamRangeSQL, []any{pgBenchNetwork, id}},
	})
	for b.Loop() {
		ids = ids[:0]
		if err := net.Navigate(ctx, q, collect); err != nil {
			b.Fatal(err)
		}
	}
	mem := pgPerOp(b)
	cte, best := sq["cte"].t, min(sq["cte"].t, sq["cte-indexonly"].t)
	up := sq["upstreamsql"].t
	b.ReportMetric(float64(len(want)), "reaches")
	b.ReportMetric(float64(len(spans)), "spans")
	b.ReportMetric(pgMs(mem), "navigate-ms")
	b.ReportMetric(pgMs(viaSpans), "spans-ms")
	for _, k := range []string{"cte", "cte-indexonly", "upstreamsql", "upstreamsql-pruned", "rangesql"} {
		b.ReportMetric(pgMs(sq[k].t), k+"-ms")
	}
	b.ReportMetric(pgMs(sq["cte"].jitOn), "cte-jiton-ms")
	b.ReportMetric(pgMs(sq["upstreamsql"].jitOn), "upstreamsql-jiton-ms")
	b.ReportMetric(pgRatio(cte, mem), "cte/navigate")
	b.ReportMetric(pgRatio(best, mem), "bestcte/navigate")
	b.ReportMetric(pgRatio(best, viaSpans), "bestcte/spans")
	b.ReportMetric(pgRatio(cte, up), "cte/upstreamsql")
	b.ReportMetric(pgRatio(best, sq["upstreamsql-pruned"].t), "bestcte/pruned")
	b.ReportMetric(pgRatio(up, mem), "upstreamsql/navigate")
	msg := fmt.Sprintf("UT %s: %d reaches in %d spans. In memory: Navigate %v, UpstreamSpans %v. PostgreSQL: %v; %v; %v; %v; %v. "+
		"CTE/Navigate %.0fx (best CTE form %.0fx), best CTE/UpstreamSpans %.0fx, CTE/UpstreamSQL %.2fx, best CTE/pruned UpstreamSQL %.2fx, UpstreamSQL/Navigate %.0fx",
		s.name, len(want), len(spans), mem, viaSpans, sq["cte"], sq["cte-indexonly"], sq["upstreamsql"], sq["upstreamsql-pruned"], sq["rangesql"],
		pgRatio(cte, mem), pgRatio(best, mem), pgRatio(best, viaSpans), pgRatio(cte, up), pgRatio(best, sq["upstreamsql-pruned"].t), pgRatio(up, mem))
	if s.name == "outlet" && len(env.d.reaches) == synth.SizeNHDPlusV2 {
		msg += fmt.Sprintf("; target in memory ≥ %dx faster than the CTE: Navigate %.0fx vs the CTE as written (%.2f of target), %.0fx vs its best form (%.2f of target); UpstreamSpans %.0fx vs the best form",
			pgTargetRatio, pgRatio(cte, mem), pgRatio(cte, mem)/pgTargetRatio, pgRatio(best, mem), pgRatio(best, mem)/pgTargetRatio, pgRatio(best, viaSpans))
	}
	b.Log(msg + "; load average " + pgLoadAvg())
}

// benchPGDischargers times the dischargers upstream of a station on one
// start. The measured loop is UpstreamSpans plus two binary searches per
// span in dischargers sorted by reach index; Navigate plus a
// reach→dischargers map, the NLDI CTE joined to the dischargers table (as
// written and index-only), and store.UpstreamSQL's spans joined by the
// dischargers' denormalised idx_lo (as shipped and with braids pruned) are
// timed beside it, after checking that all answers are the same.
func benchPGDischargers(b *testing.B, env *pgEnv, s pgStart) {
	ctx := context.Background()
	net := env.net
	id := net.ID(s.reach)
	comid, _ := strconv.ParseInt(id, 10, 64)
	q := hydro.Query{Mode: hydro.UT, Start: s.reach}
	var viaNav []int32
	navigate := func() error {
		viaNav = viaNav[:0]
		return net.Navigate(ctx, q, func(h hydro.Hit) bool { viaNav = append(viaNav, env.byReach[h.Reach]...); return true })
	}
	var spans []hydro.Span
	var got []int32
	fast := func() {
		spans = memSpans(net, s.reach, spans)
		got = got[:0]
		for _, sp := range spans {
			lo, _ := slices.BinarySearch(env.dischIdx, sp.Lo())
			hi, _ := slices.BinarySearch(env.dischIdx[lo:], sp.Hi())
			got = append(got, env.dischID[lo:lo+hi]...)
		}
	}
	if err := navigate(); err != nil {
		b.Fatal(err)
	}
	fast()
	want := make([]int64, len(got))
	for i, v := range got {
		want[i] = int64(v)
	}
	slices.Sort(want)
	nv := slices.Clone(viaNav)
	slices.Sort(nv)
	if len(nv) != len(want) || !slices.EqualFunc(nv, want, func(a int32, b int64) bool { return int64(a) == b }) {
		b.Fatalf("dischargers upstream of %s: UpstreamSpans %d, Navigate + map %d", s.name, len(want), len(nv))
	}
	runs := pgRuns(net.UpstreamCount(s.reach))
	navT, _ := pgTimeRuns(max(runs, 5), navigate)
	sq := timeSQL(b, env, want, runs, map[string]bool{"cte": true, "intervalsql": true}, []sqlQuery{
		{"cte", "NLDI CTE join", true, false, nldiDischargersSQL, []any{comid}},
		{"cte-indexonly", "NLDI CTE join, index-only form", true, false, nldiIndexOnlyDischargersSQL, []any{comid}},
		{"intervalsql", "store.UpstreamSQL spans join", true, false, rangeDischargersSQL, []any{pgBenchNetwork, id}},
		{"intervalsql-pruned", "the same pruning braids", true, false, rangePrunedDischargersSQL, []any{pgBenchNetwork, id}},
	})
	for b.Loop() {
		fast()
	}
	mem := pgPerOp(b)
	cte, best := sq["cte"].t, min(sq["cte"].t, sq["cte-indexonly"].t)
	iv := sq["intervalsql"].t
	b.ReportMetric(float64(len(got)), "dischargers")
	b.ReportMetric(float64(len(spans)), "spans")
	b.ReportMetric(float64(mem.Nanoseconds())/1e3, "spans-µs")
	b.ReportMetric(pgMs(navT), "navigate+map-ms")
	for _, k := range []string{"cte", "cte-indexonly", "intervalsql", "intervalsql-pruned"} {
		b.ReportMetric(pgMs(sq[k].t), k+"-ms")
	}
	b.ReportMetric(pgMs(sq["cte"].jitOn), "cte-jiton-ms")
	b.ReportMetric(pgMs(sq["intervalsql"].jitOn), "intervalsql-jiton-ms")
	b.ReportMetric(pgRatio(cte, mem), "cte/spans")
	b.ReportMetric(pgRatio(best, mem), "bestcte/spans")
	b.ReportMetric(pgRatio(best, navT), "bestcte/navigate+map")
	b.ReportMetric(pgRatio(best, iv), "bestcte/intervalsql")
	b.ReportMetric(pgRatio(iv, mem), "intervalsql/spans")
	b.Logf("dischargers upstream of %s: %d of %d in %d spans. In memory: UpstreamSpans + binary search %v, Navigate + map %v. PostgreSQL: %v; %v; %v; %v. "+
		"CTE/UpstreamSpans %.0fx (best CTE form %.0fx), best CTE/Navigate+map %.0fx, best CTE/interval SQL %.2fx, interval SQL/UpstreamSpans %.0fx",
		s.name, len(got), pgBenchDischargers, len(spans), mem, navT, sq["cte"], sq["cte-indexonly"], sq["intervalsql"], sq["intervalsql-pruned"],
		pgRatio(cte, mem), pgRatio(best, mem), pgRatio(best, navT), pgRatio(best, iv), pgRatio(iv, mem))
	b.Logf("load average %s", pgLoadAvg())
}

// benchPGBuild times store.BuildNetwork (read every reach back, then
// hydro.Build) against hydro.Build on the same reaches already in memory.
func benchPGBuild(b *testing.B, env *pgEnv) {
	ctx := context.Background()
	// hydro.Build on the reaches in memory, best of two after a GC: the
	// process holds the whole benchmark's data.
	inMem := time.Duration(math.MaxInt64)
	for range 2 {
		runtime.GC()
		t, err := pgTimeRuns(1, func() error { _, err := hydro.Build(ctx, env.d.reaches, hydro.Options{}); return err })
		if err != nil {
			b.Fatal(err)
		}
		inMem = min(inMem, t)
	}
	runtime.GC()
	load, err := pgTimeRuns(1, func() error { _, _, err := store.LoadReaches(ctx, env.pool, pgBenchNetwork); return err })
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := store.BuildNetwork(ctx, env.pool, pgBenchNetwork, hydro.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	build := pgPerOp(b)
	b.ReportMetric(build.Seconds(), "buildnetwork-s")
	b.ReportMetric(load.Seconds(), "loadreaches-s")
	b.ReportMetric(inMem.Seconds(), "hydrobuild-s")
	b.ReportMetric(pgRatio(build, inMem), "buildnetwork/hydrobuild")
	var setup string
	for _, t := range env.timings {
		setup += fmt.Sprintf("; %s %v", t.what, t.d.Round(time.Millisecond))
	}
	b.Logf("store.BuildNetwork of %d reaches: %v (store.LoadReaches alone %v), hydro.Build on the same reaches in memory %v (BuildNetwork %.1fx that). One-off set-up%s",
		len(env.d.reaches), build.Round(time.Millisecond), load.Round(time.Millisecond), inMem.Round(time.Millisecond), pgRatio(build, inMem), setup)
}
