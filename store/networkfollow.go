package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// NetworkChannel is the LISTEN/NOTIFY channel on which ImportNetwork
// announces, at COMMIT, the name of a network whose stored reaches it
// changed, so that every `serve --db` replica serving that network loads
// it again without a restart.
const NetworkChannel = "envtrace_network"

// NetworkVersion is the version of a stored network: when an import last
// changed its reaches (networks.imported_at, which ImportNetwork sets
// only then), in microseconds since 1970. A replica takes it from
// Networks before it loads the network (NetworkInfo.ImportedAt) and
// follows from it: an import committed in between is loaded then, and
// loaded again later, which changes nothing.
func NetworkVersion(importedAt time.Time) int64 { return importedAt.UnixMicro() }

// NewNetworkFollower follows the stored network named network from
// version from (NetworkVersion). On every notification (and every Poll)
// it reads the network's version and, when it differs from the one held,
// calls load, which loads the network again and puts it in service. A
// failed load stops nothing: the replica keeps serving the network it
// holds, Failure reports the error (a replica's readiness probe fails on
// it) and the next notification or poll tries again. A network no longer
// stored is such a failure too.
func NewNetworkFollower(pool *pgxpool.Pool, network string, from int64, load func(ctx context.Context) error) *Follower {
	f := &Follower{Pool: pool}
	f.feed = feed{channel: NetworkChannel, next: func(ctx context.Context, q querier, after int64) (int, int64, error) {
		rows, err := q.Query(ctx, `select imported_at from networks where name = $1`, network)
		if err != nil {
			return 0, after, err
		}
		at, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[time.Time])
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			f.fail(fmt.Errorf("network %q is no longer stored", network))
			return 0, after, nil
		case err != nil:
			return 0, after, err
		}
		v := NetworkVersion(at)
		if v == after {
			return 0, after, nil
		}
		if err := load(ctx); err != nil {
			f.fail(fmt.Errorf("load network %q changed at %s: %w", network, at.UTC().Format(time.RFC3339), err))
			return 0, after, nil
		}
		f.failed.Store(nil)
		return 1, v, nil
	}}
	f.high.Store(from)
	return f
}

// fail records err as the follower's Failure and logs it.
func (f *Follower) fail(err error) {
	f.failed.Store(&err)
	f.log("follower could not apply a change; serving what it holds until the next notification or poll", "channel", f.feed.channel, "error", err)
}

// Failure is the error of the last change the follower met and could
// not apply without stopping (the network follower's load), nil when
// there is none or a later attempt succeeded: a replica that holds an old
// network answers from it, so its readiness probe fails meanwhile.
func (f *Follower) Failure() error {
	if p := f.failed.Load(); p != nil {
		return *p
	}
	return nil
}
