package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/farmalert"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/farmland"
	"github.com/envtrace/envtrace/tracing/model"
)

// tempDirs are the directories made outside a test's own TempDir (shared
// fixtures), removed by TestMain.
var (
	tempMu   sync.Mutex
	tempDirs []string
)

func mkdirTemp() (string, error) {
	d, err := os.MkdirTemp("", "envtrace-api-test-")
	if err == nil {
		tempMu.Lock()
		tempDirs = append(tempDirs, d)
		tempMu.Unlock()
	}
	return d, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	storetest.DropPrepared()
	os.Exit(code)
}

// migratedPool is a pool on a fresh, migrated PostGIS database: a clone of
// the one database this binary migrates (store's tests test the migrating).
func migratedPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return storetest.PreparedPool(t, postgis.Options{}, "migrated", store.Migrate)
}

// centralData loads the central-Taiwan fixture once per test binary: the
// network build and the 27 000 readings take a moment, and every tracing
// test reads the same data. Sharing the basin between tests is safe
// because a MemoryBackend never changes the dataset it is given: ingested
// readings go into its own copies.
var centralData = sync.OnceValues(func() (*centralFixture, error) {
	dir, err := mkdirTemp()
	if err != nil {
		return nil, err
	}
	if err := fixtures.WriteCentral(dir); err != nil {
		return nil, err
	}
	ds, err := model.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	net, _, err := hydro.Load(context.Background(), ds.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		return nil, err
	}
	b, err := basin.New(net, ds, 0)
	if err != nil {
		return nil, err
	}
	scen, err := fixtures.Scenarios()
	if err != nil {
		return nil, err
	}
	land, err := dumping.ReadLand(dir)
	if err != nil {
		return nil, err
	}
	air, err := datadir.ReadWith(dir, ds)
	if err != nil {
		return nil, err
	}
	irr, err := farmland.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	insp, err := inspection.NewSource(air)
	if err != nil {
		return nil, err
	}
	insp.UseBasin(b) // as serve does: the readings are traced once, before any request
	if _, err := insp.WaterTraces(context.Background()); err != nil {
		return nil, err
	}
	return &centralFixture{net: net, basin: b, scenarios: scen, land: land, air: air, irrigation: irr, inspect: insp}, nil
})

type centralFixture struct {
	net       *hydro.Network
	basin     *basin.Basin
	scenarios []fixtures.Scenario
	land      *dumping.Land
	// air holds the fixture's wind, H2S readings and odour petitions.
	air *datadir.Dir
	// irrigation is the fixture's irrigation system (farmland routes).
	irrigation *farmland.Data
	// inspect is the ranking's source: the directory and its records.
	inspect *inspection.Source
}

// apiScenarios converts the fixture's scenarios, as the CLI does.
func apiScenarios(in []fixtures.Scenario) []api.Scenario {
	out := make([]api.Scenario, len(in))
	for i, s := range in {
		out[i] = api.Scenario{ID: s.ID, Description: s.Description, Station: s.Station, Parameter: s.Parameter,
			Value: s.Value, Unit: s.Unit, Time: s.Time, FlowM3s: s.FlowM3s, Culprit: s.Culprit,
			UnexplainedBetween: s.UnexplainedBetween, TravelHours: s.TravelHours}
	}
	return out
}

// centralBackend builds a fresh backend over the fixture: each test gets
// its own copy-on-write view, so ingest tests cannot leak readings into
// others.
func centralBackend(t testing.TB) (*api.MemoryBackend, *centralFixture) {
	t.Helper()
	fx, err := centralData()
	if err != nil {
		t.Fatalf("central fixture: %v", err)
	}
	return centralBackendWith(t, fx, fx.air)
}

// centralBackendWith builds the backend over the fixture with the given
// air and odour data (the fixture's with planted sensors, for instance).
func centralBackendWith(t testing.TB, fx *centralFixture, air *datadir.Dir) (*api.MemoryBackend, *centralFixture) {
	t.Helper()
	eng, err := farmland.New(fx.basin, fx.irrigation, 0)
	if err != nil {
		t.Fatalf("farmland: %v", err)
	}
	fa := &api.FarmlandArea{Engine: eng, Alerts: farmalert.NewBook(outbox.NewMemory())}
	insp := fx.inspect.Fork() // each backend keeps its own records and new readings
	mem := store.NewMemory()
	insp.Repo, insp.SelfReports = mem, mem
	mb, err := api.NewMemoryBackendWithBasin(fx.basin, api.WithScenarios(apiScenarios(fx.scenarios)), api.WithCases(store.NewMemory()),
		api.WithAirData(air), api.WithFarmland(fa), api.WithInspections(insp), api.WithPetitions(newPetitionArea(t)))
	if err != nil {
		t.Fatalf("NewMemoryBackendWithBasin: %v", err)
	}
	return mb, fx
}

// centralServer is the full server over the fixture, the dumping desk
// and the audit route (over an empty log) included.
func centralServer(t testing.TB) (*api.Server, *centralFixture) {
	t.Helper()
	b, fx := centralBackend(t)
	d := newDumpingArea(t, fx.land, time.Now)
	return newServer(t, quietConfig(), &withPetitions{withDumpingAndAudit: withDumpingAndAudit{withDumping{MemoryBackend: b, area: d.area}}, petitions: b.PetitionArea()}), fx
}

// shared is the one full server over the fixture that the tests which
// only read share (sharedServer).
var shared struct {
	once sync.Once
	srv  *api.Server
	fx   *centralFixture
}

// sharedServer is centralServer built once per test binary, for tests that
// only read: GETs, and POSTs that query (a trace) or are refused. Building
// a server takes seconds under -race (the OGC analysis layers, the permit
// checks, the odour engine), and one that no test changes answers each
// reader as a fresh one would. A test that posts, ingests, records or
// applies anything builds its own with centralServer.
func sharedServer(t *testing.T) (*api.Server, *centralFixture) {
	t.Helper()
	shared.once.Do(func() { shared.srv, shared.fx = centralServer(t) })
	if shared.srv == nil {
		t.Fatal("the shared central server failed to build in an earlier test")
	}
	return shared.srv, shared.fx
}

// centralFixtureOf is the fixture itself, for tests that need its data
// but no backend of their own.
func centralFixtureOf(t testing.TB) *centralFixture {
	t.Helper()
	fx, err := centralData()
	if err != nil {
		t.Fatalf("central fixture: %v", err)
	}
	return fx
}

// withDumpingAndAudit adds an empty audit log to withDumping, so that
// every route is registered; TestAuditRoute reads a real one.
type withDumpingAndAudit struct{ withDumping }

func (w *withDumpingAndAudit) AuditLog() api.AuditQuerier { return emptyAuditLog{} }

type emptyAuditLog struct{}

func (emptyAuditLog) QueryAudit(context.Context, audit.Filter) ([]audit.Record, error) {
	return nil, nil
}

// do runs one request with an optional JSON body in-process.
func do(t testing.TB, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
