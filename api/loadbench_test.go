package api_test

// The suspects endpoint under load: GET /api/v1/trace on a Taiwan-scale
// synthetic network (fixtures/synth's Taiwan preset, 100k reaches with
// irrigation canals) with 2,000 facilities and 200 stations, served by
// `envtrace serve` in a separate process and driven over loopback from the
// benchmark process:
//
//	go test -run '^$' -bench TraceLoad -benchtime 1x -timeout 30m ./api/
//
// Phases: an open loop at each rate of ENVTRACE_BENCH_API_RATES (default
// 1000, 2000 and 5000 requests/s; latency is measured from each request's
// scheduled time, so a server that falls behind is charged for the queue)
// and a closed loop of ENVTRACE_BENCH_API_CLIENTS clients (default 16),
// each ENVTRACE_BENCH_API_SECONDS long (default 10), then, when wrk is
// installed, `wrk -t2 -c16` on /healthz and over the same requests, and,
// when wrk2 is too, the same at each rate in wrk2's open loop. Client
// and server share the machine's cores. The server audits every trace
// into its in-memory recorder (BenchmarkTraceLoadDemo also runs the audit
// into PostGIS).
//
// BenchmarkTraceHandler runs the same requests in process, through the
// same handler stack without sockets, to say what one request costs the
// server and where it goes (run it with -cpuprofile):
//
//	go test -run '^$' -bench TraceHandler -benchtime 3s -cpuprofile cpu.out ./api/
//
// ENVTRACE_BENCH_API_REACHES changes the network size. Nothing here runs
// without -bench. BenchmarkTraceLoad skips when the go tool (to build
// envtrace) or a loopback socket is unavailable; BenchmarkTraceHandler
// needs neither. Results and analysis: docs/performance.md.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures/synth"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store/storetest"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// Targets from the performance issue, on 2 cores.
const (
	loadTargetRPS = 5000
	loadTargetP99 = 10 * time.Millisecond
	loadSeed      = 2026
	loadRequests  = 1000 // distinct trace requests, cycled
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envInts(name string, def []int) []int {
	var out []int
	for _, f := range strings.Split(os.Getenv(name), ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return def
	}
	return out
}

// loadData is the generated data directory and the requests to send.
type loadData struct {
	dir                                   string
	reaches, facilities, stations, readgs int
	reports, basins, divergences          int
	gen                                   time.Duration
	requests                              []loadRequest
}

// loadRequest is one trace request, as a query string and as the
// backend's TraceRequest.
type loadRequest struct {
	query string
	req   api.TraceRequest
}

var loadDataOnce = sync.OnceValues(func() (*loadData, error) {
	return generateLoadData(envInt("ENVTRACE_BENCH_API_REACHES", synth.SizeTaiwan))
})

// Grid layout of the synthetic reaches in EPSG:3826: reach i is a 300 m
// west–east line in its own 400 m cell, so a point 15 m off its middle
// snaps to it and to nothing else. The generator gives topology and
// attributes only; the geometry serves snapping and maps, not routing.
const (
	gridX0, gridY0 = 150_000.0, 2_450_000.0
	gridCell       = 400.0
)

func gridOrigin(i, width int) (x, y float64) {
	return gridX0 + float64(i%width)*gridCell, gridY0 + float64(i/width)*gridCell
}

func pointOn(i, width int) model.Point {
	x, y := gridOrigin(i, width)
	return model.Point{X: x + 200, Y: y + 215}
}

// writeNetworkGeoJSON writes the synthetic network as NHDPlus-style GeoJSON
// in EPSG:3826, which hydro.Load reads with its NHDPlus topology.
func writeNetworkGeoJSON(path string, g *synth.Network, width int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"type":"FeatureCollection","name":"network","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3826"}},"features":[` + "\n")
	var buf []byte
	num := func(k string, v float64) {
		buf = append(buf, '"')
		buf = append(buf, k...)
		buf = append(buf, '"', ':')
		buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
		buf = append(buf, ',')
	}
	var r hydro.Reach
	var a hydro.NHDAttrs
	for i := 0; i < g.Len(); i++ {
		g.Fill(i, &r, &a)
		buf = append(buf[:0], `{"type":"Feature","properties":{"comid":`...)
		buf = append(buf, r.ID...)
		buf = append(buf, ',')
		num("hydroseq", a.Hydroseq)
		num("dnhydroseq", a.DnHydroseq)
		num("dnminorhyd", a.DnMinorHyd)
		num("uphydroseq", a.UpHydroseq)
		num("levelpathid", a.LevelPathID)
		num("terminalpathid", a.TerminalPathID)
		num("pathlength", a.PathLength)
		num("startflag", float64(a.StartFlag))
		num("terminalflag", float64(a.TerminalFlag))
		num("fcode", float64(a.FCode))
		num("lengthkm", r.LengthKm)
		num("streamorde", float64(r.StreamOrder))
		num("divergence", float64(r.Divergence))
		buf = buf[:len(buf)-1]
		x, y := gridOrigin(i, width)
		buf = fmt.Appendf(buf, `},"geometry":{"type":"LineString","coordinates":[[%.1f,%.1f],[%.1f,%.1f]]}}`, x+50, y+200, x+350, y+200)
		if i+1 < g.Len() {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// industryParams are the parameters each industry's permit limits and
// reports cover.
var industryParams = []struct {
	industry string
	params   []string
}{
	{"electroplating", []string{"COD", "SS", "Cu", "Ni"}},
	{"pcb", []string{"COD", "SS", "Cu", "NH3-N"}},
	{"dyeing", []string{"COD", "SS"}},
	{"livestock", []string{"COD", "SS", "NH3-N"}},
	{"paper", []string{"COD", "SS"}},
	{"food", []string{"COD", "SS", "NH3-N"}},
	{"semiconductor", []string{"COD", "SS", "NH3-N", "Cu"}},
}

// Effluent limits and typical river values, mg/L.
var (
	effluentLimit = map[string]float64{"COD": 100, "SS": 30, "NH3-N": 10, "Cu": 3, "Ni": 1}
	riverTypical  = map[string]float64{"COD": 8, "SS": 15, "NH3-N": 0.25, "Cu": 0.004, "Ni": 0.003}
)

// generateLoadData writes the data directory: the network, 2,000
// facilities (one outfall and one permit each, with limits and six months
// of monthly reports), 200 stations on reaches of Strahler order 3 or more
// (one in five continuous, reading NH3-N, Cu and Ni hourly; the others
// COD, SS, NH3-N and Cu daily) over four weeks, with river flows, and the
// trace requests: readings raised 4–12 times above typical, at stations
// and times drawn at random in the last two weeks.
func generateLoadData(n int) (*loadData, error) {
	t0 := time.Now()
	dir, err := mkdirTemp()
	if err != nil {
		return nil, err
	}
	g := synth.New(n, loadSeed, synth.Taiwan())
	width := int(math.Ceil(math.Sqrt(float64(n))))
	netPath := filepath.Join(dir, "network-src.geojson")
	if err := writeNetworkGeoJSON(netPath, g, width); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(loadSeed, 0x10ad))
	ds := &model.Dataset{NetworkPath: netPath}
	utc := time.UTC
	for k, dc := range g.Dischargers(2000, loadSeed) {
		ind := industryParams[k%len(industryParams)]
		ems := fmt.Sprintf("F%05d", k+1)
		per := fmt.Sprintf("P%05d", k+1)
		ds.Facilities = append(ds.Facilities, model.Facility{EmsNo: ems, Name: "Synthetic plant " + strconv.Itoa(k+1), Industry: ind.industry})
		ds.Outfalls = append(ds.Outfalls, model.Outfall{Facility: ems, ID: "D01", Point: pointOn(dc.Reach, width)})
		volume := math.Round(50 + 2950*rng.Float64())
		ds.Permits = append(ds.Permits, model.Permit{PerNo: per, Facility: ems, ValidFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, utc),
			ValidTo: time.Date(2028, 12, 31, 0, 0, 0, 0, utc), Type: "排放許可證", MaxDailyM3: volume})
		for _, p := range ind.params {
			ds.Limits = append(ds.Limits, model.PermitLimit{Permit: per, Limit: dmr.Limit{Parameter: p, Value: effluentLimit[p], Unit: "mg/L",
				StatBase: dmr.SingleSample, Bound: dmr.Upper}})
			for m := time.April; m <= time.September; m++ {
				v := effluentLimit[p] * (0.2 + 0.7*rng.Float64())
				if rng.Float64() < 0.03 {
					v = effluentLimit[p] * (1.2 + rng.Float64())
				}
				start := time.Date(2026, m, 1, 0, 0, 0, 0, utc)
				ds.Reports = append(ds.Reports, model.Report{Facility: ems, Permit: per, Outfall: "D01",
					Report: dmr.Report{Period: dmr.Period{Start: start, End: start.AddDate(0, 1, -1)}, Parameter: p,
						Value: math.Round(v*1000) / 1000, Unit: "mg/L", StatBase: dmr.SingleSample},
					Flow: math.Round(volume * (0.4 + 0.5*rng.Float64())), FlowUnit: "m³/day"})
			}
		}
	}
	var onRivers []int
	for i := 0; i < g.Len(); i++ {
		if g.Order(i) >= 3 {
			onRivers = append(onRivers, i)
		}
	}
	if len(onRivers) < 200 {
		return nil, fmt.Errorf("only %d reaches of order ≥ 3", len(onRivers))
	}
	taipei := time.FixedZone("+08:00", 8*3600)
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, taipei)
	const days = 28
	type stationParams struct {
		id     string
		params []string
	}
	var stations []stationParams
	for k, i := range rng.Perm(len(onRivers))[:200] {
		reach := onRivers[i]
		st := model.Station{ID: fmt.Sprintf("S%03d", k+1), Name: "Synthetic station " + strconv.Itoa(k+1), Kind: model.Fixed, Point: pointOn(reach, width)}
		params, step := []string{"COD", "SS", "NH3-N", "Cu"}, 24*time.Hour
		first := from.Add(9*time.Hour + 30*time.Minute)
		if k%5 == 0 {
			st.Kind = model.Continuous
			params, step, first = []string{"NH3-N", "Cu", "Ni"}, time.Hour, from
		}
		ds.Stations = append(ds.Stations, st)
		stations = append(stations, stationParams{st.ID, params})
		q := math.Round((1+60*rng.Float64()*rng.Float64())*100) / 100 // m³/s, skewed to small rivers
		for t := first; t.Before(from.AddDate(0, 0, days)); t = t.Add(step) {
			flow := math.Round(q*(0.7+0.6*rng.Float64())*100) / 100
			for _, p := range params {
				v := riverTypical[p] * math.Exp(0.3*rng.NormFloat64())
				ds.AppendReadings(model.Reading{Station: st.ID, Time: t, Parameter: p,
					Value: math.Round(v*1e4) / 1e4, Unit: "mg/L", Flow: flow, FlowUnit: "m³/s"})
			}
		}
	}
	// The requests: a raised reading at a random station, parameter and
	// hour of the last two weeks; three in ten bound the search to 24 or
	// 48 hours of travel (the default is 72).
	var reqs []loadRequest
	for k := 0; k < loadRequests; k++ {
		st := stations[rng.IntN(len(stations))]
		p := st.params[rng.IntN(len(st.params))]
		at := from.AddDate(0, 0, 14).Add(time.Duration(rng.IntN(14*24)) * time.Hour)
		v := math.Round(riverTypical[p]*(4+8*rng.Float64())*1e4) / 1e4
		maxHours := 72.0
		q := url.Values{"station": {st.id}, "parameter": {p}, "value": {strconv.FormatFloat(v, 'f', -1, 64)},
			"unit": {"mg/L"}, "time": {at.Format(time.RFC3339)}}
		if rng.Float64() < 0.3 {
			maxHours = []float64{24, 48}[rng.IntN(2)]
			q.Set("max_hours", strconv.FormatFloat(maxHours, 'f', -1, 64))
		}
		reqs = append(reqs, loadRequest{query: q.Encode(), req: api.TraceRequest{MaxHours: maxHours,
			Request: suspect.Request{Station: st.id, Parameter: p, Value: v, Unit: "mg/L", Time: at}}})
	}
	data := filepath.Join(dir, "data")
	if err := model.WriteDir(data, ds); err != nil {
		return nil, err
	}
	os.Remove(netPath)
	return &loadData{dir: data, reaches: n, basins: g.Basins(), divergences: g.Divergences(), facilities: len(ds.Facilities), stations: len(ds.Stations), readgs: ds.NumReadings(),
		reports: len(ds.Reports), gen: time.Since(t0), requests: reqs}, nil
}

// moduleRoot finds the module's directory with the go tool.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not in a module")
	}
	return filepath.Dir(mod), nil
}

// freeLoopbackAddr reserves a loopback port and releases it for the child.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// serverProc is the envtrace server child process.
type serverProc struct {
	cmd    *exec.Cmd
	base   string
	stderr string // path of its stderr (the access log)
	ready  time.Duration
	// stop interrupts the server and waits for it to exit (once; the
	// benchmark's cleanup calls it too).
	stop func()
}

// envtraceBinary builds envtrace once per test process, or takes the
// binary ENVTRACE_BENCH_BIN names (another build, for a before/after
// comparison under the same harness).
var envtraceBinary = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("ENVTRACE_BENCH_BIN"); bin != "" {
		return bin, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("cannot locate the module to build envtrace: %w", err)
	}
	dir, err := mkdirTemp()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "envtrace")
	build := exec.Command("go", "build", "-o", bin, "./cmd/envtrace")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/envtrace: %w\n%s", err, out)
	}
	return bin, nil
})

// startServer builds envtrace and starts `envtrace serve --addr ADDR
// --rate-limit 0 args...` (with no args, the embedded demo fixture) on a
// free loopback port with env added to its environment, waiting for
// /healthz. The rate limit is off because the load comes from one
// identity; a deployment limits each of many.
func startServer(b *testing.B, env []string, args ...string) *serverProc {
	if _, err := exec.LookPath("go"); err != nil {
		b.Skip("the go tool is needed to build envtrace: ", err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		b.Skip("no loopback socket: ", err)
	}
	bin, err := envtraceBinary()
	if err != nil {
		b.Fatal(err)
	}
	work := b.TempDir()
	sp := &serverProc{base: "http://" + addr, stderr: filepath.Join(work, "serve.stderr")}
	errf, err := os.Create(sp.stderr)
	if err != nil {
		b.Fatal(err)
	}
	sp.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--rate-limit", "0"}, args...)...)
	sp.cmd.Env = append(os.Environ(), env...)
	sp.cmd.Stdout, sp.cmd.Stderr = errf, errf
	t0 := time.Now()
	if err := sp.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sp.cmd.Wait(); errf.Close() }()
	sp.stop = sync.OnceFunc(func() {
		_ = sp.cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = sp.cmd.Process.Kill()
			<-exited
		}
	})
	b.Cleanup(sp.stop)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(sp.stderr)
			b.Fatalf("envtrace serve exited before it was ready: %v\n%s", err, tailOf(string(log), 2000))
		default:
		}
		if resp, err := http.Get(sp.base + "/healthz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				sp.ready = time.Since(t0)
				return sp
			}
		}
		if time.Since(t0) > 3*time.Minute {
			b.Fatal("envtrace serve not ready after 3 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// cpuSeconds is a process's user+system CPU time from /proc (Linux;
// 0 elsewhere). Clock ticks are 100 a second on every Linux ABI Go
// supports.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// loadAverage is /proc/loadavg's first three fields: the machine is shared,
// so the logs say how busy it was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// phaseResult is what one load phase measured.
type phaseResult struct {
	lat        []time.Duration // per completed request
	errors     int             // transport errors and non-200 answers
	firstErr   string
	elapsed    time.Duration // first send to last completion
	bytes      int64
	serverCPU  float64 // CPU seconds
	clientCPU  float64
	offered    float64 // requests/s scheduled (open loop), 0 for closed
	unfinished int     // open loop: still queued when the drain deadline passed
}

func (r *phaseResult) rps() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r *phaseResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	k := int(math.Ceil(p/100*float64(len(r.lat)))) - 1
	return r.lat[min(max(k, 0), len(r.lat)-1)]
}

func (r *phaseResult) mean() time.Duration {
	var s time.Duration
	for _, l := range r.lat {
		s += l
	}
	return s / time.Duration(max(len(r.lat), 1))
}

// histogram renders the latencies in power-of-two buckets from 0.25 ms.
func (r *phaseResult) histogram() string {
	var sb strings.Builder
	edge := 250 * time.Microsecond
	k := 0
	for k < len(r.lat) {
		n := 0
		for k < len(r.lat) && r.lat[k] < edge {
			k++
			n++
		}
		if n > 0 {
			fmt.Fprintf(&sb, " <%v:%d", edge, n)
		}
		edge *= 2
	}
	return strings.TrimSpace(sb.String())
}

// loadClient sends requests with keep-alive over many connections.
type loadClient struct {
	http *http.Client
	base string
	// path is the endpoint the queries go to: /api/v1/trace unless set.
	path string
	reqs []loadRequest
	// token, when set, is sent as the bearer of every request.
	token string
	next  atomic.Uint64
}

// authorize adds the client's bearer token, if it has one.
func (c *loadClient) authorize(req *http.Request) {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
}

func newLoadClient(base string, reqs []loadRequest, conns int) *loadClient {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	return &loadClient{http: &http.Client{Transport: tr, Timeout: 60 * time.Second}, base: base, reqs: reqs}
}

// do sends the next request of the cycle and reads the whole answer.
func (c *loadClient) do(ctx context.Context) (int64, error) {
	r := c.reqs[int(c.next.Add(1)-1)%len(c.reqs)]
	path := c.path
	if path == "" {
		path = "/api/v1/trace"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+r.query, nil)
	if err != nil {
		return 0, err
	}
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: status %d", r.query, resp.StatusCode)
	}
	return n, err
}

