package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// notify queues a notification on channel with payload in tx: PostgreSQL
// delivers it to the channel's listeners (every replica's follower of that
// channel) only if tx commits, and drops it on rollback. Every writer that
// announces a change to the replicas does so here, or through notifyMark,
// but Tokens.Revoke (one statement) and the deletion triggers of
// migration 0020 (in SQL).
func notify(ctx context.Context, tx pgx.Tx, channel, payload string) error {
	if _, err := tx.Exec(ctx, `select pg_notify($1, $2)`, channel, payload); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// notifyMark is notify with the writer's new high-water mark as payload:
// the value of markSQL, a query of one number, read in tx, so a follower
// already at that mark skips the catch-up.
func notifyMark(ctx context.Context, tx pgx.Tx, channel, markSQL string) error {
	if _, err := tx.Exec(ctx, `select pg_notify($1, (`+markSQL+`)::text)`, channel); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}
