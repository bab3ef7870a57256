package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/gis/postgis"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change, embedded in the binary so that
// the schema a program needs always travels with it.
type Migration struct {
	Version int    // from the file name's numeric prefix, 1-based
	Name    string // the file name, e.g. "0001_init.sql"
	SQL     string
	// Checksum is the SHA-256 of SQL; Migrate refuses to run when an
	// applied migration's file has changed, because the database would then
	// silently differ from what the file describes.
	Checksum string
	// NoTransaction is set by a line "-- envtrace:no-transaction" in the
	// file. Such a migration runs statement by statement outside a
	// transaction, which CREATE INDEX CONCURRENTLY requires: building an
	// index on a large table then blocks no writer. It must be written to
	// be re-run whole (drop index concurrently if exists, then create),
	// because a failure part-way leaves its earlier statements applied and
	// the version unrecorded.
	NoTransaction bool
}

// NoTransactionDirective marks a migration file that must run outside a
// transaction (see Migration.NoTransaction).
const NoTransactionDirective = "-- envtrace:no-transaction"

// migrateLockKey is the advisory-lock key that serialises Migrate across
// processes ("envtrace" in ASCII).
const migrateLockKey int64 = 0x656e767472616365

// migrateLockPoll is how often Migrate retries the advisory lock while
// another process holds it. Waiting by polling rather than blocking in
// pg_advisory_lock matters: a session blocked in that call holds a
// snapshot, and CREATE INDEX CONCURRENTLY in the lock holder waits for
// every older snapshot to end, so the two would deadlock.
const migrateLockPoll = 50 * time.Millisecond

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) { return migrationsFrom(migrationFiles) }

// migrationsFrom reads migrations/*.sql from fsys: the binary's embedded
// files, or a test's own.
func migrationsFrom(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, n := range names {
		m, err := readMigration(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	// Numbers are handed out to branches developed in parallel, so a
	// branch may lack a number another branch holds (a gap) until both are
	// merged; two files with one number are always a mistake.
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("store: migrations %s and %s share number %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

func readMigration(fsys fs.FS, name string) (Migration, error) {
	base := path.Base(name)
	num, _, ok := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return Migration{}, fmt.Errorf("store: migration %s: name must start with a positive version number and '_'", base)
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Migration{}, err
	}
	sum := sha256.Sum256(b)
	m := Migration{Version: v, Name: base, SQL: string(b), Checksum: hex.EncodeToString(sum[:])}
	for line := range strings.Lines(m.SQL) {
		if strings.TrimSpace(line) == NoTransactionDirective {
			m.NoTransaction = true
		}
	}
	if m.NoTransaction && strings.Contains(m.SQL, "$$") {
		return Migration{}, fmt.Errorf("store: migration %s: a no-transaction migration runs one statement at a time and cannot hold dollar-quoted bodies; put functions in a transactional migration", base)
	}
	return m, nil
}

// SchemaVersion is the version the embedded migrations bring a database
// to: what this binary needs (the highest number).
func SchemaVersion() int {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Migrate brings the database schema up to date: it applies every embedded
// migration not yet recorded in schema_migrations, in version order. A
// migration runs in its own transaction together with its record, so that a
// failure leaves the schema at the last complete version; one marked
// NoTransaction runs statement by statement and is recorded after its last
// statement. It is idempotent, and safe when several processes start at
// once: the whole run holds a session-level advisory lock and re-reads
// schema_migrations under it, so a migration is applied exactly once. It
// fails when an applied migration's embedded file no longer matches the
// checksum recorded for it.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	return migrate(ctx, pool, ms)
}

func migrate(ctx context.Context, pool *pgxpool.Pool, ms []Migration) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Release()
	if err := lockMigrations(ctx, conn.Conn()); err != nil {
		return err
	}
	defer unlockMigrations(conn.Conn())
	if _, err := conn.Exec(ctx, `create table if not exists schema_migrations (
		version    integer primary key,
		name       text not null,
		checksum   text not null,
		applied_at timestamptz not null default now())`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, conn.Conn(), m); err != nil {
			return err
		}
	}
	return nil
}

// lockMigrations takes the session-level migration lock, polling (see
// migrateLockPoll) until it is free or ctx ends.
func lockMigrations(ctx context.Context, conn *pgx.Conn) error {
	for {
		var got bool
		if err := conn.QueryRow(ctx, "select pg_try_advisory_lock($1)", migrateLockKey).Scan(&got); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		if got {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: migrate: waiting for another migration: %w", ctx.Err())
		case <-time.After(migrateLockPoll):
		}
	}
}

// unlockMigrations releases the lock even when the run's context has
// ended; if it cannot, it closes the connection, which releases every
// session lock.
func unlockMigrations(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "select pg_advisory_unlock($1)", migrateLockKey); err != nil {
		_ = conn.Close(ctx)
	}
}