// worker results, merged after a phase.
type workerResult struct {
	lat      []time.Duration
	errors   int
	firstErr string
	bytes    int64
	last     time.Time
}

func (w *workerResult) record(done time.Time, lat time.Duration, n int64, err error) {
	if err != nil {
		w.errors++
		if w.firstErr == "" {
			w.firstErr = err.Error()
		}
		return
	}
	w.lat = append(w.lat, lat)
	w.bytes += n
	if done.After(w.last) {
		w.last = done
	}
}

func mergeWorkers(start time.Time, ws []workerResult) *phaseResult {
	r := &phaseResult{}
	var last time.Time
	for i := range ws {
		r.lat = append(r.lat, ws[i].lat...)
		r.errors += ws[i].errors
		r.bytes += ws[i].bytes
		if r.firstErr == "" {
			r.firstErr = ws[i].firstErr
		}
		if ws[i].last.After(last) {
			last = ws[i].last
		}
	}
	slices.Sort(r.lat)
	r.elapsed = last.Sub(start)
	return r
}

// openLoop schedules rate requests a second for dur, request k at
// start + k/rate whatever the answers do, over up to workers connections;
// a request's latency runs from its scheduled time to the end of its
// answer, so time spent queued behind a slow server counts.
func openLoop(c *loadClient, rate int, dur time.Duration, workers int) *phaseResult {
	n := int(float64(rate) * dur.Seconds())
	type job struct{ due time.Time }
	jobs := make(chan job, n)
	start := time.Now().Add(20 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer close(jobs)
		for k := 0; k < n; k++ {
			due := start.Add(time.Duration(float64(k) * float64(time.Second) / float64(rate)))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			select {
			case jobs <- job{due}:
			case <-ctx.Done():
				return
			}
		}
	}()
	ws := make([]workerResult, workers)
	var wg sync.WaitGroup
	for w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				nb, err := c.do(ctx)
				done := time.Now()
				if ctx.Err() != nil {
					return
				}
				ws[w].record(done, done.Sub(j.due), nb, err)
			}
		}()
	}
	// Drain: give queued requests up to a minute after the last is due.
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(dur + time.Minute):
		cancel()
		<-finished
	}
	r := mergeWorkers(start, ws)
	r.offered = float64(rate)
	r.unfinished = n - len(r.lat) - r.errors
	return r
}

