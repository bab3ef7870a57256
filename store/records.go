package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/tracing/model"
)

// RecordsChannel is the LISTEN/NOTIFY channel on which ImportDataset
// announces, at COMMIT, that it stored or changed facilities, outfalls,
// permits, limits, reports or stations (the largest rev stored, migration
// 0018), so that every `serve --db` replica places them on its network
// within a second, without a restart.
const RecordsChannel = "envtrace_dataset"

// recordsHighWaterSQL is the largest rev of the record tables: one
// sequence (dataset_rev) numbers every version of every record.
const recordsHighWaterSQL = `select greatest(
	(select coalesce(max(rev), 0) from facilities), (select coalesce(max(rev), 0) from outfalls),
	(select coalesce(max(rev), 0) from permits), (select coalesce(max(rev), 0) from permit_limits),
	(select coalesce(max(rev), 0) from reports), (select coalesce(max(rev), 0) from stations))`

// lockRecordWriters serialises the transactions that write the record
// tables, for the rest of tx: rev values are taken inside the lock, so the
// versions commit in rev order and a follower never later meets a change
// below its high-water mark.
func lockRecordWriters(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(hashtext('envtrace dataset writers'))`); err != nil {
		return fmt.Errorf("record writers lock: %w", err)
	}
	return nil
}

// RecordsHighWater returns the largest rev of the stored records (0 for
// none). A replica reads it before LoadDataset and follows from it: a
// change committed in between is loaded and then applied again, which
// changes nothing, because applying upserts by key.
func RecordsHighWater(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var hw int64
	if err := pool.QueryRow(ctx, recordsHighWaterSQL).Scan(&hw); err != nil {
		return 0, wrap("records high-water mark", err)
	}
	return hw, nil
}

// txStarter is what a follower's connection offers to read in one
// snapshot: a *pgx.Conn or a *pgxpool.Conn.
type txStarter interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// sinceMark reads, in one read-only repeatable-read snapshot, a
// follower's high-water mark (markSQL) and, when it lies above after, the
// rows numbered in (after, mark] (read, given the mark). One snapshot, so
// the rows and the mark agree and a write committed while it reads is met
// whole or not at all, even by a read that the mark does not bound (the
// emission factors). It returns the mark, after when nothing is new.
func sinceMark(ctx context.Context, q querier, markSQL string, after int64, read func(tx pgx.Tx, high int64) error) (int64, error) {
	ts, ok := q.(txStarter)
	if !ok {
		return after, fmt.Errorf("follower: %T cannot start a transaction", q)
	}
	high := after
	err := pgx.BeginTxFunc(ctx, ts, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, markSQL).Scan(&high); err != nil || high <= after {
			return err
		}
		return read(tx, high)
	})
	if err != nil || high <= after {
		return after, err
	}
	return high, nil
}

// recordsBetween reads (sinceMark) the records whose current version has
// rev above after, each kind in rev order, with how many there were and
// the mark they reach.
func recordsBetween(ctx context.Context, q querier, after int64) (*model.Dataset, int, int64, error) {
	ds := &model.Dataset{}
	high, err := sinceMark(ctx, q, recordsHighWaterSQL, after, func(tx pgx.Tx, high int64) error {
		return loadRecords(ctx, tx, ds, "where rev > $1 and rev <= $2", "rev", after, high)
	})
	if err != nil {
		return nil, 0, after, err
	}
	n := len(ds.Facilities) + len(ds.Outfalls) + len(ds.Permits) + len(ds.Limits) + len(ds.Reports) + len(ds.Stations)
	return ds, n, high, nil
}

// NewRecordsFollower follows the facilities, outfalls, permits, limits,
// reports and stations from high-water mark after (RecordsHighWater, read
// before the replica loaded its data). On every notification (and every
// Poll) it reads the records stored or changed above the mark and hands
// them to apply as one Dataset holding only those (their current
// versions; the rest of the Dataset empty). One import's records arrive
// together, since they commit together, so a replica replaces a facility
// with its outfalls, permits and limits at once. There is no batch bound:
// the replica holds every record in memory anyway.
func NewRecordsFollower(pool *pgxpool.Pool, after int64, apply func(ctx context.Context, changed *model.Dataset) error) *Follower {
	f := &Follower{Pool: pool}
	f.feed = feed{channel: RecordsChannel, next: func(ctx context.Context, q querier, after int64) (int, int64, error) {
		ds, n, high, err := recordsBetween(ctx, q, after)
		if err != nil || n == 0 {
			return 0, after, err
		}
		if err := apply(ctx, ds); err != nil {
			return 0, after, &applyError{err: fmt.Errorf("apply records up to rev %d: %w", high, err)}
		}
		return n, high, nil
	}}
	f.high.Store(after)
	return f
}
