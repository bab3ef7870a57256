package api_test

// BenchmarkNavigateHTTP measures what a user waits for: UT from the outlet
// of a random dendritic network (fixtures/dendritic, every reach upstream
// of the outlet), delivered as format=ids over a loopback HTTP connection
// and read to the end by a client. In the same run it times the baselines:
//
//   - ids-per-line: the same request through a backend without the
//     pre-rendered ids (api.IDNavigator hidden), so each id is formatted and
//     written a reach at a time, as before;
//   - nldi-cte: the NLDI recursive CTE as nldi-services writes it (hydroseq,
//     dnhydroseq, dnminorhyd, startflag, with NLDI's covering indexes) in
//     PostgreSQL, every row read over pgx; only when
//     ENVTRACE_TEST_DATABASE_URL is set.
//
// The network has 200,000 reaches unless ENVTRACE_BENCH_NAV_REACHES says
// otherwise (docs/performance.md reports 500,000 and 2,700,000):
//
//	ENVTRACE_BENCH_NAV_REACHES=500000 ENVTRACE_TEST_DATABASE_URL=$(.ci/testdb) \
//	  go test -run '^$' -bench NavigateHTTP -benchtime 3x -timeout 30m ./api/

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures/dendritic"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store/storetest"
)

// nldiUTSQL is NLDI's upstream-with-tributaries navigation (nldi-services'
// recursive query, cut to the columns UT reads), as store/bench_test.go
// times it at 2.7M NHDPlus-like reaches.
const nldiUTSQL = `with recursive nav (comid, hydroseq, startflag) as (
    select comid, hydroseq, startflag from nldi_flowline where comid = $1
  union
    select x.comid, x.hydroseq, x.startflag
    from nldi_flowline x, nav
    where nav.startflag <> 1
      and (x.dnhydroseq = nav.hydroseq or (x.dnminorhyd <> 0 and x.dnminorhyd = nav.hydroseq))
)
select comid from nav`

// nldiTableSQL makes NLDI's navigation table and its covering indexes.
var nldiTableSQL = []string{
	`create table nldi_flowline (comid bigint primary key, hydroseq bigint not null,
	   dnhydroseq bigint not null, dnminorhyd bigint, startflag int not null)`,
	`create index nldi_flowline_dnhydroseq on nldi_flowline (dnhydroseq) include (comid, hydroseq, startflag)`,
	`create index nldi_flowline_dnminorhyd on nldi_flowline (dnminorhyd) include (comid, hydroseq, startflag)`,
	`vacuum analyze nldi_flowline`,
}

// idsOnly hides the backend's optional interfaces, api.IDNavigator among
// them, so the server formats ids one hit at a time.
type idsOnly struct{ api.NetworkBackend }

func benchNavReaches(b *testing.B) int {
	n := 200_000
	if s := os.Getenv("ENVTRACE_BENCH_NAV_REACHES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("ENVTRACE_BENCH_NAV_REACHES=%q: want a positive integer", s)
		}
		n = v
	}
	return n
}

