package postgis_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store/storetest"
)

func TestEWKBRoundTrip(t *testing.T) {
	geoms := []orb.Geometry{
		orb.Point{250123.456789012, 2745678.123456789},
		orb.LineString{{121.0000000001, 24.5}, {121.1, 24.6}, {math.Copysign(0, -1), 1e-300}},
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}},
		orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}},
	}
	for _, srid := range []int{0, 3826, 4326} {
		for _, g := range geoms {
			b, err := postgis.EWKB(g, srid)
			if err != nil {
				t.Fatalf("%T: %v", g, err)
			}
			back, s, err := postgis.ParseEWKB(b)
			if err != nil {
				t.Fatal(err)
			}
			if s != srid || !orb.Equal(back, g) {
				t.Fatalf("round trip of %v srid %d gave %v srid %d", g, srid, back, s)
			}
		}
	}
	for _, bad := range []orb.Geometry{nil, orb.LineString{}, orb.LineString{{1, 2}}, orb.Point{math.NaN(), 0}, orb.LineString{{0, 0}, {math.Inf(1), 0}}, orb.Polygon{{{0, 0}, {1, 0}, {1, 1}}}} {
		if _, err := postgis.EWKB(bad, 4326); !errors.Is(err, postgis.ErrGeometry) {
			t.Errorf("EWKB(%v) = %v, want ErrGeometry", bad, err)
		}
	}
	if _, _, err := postgis.LineStringEWKB([]byte{1, 2, 3}); !errors.Is(err, postgis.ErrGeometry) {
		t.Errorf("garbage decoded: %v", err)
	}
	pt, _ := postgis.EWKB(orb.Point{1, 2}, 0)
	if _, _, err := postgis.LineStringEWKB(pt); !errors.Is(err, postgis.ErrGeometry) {
		t.Errorf("point decoded as line: %v", err)
	}
}

func TestGeometryThroughPostGIS(t *testing.T) {
	pool := storetest.Pool(t, postgis.Options{})
	ctx := context.Background()
	line := orb.LineString{{248123.123456789, 2743210.987654321}, {248500.5, 2743999.25}, {249000.000001, 2744000}}
	b, err := postgis.EWKB(line, 3826)
	if err != nil {
		t.Fatal(err)
	}
	var back []byte
	var srid int
	var typ string
	if err := pool.QueryRow(ctx, `select st_asewkb(g), st_srid(g), geometrytype(g) from (select st_geomfromewkb($1) g) x`, b).Scan(&back, &srid, &typ); err != nil {
		t.Fatal(err)
	}
	got, s, err := postgis.LineStringEWKB(back)
	if err != nil {
		t.Fatal(err)
	}
	if srid != 3826 || s != 3826 || typ != "LINESTRING" || !orb.Equal(got, line) {
		t.Fatalf("PostGIS returned %v (srid %d/%d, %s), want %v exactly", got, s, srid, typ, line)
	}
	// Plain WKB from ST_AsBinary decodes too, without an SRID.
	if err := pool.QueryRow(ctx, `select st_asbinary(st_geomfromewkb($1))`, b).Scan(&back); err != nil {
		t.Fatal(err)
	}
	if got, s, err = postgis.LineStringEWKB(back); err != nil || s != 0 || !orb.Equal(got, line) {
		t.Fatalf("ST_AsBinary: %v %d %v", got, s, err)
	}
}

