package store

import (
	"context"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/tracing/airpermit"
)

// MigrateFrom is Migrate over a test's own migrations/*.sql files.
func MigrateFrom(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS) error {
	ms, err := migrationsFrom(fsys)
	if err != nil {
		return err
	}
	return migrate(ctx, pool, ms)
}

// SplitStatements exposes how a no-transaction migration is cut up.
var SplitStatements = splitStatements

// AirPermitsSinceWith reads the air-permit rows above after as the
// air-permit follower does (sinceMark over airPermitsBetween), calling
// between once the mark is read and before the rows are, so that a test
// can commit a write there.
func AirPermitsSinceWith(ctx context.Context, pool *pgxpool.Pool, after int64, between func() error) (*airpermit.Data, int64, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Release()
	var d *airpermit.Data
	high, err := sinceMark(ctx, conn, airHighWaterSQL, after, func(tx pgx.Tx, high int64) error {
		if err := between(); err != nil {
			return err
		}
		var err error
		d, _, err = airPermitsBetween(ctx, tx, after, high)
		return err
	})
	return d, high, err
}
