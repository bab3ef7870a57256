package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/tracing/model"
)

// DeletionsChannel is the LISTEN/NOTIFY channel on which the triggers of
// migration 0020 announce, at COMMIT, a statement that deleted readings or
// records (by hand: an import never deletes), so that every `serve --db`
// replica stops serving them without a restart.
const DeletionsChannel = "envtrace_deletions"

// deletionsHighWaterSQL is the rev of the last statement that deleted
// readings or records (0 for none).
const deletionsHighWaterSQL = `select coalesce(max(rev), 0) from dataset_deletions`

// DeletionsHighWater returns the rev of the last deletion of readings or
// records (0 for none). A replica reads it before LoadDataset and follows
// from it (NewDeletionsFollower): a deletion committed in between is
// loaded then, and loaded again later, which changes nothing.
func DeletionsHighWater(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var high int64
	if err := pool.QueryRow(ctx, deletionsHighWaterSQL).Scan(&high); err != nil {
		return 0, wrap("deletions high-water mark", err)
	}
	return high, nil
}

// NewDeletionsFollower follows the deletions of readings and records from
// rev after (DeletionsHighWater). On every notification (and every Poll)
// it reads the rev of the last deletion and, when it lies above the one
// held, loads the whole dataset in the same snapshot and hands it to
// apply, which replaces the replica's data as one new snapshot. The
// dataset is not indexed yet: apply indexes it (model.Dataset.Index),
// which validates it, once.
//
// While it loads and applies, it holds off the catch-ups of the followers
// in hold (the readings follower first, then the records follower: the
// order the readings follower takes the records follower's in), so that
// the dataset loaded holds every row they applied but those deleted, and
// every row stored after it reaches the replica through them (a row met
// twice is skipped, as around a reconnect).
//
// A failed load or apply stops nothing: the replica keeps serving what it
// holds, Failure reports the error (a replica's readiness probe fails on
// it) and the next notification or poll tries again.
func NewDeletionsFollower(pool *pgxpool.Pool, after int64, apply func(ctx context.Context, ds *model.Dataset) error, hold ...*Follower) *Follower {
	f := &Follower{Pool: pool}
	f.feed = feed{channel: DeletionsChannel, next: func(ctx context.Context, q querier, after int64) (int, int64, error) {
		for _, h := range hold {
			h.catching.Lock()
			defer h.catching.Unlock()
		}
		var ds *model.Dataset
		high, err := sinceMark(ctx, q, deletionsHighWaterSQL, after, func(tx pgx.Tx, _ int64) error {
			var err error
			ds, err = loadDataset(ctx, tx)
			return err
		})
		if err == nil && high > after {
			err = apply(ctx, ds)
		}
		if err != nil && ctx.Err() != nil {
			return 0, after, ctx.Err()
		}
		if err != nil {
			f.fail(fmt.Errorf("reload the dataset after rows were deleted: %w", err))
			return 0, after, nil
		}
		if high <= after {
			return 0, after, nil
		}
		f.failed.Store(nil)
		return 1, high, nil
	}}
	f.high.Store(after)
	return f
}
