package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// monthPartition names the month partition of table holding t (the month
// in UTC, e.g. readings_202610) and its bounds, the same names migration
// 0009 gave the months it created.
func monthPartition(table string, t time.Time) (name string, from, to time.Time) {
	u := t.UTC()
	from = time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%s_%04d%02d", table, from.Year(), int(from.Month())), from, from.AddDate(0, 1, 0)
}

// ensureMonths creates the month partitions of table (partitioned by range
// on time) that the n times at(i) fall in, so that an insert never fails for
// want of one. An advisory lock serialises creators, so two writers of one
// new month do not race on CREATE TABLE.
func ensureMonths(ctx context.Context, tx pgx.Tx, table string, n int, at func(i int) time.Time) error {
	months := map[string][2]time.Time{}
	for i := range n {
		name, from, to := monthPartition(table, at(i))
		months[name] = [2]time.Time{from, to}
	}
	if len(months) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(hashtext($1))`, table+" partitions"); err != nil {
		return fmt.Errorf("store: partition lock: %w", err)
	}
	for name, r := range months {
		sql := fmt.Sprintf(`create table if not exists %s partition of %s for values from ('%s') to ('%s')`,
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{table}.Sanitize(), r[0].Format(time.RFC3339), r[1].Format(time.RFC3339))
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("store: partition %s: %w", name, err)
		}
	}
	return nil
}