// closedLoop runs clients that each send a request as soon as their last
// answer arrived, for dur.
func closedLoop(c *loadClient, clients int, dur time.Duration) *phaseResult {
	ctx := context.Background()
	start := time.Now()
	stop := start.Add(dur)
	ws := make([]workerResult, clients)
	var wg sync.WaitGroup
	for w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				t0 := time.Now()
				nb, err := c.do(ctx)
				done := time.Now()
				ws[w].record(done, done.Sub(t0), nb, err)
			}
		}()
	}
	wg.Wait()
	return mergeWorkers(start, ws)
}

// reportPhase reports one phase's figures and compares them with the
// issue's targets.
func reportPhase(b *testing.B, name string, r *phaseResult) {
	b.ReportMetric(float64(r.mean().Nanoseconds()), "ns/op") // mean latency, not the phase's wall time
	b.ReportMetric(r.rps(), "req/s")
	b.ReportMetric(msOfDur(r.pct(50)), "p50-ms")
	b.ReportMetric(msOfDur(r.pct(99)), "p99-ms")
	b.ReportMetric(msOfDur(r.pct(99.9)), "p99.9-ms")
	b.ReportMetric(msOfDur(r.lat[len(r.lat)-1]), "max-ms")
	b.ReportMetric(float64(r.errors+r.unfinished), "errors")
	if r.serverCPU > 0 {
		b.ReportMetric(r.serverCPU/r.elapsed.Seconds(), "server-cores")
		b.ReportMetric(r.clientCPU/r.elapsed.Seconds(), "client-cores")
		b.ReportMetric(r.serverCPU/float64(len(r.lat))*1e6, "server-cpu-µs/req")
	}
	offered := "closed loop"
	if r.offered > 0 {
		offered = fmt.Sprintf("offered %.0f req/s", r.offered)
	}
	b.Logf("%s (%s): %d requests in %v = %.0f req/s; latency p50 %v, p99 %v, p99.9 %v, max %v, mean %v; %d errors, %d unfinished%s; "+
		"%.1f KiB a response; CPU (the machine has %d cores): server %.2f cores, load generator %.2f cores (server %.0f µs a request)",
		name, offered, len(r.lat), r.elapsed.Round(time.Millisecond), r.rps(), r.pct(50), r.pct(99), r.pct(99.9), r.lat[len(r.lat)-1], r.mean(),
		r.errors, r.unfinished, firstErr(r), float64(r.bytes)/float64(len(r.lat))/1024, runtime.NumCPU(),
		r.serverCPU/r.elapsed.Seconds(), r.clientCPU/r.elapsed.Seconds(), r.serverCPU/float64(len(r.lat))*1e6)
	b.Logf("%s latency histogram: %s", name, r.histogram())
	b.Logf("%s against the target (≥ %d req/s with p99 ≤ %v): %.2f of the throughput, p99 %.2f of the bound",
		name, loadTargetRPS, loadTargetP99, r.rps()/loadTargetRPS, float64(r.pct(99))/float64(loadTargetP99))
}

