package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
)

func TestMigrateIsIdempotentAndRaceFree(t *testing.T) {
	pool := storetest.Pool(t, postgis.Options{MaxConns: 8})
	ctx := context.Background()

	var se *store.SchemaError
	if err := store.Ready(ctx, pool); !errors.As(err, &se) || se.Have != 0 {
		t.Fatalf("Ready on an empty database = %v, want a SchemaError at version 0", err)
	}
	// Several processes starting at once: every Migrate succeeds and each
	// migration is applied exactly once.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- store.Migrate(ctx, pool)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	before := takeSnapshot(t, pool)
	if err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if after := takeSnapshot(t, pool); !equalSnapshots(before, after) {
		t.Fatal("a second Migrate changed the database")
	}
	var n, v int
	if err := pool.QueryRow(ctx, "select count(*), max(version) from schema_migrations").Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || v != store.SchemaVersion() {
		t.Fatalf("schema_migrations holds %d rows up to version %d, want %d up to %d", n, v, len(ms), store.SchemaVersion())
	}
	if err := store.Ready(ctx, pool); err != nil {
		t.Fatal(err)
	}

	// An applied migration whose file changed is refused.
	if _, err := pool.Exec(ctx, "update schema_migrations set checksum = 'edited' where version = 1"); err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, pool); err == nil || !strings.Contains(err.Error(), "changed after it was applied") {
		t.Fatalf("Migrate with an edited migration = %v", err)
	}
	if err := store.Ready(ctx, pool); !errors.As(err, &se) || !strings.Contains(err.Error(), "different file") {
		t.Fatalf("Ready with an edited migration = %v", err)
	}
}

func equalSnapshots(a, b snapshot) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRequirementsCoverSchema keeps store.Requirements in step with the
// migrations: every table and index they create is checked at startup.
func TestRequirementsCoverSchema(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	rows, err := pool.Query(ctx, `select c.relname, c.relkind::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind in ('r', 'p', 'i', 'I') and not c.relispartition and c.relname not like 'spatial_ref_sys%' order by 1`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct{ Name, Kind string }
	rels, err := pgx.CollectRows(rows, pgx.RowToStructByPos[rel])
	if err != nil {
		t.Fatal(err)
	}
	req := store.Requirements()
	var tables, indexes []string
	for _, r := range rels {
		if r.Kind == "r" || r.Kind == "p" {
			tables = append(tables, r.Name)
		} else {
			indexes = append(indexes, r.Name)
		}
	}
	slices.Sort(req.Tables)
	slices.Sort(req.Indexes)
	if !slices.Equal(tables, req.Tables) {
		t.Errorf("schema tables %v\nrequired     %v", tables, req.Tables)
	}
	if !slices.Equal(indexes, req.Indexes) {
		t.Errorf("schema indexes %v\nrequired      %v", indexes, req.Indexes)
	}
}

// TestReadyNamesMissingIndex is the fail-fast startup check: drop an index
// and Ready (which serve runs first) names it.
func TestReadyNamesMissingIndex(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	if err := store.Ready(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "drop index reaches_network_idx_lo"); err != nil {
		t.Fatal(err)
	}
	err := store.Ready(ctx, pool)
	var me *postgis.MissingError
	if !errors.As(err, &me) || !slices.Equal(me.Indexes, []string{"reaches_network_idx_lo"}) || len(me.Tables)+len(me.Extensions) != 0 {
		t.Fatalf("Ready after dropping the index = %v", err)
	}
	if !strings.Contains(err.Error(), `index "reaches_network_idx_lo"`) || !strings.Contains(err.Error(), "envtrace db migrate") {
		t.Fatalf("error does not name the index and the fix: %v", err)
	}
	t.Log(err)
}

// TestNoTransactionMigration builds an index CONCURRENTLY from a migration
// marked with the no-transaction directive, with several processes
// migrating at once, and shows that the same file without the directive
// cannot run.
func TestNoTransactionMigration(t *testing.T) {
	pool := storetest.Pool(t, postgis.Options{MaxConns: 10})
	ctx := context.Background()
	table := &fstest.MapFile{Data: []byte(`create table t (id integer primary key, v text not null);
insert into t select g, md5(g::text) from generate_series(1, 20000) g;`)}
	index := `-- Built without blocking writers; re-runnable.
-- envtrace:no-transaction
drop index concurrently if exists t_v;
create index concurrently t_v
    on t (v);
`
	withoutDirective := fstest.MapFS{
		"migrations/0001_t.sql":   table,
		"migrations/0002_t_v.sql": {Data: []byte(strings.Replace(index, store.NoTransactionDirective, "-- (directive removed)", 1))},
	}
	if err := store.MigrateFrom(ctx, storetest.Pool(t, postgis.Options{}), withoutDirective); err == nil || !strings.Contains(err.Error(), "cannot run inside a transaction block") {
		t.Fatalf("CREATE INDEX CONCURRENTLY in a transactional migration = %v, want PostgreSQL's refusal", err)
	}

	files := fstest.MapFS{"migrations/0001_t.sql": table, "migrations/0002_t_v.sql": {Data: []byte(index)}}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- store.MigrateFrom(ctx, pool, files)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "select count(*) from schema_migrations").Scan(&n); err != nil || n != 2 {
		t.Fatalf("schema_migrations rows = %d, %v; want 2", n, err)
	}
	if err := postgis.Check(ctx, pool, postgis.Requirements{Indexes: []string{"t_v"}}); err != nil {
		t.Fatalf("index built concurrently: %v", err)
	}

	// A failure part-way leaves the version unrecorded, names the
	// statement, and the corrected file runs whole next time.
	files["migrations/0003_t_id.sql"] = &fstest.MapFile{Data: []byte(store.NoTransactionDirective + "\ncreate index concurrently t_v_id on t (v, id);\nselect 1/0;\n")}
	err := store.MigrateFrom(ctx, pool, files)
	if err == nil || !strings.Contains(err.Error(), "0003_t_id.sql, statement 2") || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("failing no-transaction migration = %v", err)
	}
	if err := pool.QueryRow(ctx, "select max(version) from schema_migrations").Scan(&n); err != nil || n != 2 {
		t.Fatalf("after a failed migration 3 the schema is at %d (%v), want 2", n, err)
	}
	files["migrations/0003_t_id.sql"] = &fstest.MapFile{Data: []byte(store.NoTransactionDirective + "\ndrop index concurrently if exists t_v_id;\ncreate index concurrently t_v_id on t (v, id);\n")}
	if err := store.MigrateFrom(ctx, pool, files); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, "select max(version) from schema_migrations").Scan(&n); err != nil || n != 3 {
		t.Fatalf("after the corrected migration 3 the schema is at %d (%v), want 3", n, err)
	}
}

