package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/tracing/model"
)

// ReadingsChannel is the LISTEN/NOTIFY channel on which every write of
// readings (IngestReadings, ImportDataset) announces, at COMMIT, the
// largest seq stored so far, so that every `serve --db` replica applies the
// new readings within a second instead of drifting apart.
const ReadingsChannel = "envtrace_readings"

// lockReadingWriters serialises the transactions that add readings, for
// the rest of tx: seq values are taken inside the lock, so readings
// commit in seq order and a follower that has applied everything up to
// seq N never later meets a reading below N (no gap to miss).
func lockReadingWriters(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(hashtext('envtrace readings writers'))`); err != nil {
		return fmt.Errorf("readings writer lock: %w", err)
	}
	return nil
}

// readingsSeqSQL is the largest seq of the stored readings (0 for none):
// the payload of ReadingsChannel's notifications after an ingest.
const readingsSeqSQL = `select coalesce(max(seq), 0) from readings`

// importNotice is the payload of the notification an import sends on
// ReadingsChannel when it added readings or changed stored values
// (corrected_rev): not a seq, so every follower catches up, whatever its
// mark.
const importNotice = "import"

// ReadingsMark is how far a replica holds the readings: every reading up
// to Seq, and every value corrected by an import up to Corrected
// (corrected_rev, migration 0018).
type ReadingsMark struct {
	Seq, Corrected int64
}

// ReadingsHighWater returns the largest seq and corrected_rev of the
// stored readings (0 for none). A replica reads it before LoadDataset and
// follows from it: what arrives in between is loaded and then met again,
// and skipped as already held (a correction met again changes nothing).
func ReadingsHighWater(ctx context.Context, pool *pgxpool.Pool) (ReadingsMark, error) {
	var m ReadingsMark
	if err := pool.QueryRow(ctx, `select (`+readingsSeqSQL+`),
		(select coalesce(max(corrected_rev), 0) from readings where corrected_rev is not null)`).Scan(&m.Seq, &m.Corrected); err != nil {
		return ReadingsMark{}, wrap("readings high-water mark", err)
	}
	return m, nil
}

// readingColumns are the columns scanReading reads, in its order.
const readingColumns = `station_id, time, utc_offset, parameter, value, unit, censored, flow, flow_unit, note, sample_id, method, lab, accreditation, qa_flag`

// scanReading reads one row of readingColumns, showing the time in the
// zone offset it was written with.
func scanReading(r pgx.Rows, x *model.Reading, extra ...any) error {
	var off int32
	s := &x.Sample
	dest := append([]any{&x.Station, &x.Time, &off, &x.Parameter, &x.Value, &x.Unit, &x.Censored, &x.Flow, &x.FlowUnit, &x.Note,
		&s.ID, &s.Method, &s.Lab, &s.Accreditation, &s.QA}, extra...)
	if err := r.Scan(dest...); err != nil {
		return err
	}
	x.Time = inOffset(x.Time, int(off))
	return nil
}

// readingsSince returns up to limit readings whose order column (seq for
// new readings, corrected_rev for values an import changed) is above
// after, in that order, and the column's value on the last one (after
// when there are none). The column is one of those two constants, never
// input.
func readingsSince(ctx context.Context, q querier, column string, after int64, limit int) ([]model.Reading, int64, error) {
	rows, err := q.Query(ctx, `select `+readingColumns+`, `+column+` from readings
		where `+column+` > $1 order by `+column+` limit $2`, after, limit)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var out []model.Reading
	last := after
	for rows.Next() {
		var x model.Reading
		if err := scanReading(rows, &x, &last); err != nil {
			return nil, after, err
		}
		out = append(out, x)
	}
	return out, last, rows.Err()
}

// FollowBatch bounds the readings a follower reads and applies at once,
// so that catching up after a long disconnection does not hold a month of
// readings in one slice.
const FollowBatch = 20_000

// Follower keeps a replica's in-memory readings (NewFollower), records
// (NewRecordsFollower), petitions (NewPetitionFollower), air permits,
// declarations and CEMS records (NewAirPermitFollower), farmland layers
// (NewFarmlandFollower), network (NewNetworkFollower) or the rows deleted
// by hand (NewDeletionsFollower) in step with the database: it LISTENs on the feed's channel on a connection of its own
// and, on every notification
// (and every Poll without one, in case a notification was lost), reads the
// rows above its high-water mark in seq order and hands them to the
// replica. When the connection is lost it reconnects with backoff and
// catches up from the high-water mark, so nothing committed meanwhile is
// missed.
type Follower struct {
	// Pool gives the connection settings; the follower opens its own
	// connection, because LISTEN holds one for as long as it runs.
	Pool *pgxpool.Pool
	// Apply adds readings to the replica; it must skip those it holds
	// already (a batch can be met twice around a reconnect). An error
	// stops the follower, because skipping readings would make the replica
	// silently disagree.
	Apply func(ctx context.Context, rs []model.Reading) error
	// Poll is how long to wait for a notification before catching up
	// anyway; 0 means 30 s.
	Poll time.Duration
	// Retry is the first wait before reconnecting; it doubles up to 10 s.
	// 0 means 100 ms.
	Retry time.Duration
	// Log reports connection losses and reconnects; nil discards them.
	Log func(msg string, args ...any)

	feed      feed
	high      atomic.Int64
	connected atomic.Bool
	// failed is Failure's error, nil for none.
	failed atomic.Pointer[error]
	// catching serialises catch-ups: the follower's own, and CatchUp's.
	catching sync.Mutex
	// moved, when not nil, is closed the next time high moves (WaitFor).
	mu    sync.Mutex
	moved chan struct{}
}

// feed is what a Follower follows: the channel its writers notify, and
// next, which reads the rows with seq above after (at most FollowBatch),
// applies them and returns how many there were and the seq of the last;
// with an error, a count above 0 says those rows were applied.
type feed struct {
	channel string
	next    func(ctx context.Context, q querier, after int64) (int, int64, error)
}

// NewFollower follows the readings from mark from (ReadingsHighWater,
// read before the replica loaded its data): apply receives new readings in
// seq order and correct, after each batch of them, the new values of
// readings an import changed (which keep their seq). correct must skip
// readings the replica does not hold: such a reading lies beyond the batch
// just applied, and a later batch brings it with its current value.
func NewFollower(pool *pgxpool.Pool, from ReadingsMark, apply, correct func(ctx context.Context, rs []model.Reading) error) *Follower {
	f := &Follower{Pool: pool, Apply: apply}
	corrected := from.Corrected // guarded by f.catching
	f.feed = feed{channel: ReadingsChannel, next: func(ctx context.Context, q querier, after int64) (int, int64, error) {
		rs, last, err := readingsSince(ctx, q, "seq", after, FollowBatch)
		if err != nil {
			return 0, after, err
		}
		if len(rs) > 0 {
			if err := f.Apply(ctx, rs); err != nil {
				return 0, after, &applyError{err: fmt.Errorf("apply readings up to seq %d: %w", last, err)}
			}
		}
		for {
			cs, c, err := readingsSince(ctx, q, "corrected_rev", corrected, FollowBatch)
			if err != nil || len(cs) == 0 {
				return len(rs), last, err
			}
			if err := correct(ctx, cs); err != nil {
				return 0, after, &applyError{err: fmt.Errorf("apply corrected readings up to %d: %w", c, err)}
			}
			corrected = c
		}
	}}
	f.high.Store(from.Seq)
	return f
}

// HighWater is the seq of the last row applied.
func (f *Follower) HighWater() int64 { return f.high.Load() }

// WaitFor waits until the follower has applied the row numbered seq, or
// ctx ends: a replica that wrote rows answers its writer once it holds
// them, so the writer reads what it wrote.
func (f *Follower) WaitFor(ctx context.Context, seq int64) error {
	for {
		f.mu.Lock()
		if f.high.Load() >= seq {
			f.mu.Unlock()
			return nil
		}
		if f.moved == nil {
			f.moved = make(chan struct{})
		}
		moved := f.moved
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-moved:
		}
	}
}

// advance records seq as applied and wakes WaitFor.
func (f *Follower) advance(seq int64) {
	f.mu.Lock()
	f.high.Store(seq)
	if f.moved != nil {
		close(f.moved)
		f.moved = nil
	}
	f.mu.Unlock()
}

// Connected says the follower is listening and caught up with the
// database as of its last notification: a replica not connected may
// serve stale readings, so its readiness probe fails.
func (f *Follower) Connected() bool { return f.connected.Load() }

// FollowerApplicationName tells the follower's connection apart in
// pg_stat_activity.
const FollowerApplicationName = "envtrace-follower"

// Run follows until ctx ends (returning ctx's error) or Apply fails.
func (f *Follower) Run(ctx context.Context) error {
	backoff := f.Retry
	if backoff <= 0 {
		backoff = 100 * time.Millisecond
	}
	for {
		err := f.session(ctx)
		f.connected.Store(false)
		var apply *applyError
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.As(err, &apply):
			return apply.err
		}
		f.log("follower lost its connection; reconnecting", "channel", f.feed.channel, "error", err, "retry_in", backoff, "high_water", f.HighWater())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = max(backoff, min(2*backoff, 10*time.Second))
	}
}

// applyError marks a failure of Apply, which ends Run.
type applyError struct{ err error }

func (e *applyError) Error() string { return e.err.Error() }

// session connects, listens, catches up and then waits for notifications
// until the connection fails.
func (f *Follower) session(ctx context.Context) error {
	cfg := f.Pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = FollowerApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{f.feed.channel}.Sanitize()); err != nil {
		return err
	}
	// Listening before catching up: a batch committed in between is both
	// read now and announced, and the announcement finds nothing new.
	if err := f.catchUp(ctx, conn); err != nil {
		return err
	}
	f.connected.Store(true)
	poll := f.Poll
	if poll <= 0 {
		poll = 30 * time.Second
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, poll)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			return err
		case err == nil:
			if hw, perr := strconv.ParseInt(n.Payload, 10, 64); perr == nil && hw <= f.HighWater() {
				continue
			}
		}
		if err := f.catchUp(ctx, conn); err != nil {
			return err
		}
	}
}

// CatchUp applies now, on a connection from Pool, every row stored above
// the high-water mark, without waiting for the notification: a replica
// whose readings name a station it has not met yet catches up with the
// records first (NewRecordsFollower).
func (f *Follower) CatchUp(ctx context.Context) error {
	conn, err := f.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if err := f.catchUp(ctx, conn); err != nil {
		var apply *applyError
		if errors.As(err, &apply) {
			return apply.err
		}
		return err
	}
	return nil
}

// catchUp applies every row above the high-water mark, in batches.
func (f *Follower) catchUp(ctx context.Context, conn querier) error {
	f.catching.Lock()
	defer f.catching.Unlock()
	for {
		n, last, err := f.feed.next(ctx, conn, f.HighWater())
		if n > 0 {
			// Applied, even when a later step failed (the readings'
			// corrections): a reconnect starts after them.
			f.advance(last)
		}
		if err != nil || n == 0 {
			return err
		}
		if n < FollowBatch {
			return nil
		}
	}
}

func (f *Follower) log(msg string, args ...any) {
	if f.Log != nil {
		f.Log(msg, args...)
	}
}