func firstErr(r *phaseResult) string {
	if r.firstErr == "" {
		return ""
	}
	return " (first: " + tailOf(r.firstErr, 300) + ")"
}

func msOfDur(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// BenchmarkTraceLoad serves the Taiwan-scale data directory from a child
// `envtrace serve` process and measures the trace endpoint's latency and
// throughput at fixed offered rates (open loop) and at saturation (closed
// loop). Client and server share the machine. The servers keep trace
// answers as deployed (the answer cache, filled by the warm-up pass), but
// for the first, the baseline that computes every answer. Up to five
// servers run one after the other, each stopped before the next starts:
//
//   - memory-audit-uncached: `serve --data DIR --trace-cache 0`, its audit
//     entries kept in memory;
//   - memory-audit: the same with the answer cache, the log comparing
//     the server CPU a request of the two;
//   - postgis-audit: when ENVTRACE_TEST_DATABASE_URL is set (required under
//     REQUIRE_POSTGIS=1), the data directory imported into a database of
//     its own (cloned from that one and dropped afterwards) and `serve --db
//     --insecure-demo` with an audit key, every entry written to the
//     hash-chained audit_log as production does;
//   - postgis-audit-token-uncached and postgis-audit-token: the same
//     database served with `--auth tokens`, every request carrying an
//     administrator's API token, which the server looks up in PostgreSQL
//     on every request (--token-cache-ttl 0, the baseline) and then through
//     its token cache (the default); the log compares their server CPU a
//     request.
func BenchmarkTraceLoad(b *testing.B) {
	t0 := time.Now()
	data, err := loadDataOnce()
	if err != nil {
		b.Fatal(err)
	}
	// The parent of sub-benchmarks prints no log of its own: set-up goes
	// to stderr.
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "trace load: "+format+"\n", args...) }
	say("load average before the phases: %s", loadAverage())
	srv := startServer(b, nil, "--data", data.dir, "--trace-cache", "0")
	say("data: %d reaches (%d basins, %d divergences), %d facilities, %d reports, %d stations, %d readings (generated in %v); set-up %v",
		data.reaches, data.basins, data.divergences, data.facilities, data.reports, data.stations, data.readgs, data.gen.Round(time.Millisecond),
		time.Since(t0).Round(time.Millisecond))
	computed := runTaiwanLoad(b, "memory-audit-uncached", srv, data, "", say)
	srv.stop()
	srv = startServer(b, nil, "--data", data.dir)
	kept := runTaiwanLoad(b, "memory-audit", srv, data, "", say)
	srv.stop()
	for phase, cpu := range kept {
		if base := computed[phase]; base > 0 {
			say("answer cache, %s: %.0f µs of server CPU a request, %.0f µs without it (%.2f×)", phase, cpu, base, base/cpu)
		}
	}

	if os.Getenv("ENVTRACE_TEST_DATABASE_URL") == "" {
		if os.Getenv("REQUIRE_POSTGIS") == "1" {
			b.Fatal("ENVTRACE_TEST_DATABASE_URL is not set (REQUIRE_POSTGIS=1)")
		}
		say("ENVTRACE_TEST_DATABASE_URL not set: no run with the audit written to PostGIS")
		return
	}
	// A database of its own: the demo's benchmark imports its fixture
	// into the named one, and two datasets must not mix.
	dbURL := storetest.DatabaseURL(b)
	t1 := time.Now()
	importData(b, dbURL, data.dir)
	say("data directory imported into PostGIS in %v", time.Since(t1).Round(time.Millisecond))
	env := []string{"ENVTRACE_AUDIT_KEY=" + strings.Repeat("5e", 32), "ENVTRACE_PRIVACY_SECRET=" + strings.Repeat("c4", 32)}
	before := auditRows(b, dbURL)
	srv = startServer(b, env, "--db", dbURL, "--insecure-demo")
	runTaiwanLoad(b, "postgis-audit", srv, data, "", say)
	srv.stop()
	token := createToken(b, dbURL, "--role", "admin")
	srv = startServer(b, env, "--db", dbURL, "--auth", "tokens", "--token-cache-ttl", "0")
	uncached := runTaiwanLoad(b, "postgis-audit-token-uncached", srv, data, token, say)
	srv.stop()
	srv = startServer(b, env, "--db", dbURL, "--auth", "tokens")
	cached := runTaiwanLoad(b, "postgis-audit-token", srv, data, token, say)
	srv.stop() // the recorder commits what it holds before the server exits
	for phase, cpu := range cached {
		if base := uncached[phase]; base > 0 {
			say("token cache, %s: %.0f µs of server CPU a request, %.0f µs without the cache (%.2f×)", phase, cpu, base, base/cpu)
		}
	}
	say("postgis-audit: %d audit_log rows written by the three PostGIS servers", auditRows(b, dbURL)-before)
}

