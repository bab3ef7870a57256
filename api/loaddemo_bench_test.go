package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/envtrace/envtrace/fixtures"
)

// readmeTrace is the README's plating trace (the night-time plating dump
// into the Futian canal), as the web map sends it.
var readmeTrace = url.Values{"station": {"WQ-C1-01"}, "parameter": {"Cu"}, "value": {"1.815"}, "unit": {"mg/L"},
	"time": {"2026-08-14T04:00:00+08:00"}}.Encode()

// BenchmarkTraceLoadDemo drives the trace endpoint of `envtrace serve` on
// the embedded demo fixture, a child process, from this process: the
// README's plating trace over and over, and a rotation over 2,000 seeded
// traces of the fixture's stations, parameters, values and times (no
// answer repeats within 2,000 requests). Every trace is audited, as the
// trace route always is. The servers run with their answer cache as
// deployed (64 MiB, which holds the whole rotation): the pass that checks
// which rotating traces are answered fills it, so the phases measure
// traces asked again; the first server keeps no answers and is the
// baseline of computing each one.
//
// Up to four servers run one after the other, each stopped before the next
// starts:
//
//   - memory-audit-uncached: `serve --trace-cache 0` on the embedded
//     fixture, its audit entries kept in memory (the demo's recorder);
//   - memory-audit: the same with the answer cache;
//   - postgis-audit: when ENVTRACE_TEST_DATABASE_URL is set (required
//     under REQUIRE_POSTGIS=1), the fixture imported into that database and
//     `serve --db --insecure-demo` with an audit key, which writes every
//     entry to the hash-chained audit_log in PostGIS as production does
//     (group commits); the number of rows written is logged;
//   - postgis-audit-token: the same with `--auth tokens`, every request
//     carrying an administrator's API token (authenticated through the
//     server's token cache).
//
// On each: a closed loop of /healthz first (the baseline of what the HTTP
// stack and this machine serve in the same run), then the README trace and
// the rotation in closed loops of ENVTRACE_BENCH_API_CLIENTS clients and at
// the open-loop rates of ENVTRACE_BENCH_API_RATES, with Go's client (gzip,
// as a browser asks). When wrk is installed, the same three closed loops
// again with `wrk -t2 -c16`, the issue's own measurement (no gzip; wrk is a
// C program that costs the shared cores much less than Go's client). When
// wrk2 is there too (ENVTRACE_BENCH_WRK2 or wrk2 on the PATH; built from
// github.com/giltene/wrk2), /healthz, the README trace (with and without
// gzip) and the rotation at each rate of ENVTRACE_BENCH_API_RATES in wrk2's
// open loop, each p99 against the /healthz p99 at the same rate.
//
//	go test -run '^$' -bench TraceLoadDemo -benchtime 1x ./api/
func BenchmarkTraceLoadDemo(b *testing.B) {
	fx, err := centralData()
	if err != nil {
		b.Fatal(err)
	}
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "trace load demo: "+format+"\n", args...) }
	say("load average before the phases: %s", loadAverage())
	rotation := demoQueries(fx.basin.DS, demoQueryCount, loadSeed)
	// The baseline: every answer computed (no answer cache).
	mem := startServer(b, nil, "--trace-cache", "0")
	rotation = runDemoLoad(b, "memory-audit-uncached", mem, rotation, "", say)
	mem.stop()
	mem = startServer(b, nil)
	rotation = runDemoLoad(b, "memory-audit", mem, rotation, "", say)
	mem.stop()

	dbURL := os.Getenv("ENVTRACE_TEST_DATABASE_URL")
	if dbURL == "" {
		if os.Getenv("REQUIRE_POSTGIS") == "1" {
			b.Fatal("ENVTRACE_TEST_DATABASE_URL is not set (REQUIRE_POSTGIS=1)")
		}
		say("ENVTRACE_TEST_DATABASE_URL not set: no run with the audit written to PostGIS")
		return
	}
	importDemo(b, dbURL)
	before := auditRows(b, dbURL)
	env := []string{"ENVTRACE_AUDIT_KEY=" + strings.Repeat("5e", 32), "ENVTRACE_PRIVACY_SECRET=" + strings.Repeat("c4", 32)}
	srv := startServer(b, env, "--db", dbURL, "--insecure-demo")
	runDemoLoad(b, "postgis-audit", srv, rotation, "", say)
	srv.stop()
	// The same with API-token authentication, as a deployment serves the
	// map's and the agencies' clients: every request carries an
	// administrator's token, authenticated through the token cache.
	token := createToken(b, dbURL, "--role", "admin")
	srv = startServer(b, env, "--db", dbURL, "--auth", "tokens")
	runDemoLoad(b, "postgis-audit-token", srv, rotation, token, say)
	srv.stop() // the recorder commits what it holds before the server exits
	say("postgis-audit: %d audit_log rows written during the phases", auditRows(b, dbURL)-before)
}