// TestInvalidIndexCountsAsMissing: a CREATE INDEX CONCURRENTLY that fails
// leaves an invalid index behind, which PostgreSQL never uses; the
// startup check names it.
func TestInvalidIndexCountsAsMissing(t *testing.T) {
	pool := storetest.Pool(t, postgis.Options{})
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "create table d (v integer); insert into d values (1), (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "create unique index concurrently d_v on d (v)"); err == nil {
		t.Fatal("a unique index over duplicates was built")
	}
	err := postgis.Check(ctx, pool, postgis.Requirements{Indexes: []string{"d_v"}})
	var me *postgis.MissingError
	if !errors.As(err, &me) || !slices.Equal(me.Indexes, []string{"d_v"}) {
		t.Fatalf("Check with an invalid index = %v", err)
	}
}

func TestNoTransactionMigrationRules(t *testing.T) {
	bad := fstest.MapFS{"migrations/0001_f.sql": {Data: []byte(store.NoTransactionDirective + "\ncreate function f() returns int language sql as $$ select 1; $$;\n")}}
	if err := store.MigrateFrom(context.Background(), nil, bad); err == nil || !strings.Contains(err.Error(), "dollar-quoted") {
		t.Fatalf("dollar-quoted body in a no-transaction migration = %v", err)
	}
	for _, tc := range []struct {
		name, sql string
		want      []string
	}{
		{"two statements", "a;\nb;\n", []string{"a;\n", "b;\n"}},
		{"multi-line statement", "create index\n  on t (v);\n", []string{"create index\n  on t (v);\n"}},
		{"comments stay with the next statement", "-- x;\n\nb;\n", []string{"-- x;\n\nb;\n"}},
		{"comment line inside a statement", "create index i\n-- on the v column;\non t (v);\n", []string{"create index i\n-- on the v column;\non t (v);\n"}},
		{"last statement without a semicolon", "a;\nb\n", []string{"a;\n", "b\n"}},
		{"only comments", "-- nothing\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.SplitStatements(tc.sql); !slices.Equal(got, tc.want) {
				t.Fatalf("splitStatements(%q) = %q, want %q", tc.sql, got, tc.want)
			}
		})
	}
}