// runTaiwanLoad runs the phases of BenchmarkTraceLoad on one server;
// token, when set, is sent as the bearer of every request. It returns the
// server's CPU a request (µs) by phase.
func runTaiwanLoad(b *testing.B, label string, srv *serverProc, data *loadData, token string, say func(string, ...any)) map[string]float64 {
	cpu := map[string]float64{}
	pid := srv.cmd.Process.Pid
	say("%s: envtrace serve ready in %v, RSS %.0f MiB", label, srv.ready.Round(time.Millisecond), rssMiB(pid))
	dur := time.Duration(envInt("ENVTRACE_BENCH_API_SECONDS", 10)) * time.Second
	clients := envInt("ENVTRACE_BENCH_API_CLIENTS", 16)
	const conns = 256
	c := newLoadClient(srv.base, data.requests, conns)
	c.token = token
	defer c.http.CloseIdleConnections()

	// Warm-up and validation: every distinct request once, one at a time
	// (the unloaded latency), then once more with each answer decoded to
	// describe what the requests ask of the engine.
	warm := closedLoopN(c, 1, len(data.requests))
	if warm.errors > 0 {
		b.Fatalf("%s warm-up: %d of %d trace requests failed%s", label, warm.errors, len(data.requests), firstErr(warm))
	}
	say("%s: unloaded (one request at a time, each distinct request once): p50 %v, p99 %v, max %v, %.1f KiB a response",
		label, warm.pct(50), warm.pct(99), warm.lat[len(warm.lat)-1], float64(warm.bytes)/float64(len(warm.lat))/1024)
	say("%s: the requests: %s", label, describeAnswers(b, c, data.requests))

	measure := func(phase string, f func() *phaseResult) *phaseResult {
		settle()
		s0, c0 := cpuSeconds(pid), cpuSeconds(os.Getpid())
		r := f()
		r.serverCPU, r.clientCPU = cpuSeconds(pid)-s0, cpuSeconds(os.Getpid())-c0
		if len(r.lat) == 0 {
			b.Fatalf("no request succeeded%s", firstErr(r))
		}
		cpu[phase] = r.serverCPU / float64(len(r.lat)) * 1e6
		return r
	}
	rates := envInts("ENVTRACE_BENCH_API_RATES", []int{1000, 2000, loadTargetRPS})
	for i, rate := range rates {
		phase := fmt.Sprintf("open-%d", rate)
		name := label + "/" + phase
		b.Run(name, func(b *testing.B) {
			reportPhase(b, name, measure(phase, func() *phaseResult { return openLoop(c, rate, dur, conns) }))
		})
		if i == 0 {
			phase := fmt.Sprintf("closed-%d", clients)
			name := label + "/" + phase
			b.Run(name, func(b *testing.B) {
				reportPhase(b, name, measure(phase, func() *phaseResult { return closedLoop(c, clients, dur) }))
			})
		}
	}
	// The issue's own measurement, when wrk is installed: wrk -t2 -c16
	// over the same requests, no gzip, against wrk on /healthz; then, when
	// wrk2 is there too, the same at each rate in wrk2's open loop.
	if _, err := exec.LookPath("wrk"); err == nil {
		sets := []wrkPhase{{name: "trace", paths: tracePaths(data.requests)}}
		maps.Copy(cpu, runWrkPhases(b, label, pid, srv.base, token, dur, wrkPhases(sets, rates)))
	}
	log, _ := os.ReadFile(srv.stderr)
	say("%s: server access log %.1f MiB; server RSS after the phases %.0f MiB", label, float64(len(log))/(1<<20), rssMiB(pid))
	return cpu
}

