package store

import (
	"context"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
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
