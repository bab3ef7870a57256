package api_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/internal/threadcpu"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// demoQueryCount is how many distinct trace requests the rotating demo
// load cycles through.
const demoQueryCount = 2000

// demoQueries draws n distinct trace requests over the demo fixture's data
// (seeded): a recorded reading's station, parameter and time, with its
// value raised 1.5 to 12 times (one in four kept as recorded, which is
// normal and names nobody), so that the rotation exercises every station,
// parameter and season the fixture holds, not one answer over and over.
func demoQueries(ds *model.Dataset, n int, seed uint64) []loadRequest {
	rng := rand.New(rand.NewPCG(seed, 0xde70))
	seen := map[string]bool{}
	var out []loadRequest
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		r := *ds.Reading(rng.IntN(ds.NumReadings()))
		if r.Censored || r.Value <= 0 {
			continue
		}
		v := r.Value
		if rng.IntN(4) > 0 {
			v *= 1.5 + 10.5*rng.Float64()
		}
		v = math.Round(v*1e4) / 1e4
		q := url.Values{"station": {r.Station}, "parameter": {r.Parameter}, "value": {strconv.FormatFloat(v, 'f', -1, 64)},
			"unit": {r.Unit}, "time": {r.Time.Format(time.RFC3339)}}.Encode()
		if seen[q] {
			continue
		}
		seen[q] = true
		out = append(out, loadRequest{query: q, req: api.TraceRequest{MaxHours: 72,
			Request: suspect.Request{Station: r.Station, Parameter: r.Parameter, Value: v, Unit: r.Unit, Time: r.Time}}})
	}
	return out
}

// servable keeps the requests h answers with 200 (a pH or temperature
// reading raised out of its physical range is refused as bad input).
func servable(h http.Handler, reqs []loadRequest) []loadRequest {
	return slices.DeleteFunc(slices.Clone(reqs), func(r loadRequest) bool {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/trace?"+r.query, nil))
		return rec.Code != http.StatusOK
	})
}

// BenchmarkTraceHandlerDemo runs the README's plating trace and a rotation
// over many different demo traces in process, through the whole handler
// stack with the audit on (an in-memory recorder: the hashing of request
// and answer and the entry are the server's work; where the entry goes is
// BenchmarkTraceLoadDemo's business) and gzip as the load generator asks
// for it, the same through the server as deployed, whose answer cache
// serves the traces asked again (kept-gzip, kept-identity, with the CPU
// ratio to the uncached requests), and through the engine alone. Each
// reports, besides wall time,
// the CPU time of the thread that serves the requests (cpu-µs/req), the
// figure to compare between builds on a shared machine. It needs no socket; run it with
// -cpuprofile for the server's profile:
//
//	go test -run '^$' -bench TraceHandlerDemo -benchtime 2s -cpuprofile cpu.out ./api/
func BenchmarkTraceHandlerDemo(b *testing.B) {
	mb, fx := centralBackend(b)
	ctx := context.Background()
	audited := &discardAudit{}
	server := func(cache int64) http.Handler {
		srv, err := api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Audit: audited, TraceCacheBytes: cache}, mb)
		if err != nil {
			b.Fatal(err)
		}
		return srv.Handler()
	}
	// h computes every answer; kept is the server as deployed, with the
	// answer cache, which serves a trace asked again from memory.
	h, kept := server(-1), server(0)
	readme := loadRequest{query: readmeTrace, req: api.TraceRequest{MaxHours: 72, Request: suspect.Request{Station: "WQ-C1-01", Parameter: "Cu",
		Value: 1.815, Unit: "mg/L", Time: time.Date(2026, 8, 14, 4, 0, 0, 0, time.FixedZone("", 8*3600))}}}
	rotation := servable(h, demoQueries(fx.basin.DS, demoQueryCount, loadSeed))
	if len(rotation) < demoQueryCount/2 {
		b.Fatalf("only %d of %d demo queries are answered", len(rotation), demoQueryCount)
	}
	serveOn := func(h http.Handler, r loadRequest, gzip bool) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/trace?"+r.query, nil)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", r.query, rec.Code, rec.Body.String())
		}
		return rec.Body.Len()
	}
	serve := func(r loadRequest, gzip bool) int { return serveOn(h, r, gzip) }
	for _, set := range []struct {
		name string
		reqs []loadRequest
	}{{"readme", []loadRequest{readme}}, {"rotation", rotation}} {
		var plain int
		for _, r := range set.reqs {
			plain += serve(r, false)
		}
		// perReq reports a request's cost: wall time, and the CPU time the
		// benchmark's thread spent since cpu0 (threadcpu.Now, Linux only), which
		// other jobs on a shared machine do not inflate. The collector's
		// background workers and the backend's own background work run on
		// other threads: allocations are reported apart (-benchmem).
		perReq := func(b *testing.B, bytes int, cpu0 time.Duration) (cpuUs float64) {
			reqs := max(b.N, 1) * len(set.reqs)
			per := b.Elapsed() / time.Duration(reqs)
			b.ReportMetric(float64(per.Nanoseconds()), "ns/op") // a request, not a pass
			if cpu, ok := threadcpu.Now(); ok {
				cpuUs = float64((cpu-cpu0)/time.Duration(reqs)) / 1e3
				b.ReportMetric(cpuUs, "cpu-µs/req")
			}
			b.ReportMetric(float64(bytes)/float64(len(set.reqs)), "B/answer")
			b.ReportMetric(float64(runtime.GOMAXPROCS(0))/per.Seconds(), "req/s-on-all-cores")
			return cpuUs
		}
		// handler runs the set through h over and over on one thread and
		// returns the serving thread's CPU a request (µs).
		handler := func(b *testing.B, h http.Handler, gz bool) float64 {
			var n int
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, _ := threadcpu.Now()
			for b.Loop() {
				n = 0
				for _, r := range set.reqs {
					n += serveOn(h, r, gz)
				}
			}
			return perReq(b, n, cpu0)
		}
		uncached := map[bool]float64{}
		for _, gz := range []bool{true, false} {
			name := map[bool]string{true: "gzip", false: "identity"}[gz]
			b.Run(set.name+"/http-"+name, func(b *testing.B) { uncached[gz] = handler(b, h, gz) })
		}
		// The same requests asked again of the server with the cache (the
		// first pass fills it), against the CPU a request of the pass
		// without it in this run.
		for _, gz := range []bool{true, false} {
			for _, r := range set.reqs {
				serveOn(kept, r, gz)
			}
			name := map[bool]string{true: "gzip", false: "identity"}[gz]
			b.Run(set.name+"/kept-"+name, func(b *testing.B) {
				if cpu := handler(b, kept, gz); cpu > 0 && uncached[gz] > 0 {
					b.ReportMetric(uncached[gz]/cpu, "x-less-cpu-than-uncached")
				}
			})
		}
		b.Run(set.name+"/engine", func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, _ := threadcpu.Now()
			for b.Loop() {
				for _, r := range set.reqs {
					if _, err := mb.Trace(ctx, r.req); err != nil {
						b.Fatal(err)
					}
				}
			}
			perReq(b, plain, cpu0)
		})
	}
	if audited.n.Load() == 0 {
		b.Fatal("no audit entry was recorded: the trace route must be audited")
	}
}

// discardAudit counts entries and keeps none, so that a long benchmark
// does not grow without bound.
type discardAudit struct{ n atomic.Int64 }

func (d *discardAudit) Record(_ context.Context, _ access.AuditEntry) error {
	d.n.Add(1)
	return nil
}
