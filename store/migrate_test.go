package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

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
	if n != store.SchemaVersion() || v != store.SchemaVersion() {
		t.Fatalf("schema_migrations holds %d rows up to version %d, want %d", n, v, store.SchemaVersion())
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
		where n.nspname = 'public' and c.relkind in ('r', 'i') and c.relname not like 'spatial_ref_sys%' order by 1`)
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
		if r.Kind == "r" {
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
