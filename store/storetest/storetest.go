// Package storetest gives tests a private PostGIS database.
//
// Tests that need PostGIS call DatabaseURL (or Pool). The server comes from
// ENVTRACE_TEST_DATABASE_URL, which names a database that already has the
// postgis extension (.ci/testdb prepares one and prints its URL). When the
// variable is unset the test is skipped, unless REQUIRE_POSTGIS=1 (as CI
// sets), in which case it fails: a green run must never mean "nothing was
// tested".
//
// Every call creates a fresh database cloned from that one and drops it when
// the test ends, so tests can run in parallel, migrate, drop indexes and
// terminate backends without seeing each other.
//
// Tests that need a prepared schema (the store's migrations, say) but do not
// test the preparing itself call PreparedPool: the preparation runs once per
// test binary into a template database, and each test gets its own clone of
// that template, which PostgreSQL copies faster than the migrations run.
// A TestMain that calls DropPrepared removes the templates when the binary
// ends; a killed binary's templates go the way of its other leftovers.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/gis/postgis"
)

// EnvURL names the environment variable holding the template database URL.
const EnvURL = "ENVTRACE_TEST_DATABASE_URL"

// EnvRequire names the environment variable that turns a missing database
// from a skip into a failure.
const EnvRequire = "REQUIRE_POSTGIS"

// staleAfter is how old a leftover test database (from a test binary that
// was killed before its cleanup ran) must be before another run drops it.
const staleAfter = 6 * time.Hour

// DatabaseURL creates a uniquely named database cloned from the one in
// ENVTRACE_TEST_DATABASE_URL, registers its removal with t.Cleanup, and
// returns its URL. Cleanups run last-in first-out, so a pool opened after
// this call and closed in its own Cleanup is closed before the drop.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	base, cfg := baseConfig(t)
	tmpl := cfg.Database
	name := testName(tmpl)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := adminConn(ctx, cfg)
	if err != nil {
		t.Fatalf("storetest: connect: %v", err)
	}
	defer admin.Close(context.Background())
	dropStale(ctx, admin, tmpl)

	if err := createClone(ctx, admin, name, tmpl); err != nil {
		t.Fatalf("storetest: create test database: %v", err)
	}
	dropAtCleanup(t, cfg, name)
	return withDatabase(base, name)
}

// baseConfig is the database in ENVTRACE_TEST_DATABASE_URL, its URL and
// parsed; it skips or fails t when the variable is unset (see the package
// comment).
func baseConfig(t testing.TB) (string, *pgx.ConnConfig) {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		msg := EnvURL + " is not set; run .ci/testdb and export its URL to run PostGIS tests"
		if os.Getenv(EnvRequire) == "1" {
			t.Fatal(msg + " (" + EnvRequire + "=1)")
		}
		t.Skip(msg)
	}
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvURL, err)
	}
	return base, cfg
}

// Prepare brings a new database to the state a group of tests starts
// from; store.Migrate is one.
type Prepare func(context.Context, *pgxpool.Pool) error

// prepared holds this binary's template databases, one per key.
var prepared struct {
	mu        sync.Mutex
	templates map[string]template
	cfg       *pgx.ConnConfig // the connection of the first template, for DropPrepared
}

type template struct {
	name string
	err  error
}

// PreparedURL creates a fresh database cloned from the template that
// prepare built under key, registers its removal with t.Cleanup, and
// returns its URL. The first call with a key in a test binary builds the
// template: a fresh database (as DatabaseURL makes) that prepare brings to
// its state. Every clone starts from that same state, so a test sees what
// it would see had prepare run on its own database; tests of the
// preparing itself call DatabaseURL or Pool and prepare.
func PreparedURL(t testing.TB, key string, prepare Prepare) string {
	t.Helper()
	base, cfg := baseConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmpl, err := preparedTemplate(ctx, base, cfg, key, prepare)
	if err != nil {
		t.Fatalf("storetest: template %q: %v", key, err)
	}
	admin, err := adminConn(ctx, cfg)
	if err != nil {
		t.Fatalf("storetest: connect: %v", err)
	}
	defer admin.Close(context.Background())
	name := testName(cfg.Database)
	if err := cloneTemplate(ctx, admin, name, tmpl); err != nil {
		t.Fatalf("storetest: clone %s: %v", tmpl, err)
	}
	dropAtCleanup(t, cfg, name)
	return withDatabase(base, name)
}

// PreparedPool opens a pool with opt on a fresh clone of key's template
// (see PreparedURL) and closes it when the test ends.
func PreparedPool(t testing.TB, opt postgis.Options, key string, prepare Prepare) *pgxpool.Pool {
	t.Helper()
	return open(t, PreparedURL(t, key, prepare), opt)
}

// preparedTemplate returns the name of key's template, building it on the
// first call; a failed build fails every later call at once.
func preparedTemplate(ctx context.Context, base string, cfg *pgx.ConnConfig, key string, prepare Prepare) (string, error) {
	prepared.mu.Lock()
	defer prepared.mu.Unlock()
	if tp, ok := prepared.templates[key]; ok {
		return tp.name, tp.err
	}
	if prepared.templates == nil {
		prepared.templates = map[string]template{}
		prepared.cfg = cfg
	}
	name, err := buildTemplate(ctx, base, cfg, prepare)
	prepared.templates[key] = template{name, err}
	return name, err
}

