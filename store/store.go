// Package store is envtrace's system of record: river networks and the
// enforcement data of a data directory (facilities, outfalls, permits,
// limits, reports, stations, readings) kept in PostgreSQL/PostGIS, with the
// network engine's computed labels written back beside the reaches so that
// SQL users can ask "what is upstream of X" with a range query.
//
// The schema is created by Migrate from embedded, versioned migrations; a
// server calls Ready at startup to fail fast when the database is not what
// it needs. docs/postgis.md describes the schema and the SQL for users.
//
// # One interface, two implementations
//
// Store is what the rest of envtrace asks of the system of record. PostGIS
// implements it over a pgx pool; Memory implements it in process, for tests
// and single-machine use, with the same validation and the same upsert
// semantics. The package-level functions (ImportNetwork, LoadReaches, ...)
// are the PostGIS operations themselves, for callers holding a pool.
//
// # Semantics shared by every write
//
//   - Idempotent: importing the same data again changes nothing (rows are
//     upserted and an unchanged row is not even rewritten), so any failed
//     write can simply be retried; see postgis.Retryable.
//   - All or nothing: a network import, a WriteLabels, the records and
//     the readings of a dataset import (two transactions) and each
//     IngestReadings call is one transaction. A bad
//     record rejects its whole unit with a *model.FieldError naming the
//     file, the record and the reason, and nothing of it is written.
//   - Durable on return: a write returns nil only after COMMIT succeeded.
//   - Every call takes the caller's context; cancelling it cancels the
//     statement in the server too.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/model"
)

// Store is the system of record as the rest of envtrace sees it, so that
// the CLI and the server work the same against PostGIS and in memory.
type Store interface {
	// ImportNetwork stores a network's reaches under a name, replacing
	// what was stored under that name; see the package-level function.
	ImportNetwork(ctx context.Context, network string, reaches []hydro.Reach, srid int, progress Progress) error
	// LoadReaches returns a stored network's reaches in import order and
	// their SRID, ready for hydro.Build.
	LoadReaches(ctx context.Context, network string) ([]hydro.Reach, int, error)
	// WriteLabels stores the labels the engine computed for a network.
	WriteLabels(ctx context.Context, network string, net *hydro.Network) error
	// ImportDataset merges a data directory's records into the store.
	ImportDataset(ctx context.Context, ds *model.Dataset, progress Progress) error
	// LoadDataset returns every stored record.
	LoadDataset(ctx context.Context) (*model.Dataset, error)
	// IngestReadings stores new readings; duplicates are counted and
	// skipped.
	IngestReadings(ctx context.Context, readings []model.Reading) (inserted, duplicates int, err error)
}

// Progress is told how much of a long write is done; total does not
// change during one call. It is called from the calling goroutine.
type Progress func(done, total int)

func (p Progress) report(done, total int) {
	if p != nil {
		p(done, total)
	}
}

// ErrUnknownNetwork is wrapped when a network name is not stored.
var ErrUnknownNetwork = errors.New("store: unknown network")

// ErrMismatch is wrapped when a hydro.Network handed to WriteLabels does
// not consist of the stored network's reaches (it was built from other
// data), so its labels would be meaningless.
var ErrMismatch = errors.New("store: network does not match the stored reaches")

// BulkStatementTimeout replaces the pool's interactive statement timeout
// inside the store's bulk transactions (imports, label write-back,
// migrations): copying and upserting millions of rows legitimately takes
// minutes. The caller's context still bounds the whole call.
const BulkStatementTimeout = 30 * time.Minute

var bulkTimeout = strconv.FormatInt(BulkStatementTimeout.Milliseconds(), 10)

// setBulkTimeout raises statement_timeout for the current transaction only.
func setBulkTimeout(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "select set_config('statement_timeout', $1, true)", bulkTimeout)
	return err
}

// PostGIS is the Store over a PostGIS database; it is a thin wrapper that
// passes its pool to the package-level functions. It is safe for
// concurrent use.
type PostGIS struct {
	pool *pgxpool.Pool
}

// New wraps a pool opened with postgis.Open on a migrated database.
func New(pool *pgxpool.Pool) *PostGIS { return &PostGIS{pool: pool} }

// Pool returns the wrapped pool, for callers that run their own queries
// (the documented upstream SQL, reports).
func (s *PostGIS) Pool() *pgxpool.Pool { return s.pool }

// Ping checks that the database answers, for /healthz.
func (s *PostGIS) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// ImportNetwork calls the package-level ImportNetwork.
func (s *PostGIS) ImportNetwork(ctx context.Context, network string, reaches []hydro.Reach, srid int, progress Progress) error {
	return ImportNetwork(ctx, s.pool, network, reaches, srid, progress)
}

// LoadReaches calls the package-level LoadReaches.
func (s *PostGIS) LoadReaches(ctx context.Context, network string) ([]hydro.Reach, int, error) {
	return LoadReaches(ctx, s.pool, network)
}

// WriteLabels calls the package-level WriteLabels.
func (s *PostGIS) WriteLabels(ctx context.Context, network string, net *hydro.Network) error {
	return WriteLabels(ctx, s.pool, network, net)
}

// ImportDataset calls the package-level ImportDataset.
func (s *PostGIS) ImportDataset(ctx context.Context, ds *model.Dataset, progress Progress) error {
	return ImportDataset(ctx, s.pool, ds, progress)
}

// LoadDataset calls the package-level LoadDataset.
func (s *PostGIS) LoadDataset(ctx context.Context) (*model.Dataset, error) {
	return LoadDataset(ctx, s.pool)
}

// IngestReadings calls the package-level IngestReadings.
func (s *PostGIS) IngestReadings(ctx context.Context, readings []model.Reading) (int, int, error) {
	return IngestReadings(ctx, s.pool, readings)
}

var _ Store = (*PostGIS)(nil)

// wrap prefixes a database error with the operation, keeping it
// inspectable with errors.As (pgconn.PgError) and postgis.Retryable.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// copyRows adapts a row generator to pgx.CopyFromSource and reports
// progress every progressEvery rows.
type copyRows struct {
	n, i     int
	row      func(i int) ([]any, error)
	cur      []any
	err      error
	progress func(done int)
}

const progressEvery = 5000

// Next renders the next row, for pgx.CopyFromSource.
func (c *copyRows) Next() bool {
	if c.err != nil || c.i >= c.n {
		return false
	}
	c.cur, c.err = c.row(c.i)
	c.i++
	if c.progress != nil && c.i%progressEvery == 0 {
		c.progress(c.i)
	}
	return c.err == nil
}

// Values returns the current row, for pgx.CopyFromSource.
func (c *copyRows) Values() ([]any, error) { return c.cur, c.err }

// Err reports a row that could not be rendered, which aborts the COPY.
func (c *copyRows) Err() error { return c.err }