// runDemoLoad runs the phases on one server and returns the rotation's
// requests the server answers with 200 (a value raised out of its
// physical range is refused as bad input, and is dropped); token, when
// set, is the bearer of every request.
func runDemoLoad(b *testing.B, label string, srv *serverProc, rotation []loadRequest, token string, say func(string, ...any)) []loadRequest {
	pid := srv.cmd.Process.Pid
	dur := time.Duration(envInt("ENVTRACE_BENCH_API_SECONDS", 10)) * time.Second
	clients := envInt("ENVTRACE_BENCH_API_CLIENTS", 16)
	const conns = 256
	say("%s: envtrace serve ready in %v, RSS %.0f MiB", label, srv.ready.Round(time.Millisecond), rssMiB(pid))
	health := newLoadClient(srv.base, []loadRequest{{}}, conns)
	health.path = "/healthz"
	readme := newLoadClient(srv.base, []loadRequest{{query: readmeTrace}}, conns)
	health.token, readme.token = token, token
	defer health.http.CloseIdleConnections()
	defer readme.http.CloseIdleConnections()
	if warm := closedLoopN(readme, 1, 50); warm.errors > 0 {
		b.Fatalf("%s: the README trace fails%s", label, firstErr(warm))
	}
	rotation = answered(b, readme, rotation)
	if len(rotation) < demoQueryCount/2 {
		b.Fatalf("%s: only %d of %d rotating queries answered", label, len(rotation), demoQueryCount)
	}
	rot := newLoadClient(srv.base, rotation, conns)
	rot.token = token
	defer rot.http.CloseIdleConnections()
	say("%s: the rotation cycles through %d distinct traces", label, len(rotation))

	measure := func(f func() *phaseResult) *phaseResult {
		settle()
		s0, c0 := cpuSeconds(pid), cpuSeconds(os.Getpid())
		r := f()
		r.serverCPU, r.clientCPU = cpuSeconds(pid)-s0, cpuSeconds(os.Getpid())-c0
		if len(r.lat) == 0 {
			b.Fatalf("no request succeeded%s", firstErr(r))
		}
		return r
	}
	var base *phaseResult
	phase := func(name string, c *loadClient, f func(c *loadClient) *phaseResult) {
		name = label + "/" + name
		b.Run(name, func(b *testing.B) {
			r := measure(func() *phaseResult { return f(c) })
			reportPhase(b, name, r)
			if base == nil {
				base = r
			}
			b.ReportMetric(r.rps()/base.rps(), "ratio-vs-healthz")
			b.Logf("%s: %.2f× the /healthz throughput of this run (%.0f req/s), %.1f KiB an answer", name, r.rps()/base.rps(), base.rps(),
				float64(r.bytes)/float64(len(r.lat))/1024)
		})
	}
	closed := func(c *loadClient) *phaseResult { return closedLoop(c, clients, dur) }
	phase(fmt.Sprintf("healthz-closed-%d", clients), health, closed)
	phase(fmt.Sprintf("readme-closed-%d", clients), readme, closed)
	phase(fmt.Sprintf("rotation-closed-%d", clients), rot, closed)
	rates := envInts("ENVTRACE_BENCH_API_RATES", []int{1000, 2000, loadTargetRPS})
	for _, rate := range rates {
		open := func(c *loadClient) *phaseResult { return openLoop(c, rate, dur, conns) }
		phase(fmt.Sprintf("readme-open-%d", rate), readme, open)
		phase(fmt.Sprintf("rotation-open-%d", rate), rot, open)
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		say("%s: wrk not installed: no wrk phases", label)
		return rotation
	}
	sets := []wrkPhase{{name: "readme", paths: []string{"/api/v1/trace?" + readmeTrace}}, {name: "rotation", paths: tracePaths(rotation)}}
	runWrkPhases(b, label, pid, srv.base, token, dur, wrkPhases(sets, rates))
	return rotation
}