func BenchmarkNavigateHTTP(b *testing.B) {
	n := benchNavReaches(b)
	t0 := time.Now()
	g := dendritic.Generate(n, 2026)
	gen := time.Since(t0)
	t0 = time.Now()
	net, err := hydro.Build(context.Background(), g.Reaches(), hydro.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d reaches generated in %v, built in %v", n, gen.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	outlet := strconv.FormatInt(g.Outlet, 10)
	mb := memoryBackend(b, net)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	target := "/api/v1/navigate?mode=UT&format=ids&start=" + outlet

	var cteNs, perLineNs float64 // per query, from this run
	b.Run("nldi-cte", func(b *testing.B) {
		cteNs = benchNLDI(b, net, g.Outlet, n)
	})
	b.Run("ids-per-line", func(b *testing.B) {
		perLineNs = benchHTTP(b, client, newServer(b, quietConfig(), idsOnly{mb}), target, n)
	})
	b.Run("ids", func(b *testing.B) {
		ns := benchHTTP(b, client, newServer(b, quietConfig(), mb), target, n)
		b.ReportMetric(perLineNs/ns, "x-vs-per-line")
		msg := fmt.Sprintf("UT from the outlet, %d ids over HTTP: %.2f ms, %.2f ns a reach; %.1f× faster than formatting per line (%.1f ms)",
			n, ns/1e6, ns/float64(n), perLineNs/ns, perLineNs/1e6)
		if cteNs > 0 {
			b.ReportMetric(cteNs/ns, "x-vs-nldi-cte")
			msg += fmt.Sprintf("; %.0f× faster than the NLDI recursive CTE (%.0f ms)", cteNs/ns, cteNs/1e6)
		}
		b.Log(msg)
	})
}

// benchHTTP times GET target against s over loopback, checks that every
// reach arrives, and returns the time a request.
func benchHTTP(b *testing.B, client *http.Client, s *api.Server, target string, n int) float64 {
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	buf := make([]byte, 256<<10)
	var size int64
	get := func() {
		res, err := client.Get(srv.URL + target)
		if err != nil {
			b.Fatal(err)
		}
		lines, bytesRead := 0, int64(0)
		for {
			k, err := res.Body.Read(buf)
			lines += bytes.Count(buf[:k], []byte{'\n'})
			bytesRead += int64(k)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || lines != n {
			b.Fatalf("status %d, %d ids, want %d", res.StatusCode, lines, n)
		}
		size = bytesRead
	}
	get() // untimed: the first request renders the ids' text
	for b.Loop() {
		get()
	}
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns/float64(n), "ns/reach")
	b.ReportMetric(float64(n), "reaches")
	b.ReportMetric(float64(size)/1e6, "MB")
	return ns
}

// benchNLDI loads NLDI's navigation table from net's computed attributes
// and times the recursive CTE from the outlet, reading every row. It
// returns 0 (and skips) without a database.
func benchNLDI(b *testing.B, net *hydro.Network, outlet int64, n int) float64 {
	if os.Getenv(storetest.EnvURL) == "" {
		b.Skip(storetest.EnvURL + " is not set: no NLDI CTE baseline")
	}
	ctx := context.Background()
	pool := storetest.Pool(b, postgis.Options{StatementTimeout: time.Hour, MaxConns: 2, ApplicationName: "envtrace-bench"})
	t0 := time.Now()
	if _, err := pool.Exec(ctx, nldiTableSQL[0]); err != nil {
		b.Fatal(err)
	}
	rows := make([][]any, net.Len())
	for i := range rows {
		a := net.Attrs(int32(i))
		var dn int64
		if d := net.Down(int32(i)); d >= 0 {
			dn = net.Attrs(d).Hydroseq
		}
		id, err := strconv.ParseInt(a.ID, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		flag := 0
		if a.StartFlag {
			flag = 1
		}
		// No minor downstream is NULL here, where NLDI writes 0: a
		// dendritic network has no divergence, so a column of zeros would
		// tell the planner that "dnminorhyd = hydroseq" matches every row,
		// and it would answer each recursive step with a sequential scan
		// (hours at 300k reaches). The query's answer is the same.
		rows[i] = []any{id, a.Hydroseq, dn, nil, flag}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"nldi_flowline"},
		[]string{"comid", "hydroseq", "dnhydroseq", "dnminorhyd", "startflag"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	for _, q := range nldiTableSQL[1:] {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("NLDI table of %d reaches loaded and indexed in %v", n, time.Since(t0).Round(time.Millisecond))
	conn, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "set jit = off"); err != nil {
		b.Fatal(err)
	}
	if os.Getenv("ENVTRACE_BENCH_EXPLAIN") != "" {
		rs, _ := conn.Query(ctx, "explain "+nldiUTSQL, outlet)
		for rs.Next() {
			var l string
			_ = rs.Scan(&l)
			b.Log(l)
		}
	}
	for b.Loop() {
		rs, err := conn.Query(ctx, nldiUTSQL, outlet)
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for rs.Next() {
			got++
		}
		if err := rs.Err(); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("the CTE found %d reaches, want %d", got, n)
		}
	}
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns/float64(n), "ns/reach")
	b.ReportMetric(float64(n), "reaches")
	return ns
}