// buildTemplate clones the base database and prepares the clone. Every
// connection to it is closed on return: PostgreSQL clones only a template
// nobody is connected to.
func buildTemplate(ctx context.Context, base string, cfg *pgx.ConnConfig, prepare Prepare) (string, error) {
	admin, err := adminConn(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer admin.Close(context.Background())
	dropStale(ctx, admin, cfg.Database)
	name := testName(cfg.Database)
	if err := createClone(ctx, admin, name, cfg.Database); err != nil {
		return "", err
	}
	pool, err := postgis.Open(ctx, withDatabase(base, name), postgis.Options{})
	if err == nil {
		err = prepare(ctx, pool)
		pool.Close()
	}
	if err != nil {
		_, _ = admin.Exec(context.Background(), "drop database if exists "+pgx.Identifier{name}.Sanitize()+" with (force)")
		return "", err
	}
	return name, nil
}

// DropPrepared drops the template databases PreparedURL built in this
// binary; a TestMain calls it after m.Run.
func DropPrepared() {
	prepared.mu.Lock()
	defer prepared.mu.Unlock()
	if prepared.cfg == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := adminConn(ctx, prepared.cfg)
	if err != nil {
		return
	}
	defer admin.Close(context.Background())
	for key, tp := range prepared.templates {
		if tp.err == nil {
			_, _ = admin.Exec(ctx, "drop database if exists "+pgx.Identifier{tp.name}.Sanitize()+" with (force)")
		}
		delete(prepared.templates, key)
	}
}

// testName is a new test database's name: the template's, the creation
// time (which dropStale reads) and a random tail.
func testName(tmpl string) string {
	return fmt.Sprintf("%s_t%d_%s", tmpl, time.Now().Unix(), randomHex(4))
}

// dropAtCleanup drops database name when t ends.
func dropAtCleanup(t testing.TB, cfg *pgx.ConnConfig, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		a, err := adminConn(ctx, cfg)
		if err != nil {
			t.Errorf("storetest: drop %s: %v", name, err)
			return
		}
		defer a.Close(context.Background())
		if _, err := a.Exec(ctx, "drop database if exists "+pgx.Identifier{name}.Sanitize()+" with (force)"); err != nil {
			t.Errorf("storetest: drop %s: %v", name, err)
		}
	})
}

// Pool opens a pool on a fresh test database (see DatabaseURL) with opt and
// closes it when the test ends.
func Pool(t testing.TB, opt postgis.Options) *pgxpool.Pool {
	t.Helper()
	return open(t, DatabaseURL(t), opt)
}

// open opens a pool on url with opt and closes it when the test ends.
func open(t testing.TB, url string, opt postgis.Options) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := postgis.Open(ctx, url, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// adminConn connects to the maintenance database "postgres": CREATE
// DATABASE ... TEMPLATE t fails while anyone, this session included, is
// connected to t. When "postgres" is not accessible it falls back to the
// template itself and cloning then uses template0.
func adminConn(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	c := cfg.Copy()
	c.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, c)
	if err == nil {
		return conn, nil
	}
	return pgx.ConnectConfig(ctx, cfg)
}

func createClone(ctx context.Context, admin *pgx.Conn, name, tmpl string) error {
	if admin.Config().Database != tmpl {
		err := cloneTemplate(ctx, admin, name, tmpl)
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || pe.Code != "55006" {
			return err
		}
	}
	// The template stays busy (another client holds a session on it) or
	// cannot be reached: build the clone from template0 instead.
	if _, err := admin.Exec(ctx, "create database "+pgx.Identifier{name}.Sanitize()+" template template0"); err != nil {
		return err
	}
	c := admin.Config().Copy()
	c.Database = name
	conn, err := pgx.ConnectConfig(ctx, c)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "create extension if not exists postgis")
	return err
}

// cloneTemplate creates database name as a copy of tmpl, retrying a
// while when someone is connected to tmpl (object_in_use, 55006).
func cloneTemplate(ctx context.Context, admin *pgx.Conn, name, tmpl string) error {
	q := "create database " + pgx.Identifier{name}.Sanitize() + " template " + pgx.Identifier{tmpl}.Sanitize()
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if _, err = admin.Exec(ctx, q); err == nil {
			return nil
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "55006" {
			return err
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	return err
}

// dropStale removes test databases left by killed test binaries; their
// names carry their creation time.
func dropStale(ctx context.Context, admin *pgx.Conn, tmpl string) {
	rows, err := admin.Query(ctx, "select datname from pg_database where datname like $1", strings.ReplaceAll(tmpl, "_", `\_`)+`\_t%`)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, n := range names {
		rest := strings.TrimPrefix(n, tmpl+"_t")
		secs, _, ok := strings.Cut(rest, "_")
		ts, err := strconv.ParseInt(secs, 10, 64)
		if !ok || err != nil || time.Since(time.Unix(ts, 0)) < staleAfter {
			continue
		}
		_, _ = admin.Exec(ctx, "drop database if exists "+pgx.Identifier{n}.Sanitize()+" with (force)")
	}
}

// withDatabase swaps the database name in a URL or key=value DSN.
func withDatabase(url, name string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		scheme, rest, _ := strings.Cut(url, "://")
		rest, query, hasQuery := strings.Cut(rest, "?")
		host, _, _ := strings.Cut(rest, "/")
		out := scheme + "://" + host + "/" + name
		if hasQuery {
			out += "?" + query
		}
		return out
	}
	// key=value DSN: a later dbname wins.
	return url + " dbname=" + name
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 16)
	}
	return hex.EncodeToString(b)
}