// settle collects the load generator's garbage and lets the machine
// settle before a phase.
func settle() {
	runtime.GC()
	time.Sleep(500 * time.Millisecond)
}

// answered keeps the requests the server answers c with 200.
func answered(b *testing.B, c *loadClient, reqs []loadRequest) []loadRequest {
	var out []loadRequest
	for _, r := range reqs {
		req, err := http.NewRequest(http.MethodGet, c.base+"/api/v1/trace?"+r.query, nil)
		if err != nil {
			b.Fatal(err)
		}
		c.authorize(req)
		resp, err := c.http.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			out = append(out, r)
		}
	}
	return out
}

func tracePaths(reqs []loadRequest) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = "/api/v1/trace?" + r.query
	}
	return out
}

// importDemo migrates the database and imports the demo fixture into it
// with the envtrace binary (idempotent: a second run stores nothing new).
func importDemo(b *testing.B, dbURL string) {
	dir := b.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		b.Fatal(err)
	}
	importData(b, dbURL, dir)
}

// importData migrates the database and imports the data directory dir
// into it with the envtrace binary.
func importData(b *testing.B, dbURL, dir string) {
	for _, args := range [][]string{{"db", "migrate", "--db", dbURL}, {"import", "--db", dbURL, "--data", dir}} {
		runEnvtrace(b, args...)
	}
}

// createToken makes an API token in the database with `envtrace token
// create --db dbURL args...` and returns it.
func createToken(b *testing.B, dbURL string, args ...string) string {
	return strings.TrimSpace(runEnvtrace(b, append([]string{"token", "create", "--db", dbURL}, args...)...))
}

// runEnvtrace runs the envtrace binary and returns its standard output.
func runEnvtrace(b *testing.B, args ...string) string {
	bin, err := envtraceBinary()
	if err != nil {
		b.Fatal(err)
	}
	var out, errs strings.Builder
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		b.Fatalf("envtrace %s: %v\n%s", strings.Join(args[:min(2, len(args))], " "), err, tailOf(errs.String(), 2000))
	}
	return out.String()
}

// auditRows counts the rows of audit_log.
func auditRows(b *testing.B, dbURL string) int64 {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "select count(*) from audit_log").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// wrkLoad says how wrk drives a phase: a closed loop of 16 connections
// (`wrk -t2 -c16`), or, when rate is set, an open loop at that fixed rate
// with wrk2 (`wrk2 -R rate`), which measures each request's latency from
// the time it was due, so a server that falls behind is charged for the
// queue (no coordinated omission).
type wrkLoad struct {
	rate int  // requests a second; 0: closed loop
	gzip bool // ask for gzip, as a browser does
}

func (l wrkLoad) String() string {
	s := "wrk -t2 -c16"
	if l.rate > 0 {
		s = fmt.Sprintf("wrk2 -t2 -c16 -R%d", l.rate)
	}
	if l.gzip {
		return s + ", gzip"
	}
	return s + ", no gzip"
}