// applyMigration applies m unless it is recorded, under the migration lock.
func applyMigration(ctx context.Context, conn *pgx.Conn, m Migration) error {
	var sum string
	err := conn.QueryRow(ctx, "select checksum from schema_migrations where version = $1", m.Version).Scan(&sum)
	switch {
	case err == nil:
		if sum != m.Checksum {
			return fmt.Errorf("store: migration %s was changed after it was applied (recorded checksum %.12s, file %.12s); add a new migration instead of editing an applied one", m.Name, sum, m.Checksum)
		}
		return nil
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("store: migrate: %w", err)
	}
	if m.NoTransaction {
		return applyWithoutTransaction(ctx, conn, m)
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Building indexes on a large table can outlast the interactive
		// statement timeout.
		if err := setBulkTimeout(ctx, tx); err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.Name, err)
		}
		return recordMigration(ctx, tx, m)
	})
}

// applyWithoutTransaction runs m's statements one by one in autocommit
// mode, with the bulk statement timeout for the session while it runs.
func applyWithoutTransaction(ctx context.Context, conn *pgx.Conn, m Migration) error {
	if _, err := conn.Exec(ctx, "select set_config('statement_timeout', $1, false)", bulkTimeout); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "reset statement_timeout") }()
	for i, stmt := range splitStatements(m.SQL) {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("store: migration %s, statement %d (it runs outside a transaction: statements before it stay applied, and the whole file runs again next time): %w", m.Name, i+1, err)
		}
	}
	return recordMigration(ctx, conn, m)
}

func recordMigration(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, m Migration) error {
	if _, err := db.Exec(ctx, "insert into schema_migrations (version, name, checksum) values ($1, $2, $3)", m.Version, m.Name, m.Checksum); err != nil {
		return fmt.Errorf("store: migration %s: record: %w", m.Name, err)
	}
	return nil
}

// splitStatements cuts a no-transaction migration into statements: a
// statement ends with a line whose text ends in ';'. Lines that are only
// comments or blank do not make a statement of their own.
func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	code := false
	for line := range strings.Lines(sql) {
		t := strings.TrimSpace(line)
		cur.WriteString(line)
		if t != "" && !strings.HasPrefix(t, "--") {
			code = true
		}
		if code && !strings.HasPrefix(t, "--") && strings.HasSuffix(t, ";") {
			out = append(out, cur.String())
			cur.Reset()
			code = false
		}
	}
	if code {
		out = append(out, cur.String())
	}
	return out
}