func TestOpenSetsTimeouts(t *testing.T) {
	url := storetest.DatabaseURL(t)
	ctx := context.Background()
	pool, err := postgis.Open(ctx, url, postgis.Options{StatementTimeout: 300 * time.Millisecond, ApplicationName: "envtrace-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var st, idle, app string
	if err := pool.QueryRow(ctx, `select current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout'), current_setting('application_name')`).Scan(&st, &idle, &app); err != nil {
		t.Fatal(err)
	}
	if st != "300ms" || idle != "1min" || app != "envtrace-test" {
		t.Fatalf("settings: statement_timeout=%s idle_in_transaction=%s application_name=%s", st, idle, app)
	}
	start := time.Now()
	_, err = pool.Exec(ctx, `select pg_sleep(5)`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("a 5 s statement under a 300 ms timeout returned %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("statement timeout took %v", d)
	}
	if postgis.Retryable(err) {
		t.Error("a statement timeout must not be retryable")
	}
	// Every connection gets the setting, not only the first one.
	for range 3 {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		var s string
		if err := c.QueryRow(ctx, `show statement_timeout`).Scan(&s); err != nil || s != "300ms" {
			t.Fatalf("pooled connection has statement_timeout %q (%v)", s, err)
		}
	}
}

func TestOpenFailsFast(t *testing.T) {
	start := time.Now()
	// Port 1 on localhost refuses at once; 10.255.255.1 is unroutable and
	// must be cut off by the connect timeout.
	for _, url := range []string{"postgres://nobody@127.0.0.1:1/x?sslmode=disable", "postgres://nobody@10.255.255.1:5432/x?sslmode=disable"} {
		_, err := postgis.Open(context.Background(), url, postgis.Options{ConnectTimeout: 500 * time.Millisecond})
		if err == nil {
			t.Fatalf("%s: opened", url)
		}
		if !postgis.Retryable(err) {
			t.Errorf("%s: connection failure %v not retryable", url, err)
		}
		if !strings.Contains(err.Error(), "cannot reach") {
			t.Errorf("error does not say what failed: %v", err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("failing to connect took %v", d)
	}
	if _, err := postgis.Open(context.Background(), "postgres://a@b:notaport/x", postgis.Options{}); err == nil {
		t.Fatal("bad URL accepted")
	}
}

func TestCheckNamesMissingObjects(t *testing.T) {
	pool := storetest.Pool(t, postgis.Options{})
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `create table things (id int primary key, geom geometry(Point, 3826));
		create index things_geom_gist on things using gist (geom)`); err != nil {
		t.Fatal(err)
	}
	req := postgis.Requirements{
		Extensions: []string{"postgis"},
		Tables:     []string{"things", "public.things"},
		Indexes:    []string{"things_pkey", "things_geom_gist"},
		Hint:       "run the migrations",
	}
	if err := postgis.Check(ctx, pool, req); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `drop index things_geom_gist`); err != nil {
		t.Fatal(err)
	}
	req.Extensions = append(req.Extensions, "no_such_extension")
	req.Tables = append(req.Tables, "no_such_table", "things_pkey") // an index is not a table
	err := postgis.Check(ctx, pool, req)
	var me *postgis.MissingError
	if !errors.As(err, &me) {
		t.Fatalf("Check = %v, want *MissingError", err)
	}
	if strings.Join(me.Indexes, ",") != "things_geom_gist" || strings.Join(me.Tables, ",") != "no_such_table,things_pkey" || strings.Join(me.Extensions, ",") != "no_such_extension" {
		t.Fatalf("missing: %+v", me)
	}
	for _, want := range []string{`index "things_geom_gist"`, `table "no_such_table"`, `extension "no_such_extension"`, "run the migrations"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// TestPoolRecoversFromTerminatedBackends kills every session of the pool
// from outside, as a failover or a DBA would, and checks that the pool
// hands out working connections again without being reopened.
func TestPoolRecoversFromTerminatedBackends(t *testing.T) {
	url := storetest.DatabaseURL(t)
	ctx := context.Background()
	pool, err := postgis.Open(ctx, url, postgis.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// Fill the pool with idle connections.
	var held []*pgxpool.Conn
	for range 4 {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Release()
	}
	killer, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(ctx)

	done := make(chan error, 1)
	go func() {
		_, err := pool.Exec(ctx, `select pg_sleep(10)`)
		done <- err
	}()
	waitActive(t, killer, "pg_sleep(10)")
	var n int
	if err := killer.QueryRow(ctx, `select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 4 {
		t.Fatalf("terminated %d sessions, want the pool's 4", n)
	}
	select {
	case err := <-done:
		if err == nil || !postgis.Retryable(err) {
			t.Fatalf("query on a terminated backend returned %v, want a retryable error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("query on a terminated backend hangs")
	}
	// Every connection in the pool is dead now; each acquire must find
	// that out by itself.
	for i := range 8 {
		var one int
		if err := pool.QueryRow(ctx, `select 1`).Scan(&one); err != nil {
			t.Fatalf("query %d after the termination: %v", i, err)
		}
	}
}

func waitActive(t *testing.T, c *pgx.Conn, query string) {
	t.Helper()
	for range 200 {
		var n int
		if err := c.QueryRow(context.Background(), `select count(*) from pg_stat_activity where state = 'active' and query like '%' || $1 || '%' and pid <> pg_backend_pid()`, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never became active", query)
}