// wrk2Binary is wrk2 (github.com/giltene/wrk2, built from source; Debian
// does not package it): ENVTRACE_BENCH_WRK2, else wrk2 on the PATH; "" when
// neither is there.
func wrk2Binary() string {
	if p := os.Getenv("ENVTRACE_BENCH_WRK2"); p != "" {
		return p
	}
	p, _ := exec.LookPath("wrk2")
	return p
}

// wrkResult is what wrk or wrk2 printed for one phase.
type wrkResult struct {
	rps, p50ms, p99ms float64
	requests, non2xx  int
	clientCPU         float64 // wrk's CPU seconds
	elapsed           time.Duration
	kib               float64 // KiB read an answer
}

var (
	wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	// wrk prints "  99%  1.20ms", wrk2 "  99.000%    1.20ms".
	wrkLatency = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.0+)?%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkCount   = regexp.MustCompile(`(\d+) requests in ([0-9.]+)(ms|s|m), ([0-9.]+)([KMG]?B) read`)
	wrkNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// runWrk runs wrk (or wrk2, see wrkLoad) with --latency for dur over
// paths, cycled by a Lua request function, with token (when set) as every
// request's bearer.
func runWrk(b *testing.B, base string, paths []string, dur time.Duration, token string, load wrkLoad) wrkResult {
	script := filepath.Join(b.TempDir(), "paths.lua")
	f, err := os.Create(script)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("local paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(w, "%s,\n", strconv.Quote(p))
	}
	w.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[((i - 1) % #paths) + 1])\nend\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	bin, args := "wrk", []string{"-t2", "-c16", fmt.Sprintf("-d%ds", int(dur.Seconds())), "--latency", "-s", script}
	if load.rate > 0 {
		bin = wrk2Binary()
		args = append(args, "-R", strconv.Itoa(load.rate))
	}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	if load.gzip {
		args = append(args, "-H", "Accept-Encoding: gzip")
	}
	cmd := exec.Command(bin, append(args, base)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%s: %v\n%s", load, err, out)
	}
	r := parseWrk(b, string(out))
	r.clientCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return r
}

// parseWrk reads the rate, the median and 99th percentile, the count, the
// bytes and the failures from wrk's or wrk2's report.
func parseWrk(b *testing.B, s string) wrkResult {
	var r wrkResult
	if m := wrkRPS.FindStringSubmatch(s); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	for _, m := range wrkLatency.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		v *= map[string]float64{"us": 1e-3, "ms": 1, "s": 1e3}[m[3]]
		if m[1] == "50" {
			r.p50ms = v
		} else {
			r.p99ms = v
		}
	}
	if m := wrkCount.FindStringSubmatch(s); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
		v, _ := strconv.ParseFloat(m[2], 64)
		r.elapsed = time.Duration(v * map[string]float64{"ms": 1e6, "s": 1e9, "m": 60e9}[m[3]])
		kb, _ := strconv.ParseFloat(m[4], 64)
		kb *= map[string]float64{"B": 1.0 / 1024, "KB": 1, "MB": 1024, "GB": 1024 * 1024}[m[5]]
		if r.requests > 0 {
			r.kib = kb / float64(r.requests)
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(s); m != nil {
		r.non2xx, _ = strconv.Atoi(m[1])
	}
	if r.rps == 0 || r.requests == 0 || r.p99ms == 0 {
		b.Fatalf("cannot read wrk's output:\n%s", s)
	}
	return r
}

// wrkPhase is one path set driven by wrk in one way.
type wrkPhase struct {
	name  string
	paths []string
	load  wrkLoad
}

// wrkPhases says what the wrk phases are on a server: /healthz and each
// path set in wrk's closed loop, then, when wrk2 is there, /healthz and
// each path set (and the first with gzip) at each of rates in wrk2's open
// loop. Each loop's /healthz comes first: it is the baseline of the run.
func wrkPhases(sets []wrkPhase, rates []int) []wrkPhase {
	health := []string{"/healthz"}
	out := []wrkPhase{{"wrk-healthz", health, wrkLoad{}}}
	for _, s := range sets {
		out = append(out, wrkPhase{"wrk-" + s.name, s.paths, wrkLoad{}})
	}
	if wrk2Binary() == "" {
		return out
	}
	for _, rate := range rates {
		open := wrkLoad{rate: rate}
		out = append(out, wrkPhase{fmt.Sprintf("wrk2-healthz-open-%d", rate), health, open})
		for i, s := range sets {
			out = append(out, wrkPhase{fmt.Sprintf("wrk2-%s-open-%d", s.name, rate), s.paths, open})
			if i == 0 {
				gz := wrkLoad{rate: rate, gzip: true}
				out = append(out, wrkPhase{fmt.Sprintf("wrk2-%s-gzip-open-%d", s.name, rate), s.paths, gz})
			}
		}
	}
	return out
}

// runWrkPhases runs phases (see wrkPhases) on the server with process pid
// at base, each a sub-benchmark of label, and returns the server's CPU a
// request (µs) by phase name.
func runWrkPhases(b *testing.B, label string, pid int, base, token string, dur time.Duration, phases []wrkPhase) map[string]float64 {
	cpu := map[string]float64{}
	var healthz wrkResult
	for _, p := range phases {
		name := label + "/" + p.name
		b.Run(name, func(b *testing.B) {
			settle()
			s0 := cpuSeconds(pid)
			r := runWrk(b, base, p.paths, dur, token, p.load)
			used := cpuSeconds(pid) - s0
			if p.paths[0] == "/healthz" {
				healthz = r
			}
			cpu[p.name] = used / float64(r.requests) * 1e6
			reportWrk(b, name, p.load, r, used, healthz)
		})
	}
	return cpu
}

// reportWrk reports a wrk phase against the target and against the
// /healthz of the same loop in the same run: its throughput in a closed
// loop, its p99 at a fixed rate.
func reportWrk(b *testing.B, name string, load wrkLoad, r wrkResult, serverCPU float64, healthz wrkResult) {
	b.ReportMetric(r.rps, "req/s")
	b.ReportMetric(r.p50ms, "p50-ms")
	b.ReportMetric(r.p99ms, "p99-ms")
	b.ReportMetric(float64(r.non2xx), "errors")
	against := fmt.Sprintf("%.2f× the /healthz throughput of this run", r.rps/healthz.rps)
	if load.rate > 0 {
		b.ReportMetric(r.p99ms/healthz.p99ms, "p99-ratio-vs-healthz")
		against = fmt.Sprintf("p99 %.2f× the /healthz p99 at this rate in this run (%.2f ms)", r.p99ms/healthz.p99ms, healthz.p99ms)
	} else {
		b.ReportMetric(r.rps/healthz.rps, "ratio-vs-healthz")
	}
	secs := r.elapsed.Seconds()
	if secs > 0 {
		b.ReportMetric(serverCPU/secs, "server-cores")
		b.ReportMetric(r.clientCPU/secs, "client-cores")
		b.ReportMetric(serverCPU/float64(r.requests)*1e6, "server-cpu-µs/req")
	}
	b.Logf("%s (%s): %d requests = %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d non-2xx, %.1f KiB an answer; "+
		"server %.2f cores (%.0f µs a request), wrk %.2f cores; %s; against the target (≥ %d req/s, p99 ≤ %v): %.2f of the throughput, p99 %.2f of the bound",
		name, load, r.requests, r.rps, r.p50ms, r.p99ms, r.non2xx, r.kib, serverCPU/secs, serverCPU/float64(r.requests)*1e6, r.clientCPU/secs,
		against, loadTargetRPS, loadTargetP99, r.rps/loadTargetRPS, r.p99ms/msOfDur(loadTargetP99))
}