// Requirements lists the extensions, tables and indexes the store's
// queries rely on, for postgis.Check at startup. An index is listed because
// a missing one fails no query, it only makes an upstream lookup or an
// ingest's duplicate check scan a whole table.
func Requirements() postgis.Requirements {
	return postgis.Requirements{
		Extensions: []string{"postgis"},
		Tables: []string{
			"schema_migrations", "networks", "reaches", "reach_minor_edges",
			"facilities", "outfalls", "permits", "permit_limits", "reports", "stations", "readings",
			"sensors", "sensor_readings",
			"monitors", "wind_observations", "air_readings", "petitions",
			"air_permits", "fuel_declarations", "cems_records", "rainy_hours", "emission_factors",
			"dumping_agencies", "dumping_jurisdictions", "dumping_parcels", "dumping_reports", "dumping_report_seq",
			"dumping_audit", "dumping_photos", "dumping_patrols", "dumping_measures", "outbox",
			"cases", "case_items", "case_shares", "case_exports", "case_referrals",
			"api_tokens",
			"inspections", "self_reports",
			"audit_log", "personal_contacts", "personal_location_roles", "personal_locations", "public_locations",
			"farmland_imports", "farmland_intakes", "farmland_areas", "farmland_reach_flows", "farmland_canal_permits",
			"dataset_deletions",
		},
		Indexes: []string{
			"schema_migrations_pkey", "networks_pkey", "networks_name_srid_key",
			"reaches_pkey", "reaches_geom_gist", "reaches_network_idx_lo", "reaches_network_idx_lo_id", "reaches_network_hydroseq",
			"reach_minor_edges_pkey", "reach_minor_edges_to_idx",
			"facilities_pkey", "facilities_location_gist",
			"outfalls_pkey", "outfalls_location_gist",
			"permits_pkey", "permits_ems_no",
			"permit_limits_pkey",
			"reports_pkey", "reports_parameter_period",
			"stations_pkey", "stations_location_gist",
			"readings_station_time_parameter", "readings_parameter_time", "readings_seq",
			"sensors_pkey", "sensors_geom_idx", "sensor_readings_pkey",
			"monitors_pkey", "monitors_geom_idx", "wind_observations_pkey", "air_readings_pkey",
			"petitions_pkey", "petitions_time_idx", "petitions_geom_idx", "petitions_case_number_idx", "petitions_seq_idx",
			"petitions_contact_subjects_idx", "petitions_erased_seq_idx", // an erasure request; the replicas follow erasures
			"air_permits_pkey", "fuel_declarations_pkey", "cems_records_pkey", "rainy_hours_pkey", "emission_factors_pkey",
			// the air-permit followers read the rows above their mark (migration 0017)
			"air_permits_seq_idx", "fuel_declarations_seq_idx", "cems_records_seq_idx", "rainy_hours_seq_idx", "emission_factors_seq_idx",
			// the records followers read the versions above their mark, the
			// readings followers the corrected readings (migration 0018)
			"facilities_rev_idx", "outfalls_rev_idx", "permits_rev_idx", "permit_limits_rev_idx", "reports_rev_idx", "stations_rev_idx",
			"readings_corrected_rev_idx",
			"dumping_agencies_pkey", "dumping_jurisdictions_pkey", "dumping_parcels_pkey", "dumping_parcels_geom_gist",
			"dumping_reports_pkey", "dumping_reports_geom_gist", "dumping_reports_agency_state", "dumping_reports_requested",
			"dumping_report_seq_pkey", "dumping_audit_pkey", "dumping_audit_report", "dumping_photos_pkey",
			"dumping_patrols_pkey", "dumping_patrols_agency", "dumping_measures_pkey", "outbox_pkey", "outbox_due",
			"cases_pkey", "cases_created_at", "case_items_pkey", "case_shares_pkey", "case_shares_principal", "case_exports_pkey", "case_referrals_pkey",
			"api_tokens_pkey", "api_tokens_hash_key", // a token is looked up by hash on every request
			"inspections_pkey", "inspections_facility_time",
			"self_reports_pkey", "self_reports_facility_time", "self_reports_open",
			"audit_log_pkey", "audit_log_at", "audit_log_actor", "personal_contacts_pkey", "personal_contacts_subject",
			"personal_contacts_collected", "personal_location_roles_pkey", "personal_locations_pkey", "personal_locations_geom",
			"personal_locations_collected", "public_locations_pkey", "public_locations_geom", "dumping_reports_contact_subject",
			// the farmland desk's layers (migration 0019)
			"farmland_imports_pkey", "farmland_intakes_pkey", "farmland_intakes_geom_gist", "farmland_areas_pkey",
			"farmland_areas_geom_gist", "farmland_reach_flows_pkey", "farmland_canal_permits_pkey",
			// the deletions followers read the last deletion (migration 0020)
			"dataset_deletions_pkey",
		},
		Hint: "run envtrace db migrate",
	}
}

// SchemaError says the database schema is older than this binary needs,
// or was migrated from different migration files.
type SchemaError struct {
	Have, Want int
	Reason     string
}

// Error says which version the database has and what to do.
func (e *SchemaError) Error() string {
	if e.Reason != "" {
		return "store: database schema: " + e.Reason
	}
	return fmt.Sprintf("store: database schema is at version %d, this program needs %d (run envtrace db migrate)", e.Have, e.Want)
}

// Ready is the startup check for a program that uses the store (serve,
// import): it fails fast, naming what is wrong, when PostGIS or a table or
// index is missing or the schema is behind this binary. A database migrated
// by a newer binary passes as long as it contains every migration this one
// knows, so that old and new instances can run side by side during a
// rolling upgrade.
func Ready(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	var regclass *string
	if err := pool.QueryRow(ctx, "select to_regclass('schema_migrations')::text").Scan(&regclass); err != nil {
		return fmt.Errorf("store: check database: %w", err)
	}
	if regclass == nil {
		return &SchemaError{Have: 0, Want: ms[len(ms)-1].Version}
	}
	rows, err := pool.Query(ctx, "select version, name, checksum from schema_migrations order by version")
	if err != nil {
		return fmt.Errorf("store: check database: %w", err)
	}
	applied := map[int]string{}
	have := 0
	for rows.Next() {
		var v int
		var name, sum string
		if err := rows.Scan(&v, &name, &sum); err != nil {
			rows.Close()
			return fmt.Errorf("store: check database: %w", err)
		}
		applied[v] = sum
		have = max(have, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: check database: %w", err)
	}
	for _, m := range ms {
		sum, ok := applied[m.Version]
		if !ok {
			return &SchemaError{Have: have, Want: ms[len(ms)-1].Version}
		}
		if sum != m.Checksum {
			return &SchemaError{Have: have, Want: ms[len(ms)-1].Version, Reason: fmt.Sprintf("migration %s was applied from a different file than this binary's", m.Name)}
		}
	}
	return postgis.Check(ctx, pool, Requirements())
}