// describeAnswers fetches every distinct request once and summarises the
// answers: how many suspects, ruled-out facilities and upstream stations a
// trace weighs.
func describeAnswers(b *testing.B, c *loadClient, reqs []loadRequest) string {
	var suspects, ruledOut, upstream, explained, maxSus int
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
		var res struct {
			Suspects    []json.RawMessage `json:"suspects"`
			RuledOut    []json.RawMessage `json:"ruled_out"`
			Upstream    []json.RawMessage `json:"upstream_stations"`
			Unexplained struct {
				Explained bool `json:"explained"`
			} `json:"unexplained"`
		}
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		suspects += len(res.Suspects)
		ruledOut += len(res.RuledOut)
		upstream += len(res.Upstream)
		maxSus = max(maxSus, len(res.Suspects))
		if res.Unexplained.Explained {
			explained++
		}
	}
	n := float64(len(reqs))
	return fmt.Sprintf("per trace on average %.1f suspects (at most %d), %.1f ruled out, %.1f upstream stations checked; %.0f%% explained by a permitted discharger",
		float64(suspects)/n, maxSus, float64(ruledOut)/n, float64(upstream)/n, float64(explained)/n*100)
}

// closedLoopN sends n requests from clients clients.
func closedLoopN(c *loadClient, clients, n int) *phaseResult {
	ctx := context.Background()
	var left atomic.Int64
	left.Store(int64(n))
	start := time.Now()
	ws := make([]workerResult, clients)
	var wg sync.WaitGroup
	for w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				t0 := time.Now()
				nb, err := c.do(ctx)
				done := time.Now()
				ws[w].record(done, done.Sub(t0), nb, err)
			}
		}()
	}
	wg.Wait()
	return mergeWorkers(start, ws)
}

// BenchmarkTraceHandler runs the load test's requests in process: through
// the whole handler stack (middleware, validation, the suspect engine,
// JSON, gzip as the load generator asks for it, the access log formatted
// into io.Discard), without it, straight into MemoryBackend.Trace, and
// through the handler from parallel goroutines. It needs no socket; its
// CPU profile is the server's.
func BenchmarkTraceHandler(b *testing.B) {
	data, err := loadDataOnce()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ds, err := model.ReadDir(data.dir)
	if err != nil {
		b.Fatal(err)
	}
	network, _, err := hydro.Load(ctx, ds.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bs, err := basin.New(network, ds, 0)
	if err != nil {
		b.Fatal(err)
	}
	if len(bs.Unplaced) > 0 {
		b.Fatalf("%d outfalls or stations not placed, e.g. %s", len(bs.Unplaced), bs.Unplaced[0])
	}
	mb, err := api.NewMemoryBackendWithBasin(bs)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, mb)
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	serve := func(r loadRequest, gzip bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/trace?"+r.query, nil)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, r := range data.requests {
		if rec := serve(r, false); rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", r.query, rec.Code, rec.Body.String())
		}
	}
	// One op is one pass over all the distinct requests, so that every
	// variant sees the same mix (their costs are heavy tailed).
	reqs := data.requests
	perReq := func(b *testing.B, what string) {
		per := b.Elapsed() / time.Duration(max(b.N, 1)*len(reqs))
		b.ReportMetric(float64(per.Nanoseconds()), "ns/op") // a request, not a pass
		b.ReportMetric(float64(per.Nanoseconds())/1e3, "µs/req")
		b.ReportMetric(float64(runtime.GOMAXPROCS(0))/per.Seconds(), "req/s-on-all-cores")
		b.Logf("%s: %v a request on one core, so at most %.0f req/s on %d cores with no load generator and no sockets",
			what, per, float64(runtime.GOMAXPROCS(0))/per.Seconds(), runtime.GOMAXPROCS(0))
	}
	b.Run("http-gzip", func(b *testing.B) {
		for b.Loop() {
			for _, r := range reqs {
				serve(r, true)
			}
		}
		perReq(b, "handler with gzip")
	})
	b.Run("http-identity", func(b *testing.B) {
		for b.Loop() {
			for _, r := range reqs {
				serve(r, false)
			}
		}
		perReq(b, "handler without gzip")
	})
	b.Run("engine", func(b *testing.B) {
		for b.Loop() {
			for _, r := range reqs {
				if _, err := mb.Trace(ctx, r.req); err != nil {
					b.Fatal(err)
				}
			}
		}
		perReq(b, "MemoryBackend.Trace alone")
	})
	b.Run("http-gzip-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for _, r := range reqs {
					serve(r, true)
				}
			}
		})
		per := b.Elapsed() / time.Duration(max(b.N, 1)*len(reqs))
		b.ReportMetric(float64(per.Nanoseconds()), "ns/op")
		b.ReportMetric(1/per.Seconds(), "req/s")
		b.Logf("handler with gzip from %d goroutines: %.0f req/s in process", runtime.GOMAXPROCS(0), 1/per.Seconds())
	})
}
