package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/access/audit"
)

// auditLockKey serialises appends to audit_log across processes ("envaudit"
// in ASCII): each commit numbers its rows after the last committed one.
const auditLockKey int64 = 0x656e766175646974

// AuditOptions tunes the group commit of an AuditRecorder.
type AuditOptions struct {
	// Window is how long the first record of a group waits for others
	// before the group commits (default 2 ms).
	Window time.Duration
	// MaxBatch ends a group early at this many records (default 512).
	MaxBatch int
	// CommitTimeout bounds one group's transaction (default 10 s).
	CommitTimeout time.Duration
}

func (o AuditOptions) withDefaults() AuditOptions {
	if o.Window <= 0 {
		o.Window = 2 * time.Millisecond
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 512
	}
	if o.CommitTimeout <= 0 {
		o.CommitTimeout = 10 * time.Second
	}
	return o
}

// ErrAuditClosed is returned by Record after Close.
var ErrAuditClosed = errors.New("store: audit recorder is closed")

// AuditRecorder is the PostGIS audit.Recorder. Records arriving within a
// few milliseconds of each other are appended in one transaction (group
// commit), and each Record call returns once its own record has committed,
// so throughput grows with concurrency while every answered request is
// audited. Rows are numbered inside the transaction, under an advisory
// lock, so the sequence is gapless even when a commit fails or several
// processes share the database.
type AuditRecorder struct {
	pool    *pgxpool.Pool
	key     []byte
	opt     AuditOptions
	reqs    chan auditReq
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
	commits atomic.Int64
}

type auditReq struct {
	e    audit.Entry
	done chan error
}

// NewAuditRecorder starts a recorder appending to audit_log under key. Call
// Close to commit what is pending and stop it.
func NewAuditRecorder(pool *pgxpool.Pool, key []byte, opt AuditOptions) *AuditRecorder {
	r := &AuditRecorder{pool: pool, key: key, opt: opt.withDefaults(),
		reqs: make(chan auditReq), quit: make(chan struct{}), stopped: make(chan struct{})}
	go r.loop()
	return r
}

// Record appends e (dated now when e.Time is zero) and waits for its
// commit. When ctx ends first the record may still commit; the error says
// so.
func (r *AuditRecorder) Record(ctx context.Context, e audit.Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	req := auditReq{e: audit.Normalize(e), done: make(chan error, 1)}
	select {
	case r.reqs <- req:
	case <-r.quit:
		return ErrAuditClosed
	case <-ctx.Done():
		return fmt.Errorf("store: audit record not queued: %w", ctx.Err())
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("store: audit record queued, commit not awaited: %w", ctx.Err())
	}
}

// Commits is how many group commits the recorder has made: with
// concurrent callers, fewer than the records.
func (r *AuditRecorder) Commits() int64 { return r.commits.Load() }

// Close commits the records already handed over and stops the recorder.
func (r *AuditRecorder) Close() {
	r.once.Do(func() { close(r.quit) })
	<-r.stopped
}

func (r *AuditRecorder) loop() {
	defer close(r.stopped)
	for {
		select {
		case first := <-r.reqs:
			r.flush(r.gather(first))
		case <-r.quit:
			return
		}
	}
}

// gather collects the group that first opens: until the window closes or
// the group is full.
func (r *AuditRecorder) gather(first auditReq) []auditReq {
	batch := []auditReq{first}
	t := time.NewTimer(r.opt.Window)
	defer t.Stop()
	for len(batch) < r.opt.MaxBatch {
		select {
		case q := <-r.reqs:
			batch = append(batch, q)
		case <-t.C:
			return batch
		case <-r.quit:
			return batch
		}
	}
	return batch
}

func (r *AuditRecorder) flush(batch []auditReq) {
	ctx, cancel := context.WithTimeout(context.Background(), r.opt.CommitTimeout)
	defer cancel()
	entries := make([]audit.Entry, len(batch))
	for i, q := range batch {
		entries[i] = q.e
	}
	err := appendAudit(ctx, r.pool, r.key, entries)
	if err == nil {
		r.commits.Add(1)
	}
	for _, q := range batch {
		q.done <- err
	}
}

// auditColumns are audit_log's columns in insert order.
var auditColumns = []string{"seq", "actor", "role", "action", "resource", "request_id", "client_addr", "at", "allowed", "request_digest", "result_digest", "hmac"}

// appendAudit appends entries in one transaction, chaining them after the
// last committed row.
func appendAudit(ctx context.Context, pool *pgxpool.Pool, key []byte, entries []audit.Entry) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select pg_advisory_xact_lock($1)", auditLockKey); err != nil {
			return fmt.Errorf("store: audit: lock: %w", err)
		}
		head, err := auditHead(ctx, tx)
		if err != nil {
			return err
		}
		seq, prev := head.Seq, head.MAC
		rows := make([][]any, len(entries))
		for i, e := range entries {
			seq++
			mac := audit.MAC(key, seq, e, prev)
			rows[i] = []any{seq, e.Actor, e.Role, e.Action, e.Resource, e.RequestID, e.ClientAddr, e.Time, e.Allowed, e.RequestDigest, e.ResultDigest, mac}
			prev = mac
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, auditColumns, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("store: audit: append %d records: %w", len(rows), err)
		}
		return nil
	})
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// auditHead is the last committed row's sequence number and MAC (zero and
// nil for an empty log).
func auditHead(ctx context.Context, db queryRower) (audit.Checkpoint, error) {
	var c audit.Checkpoint
	err := db.QueryRow(ctx, "select seq, hmac, at from audit_log order by seq desc limit 1").Scan(&c.Seq, &c.MAC, &c.Time)
	if errors.Is(err, pgx.ErrNoRows) {
		return audit.Checkpoint{}, nil
	}
	if err != nil {
		return audit.Checkpoint{}, fmt.Errorf("store: audit head: %w", err)
	}
	c.Time = c.Time.UTC()
	return c, nil
}

// AuditHead is the checkpoint of the log as committed now: what the
// checkpoint exporter writes outside the database.
func AuditHead(ctx context.Context, pool *pgxpool.Pool) (audit.Checkpoint, error) {
	return auditHead(ctx, pool)
}

// VerifyAudit recomputes the whole chain under key, in sequence order,
// against checkpoints, and returns the number of rows found intact; an
// *audit.BreakError names the first bad row. It reads in one repeatable-
// read snapshot with the bulk statement timeout, since a national log takes
// minutes. progress, when set, is called every 100,000 rows.
func VerifyAudit(ctx context.Context, pool *pgxpool.Pool, key []byte, checkpoints []audit.Checkpoint, progress func(rows int64)) (int64, error) {
	var n int64
	var broken error
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := setBulkTimeout(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "select "+auditSelect+" from audit_log order by seq")
		if err != nil {
			return err
		}
		defer rows.Close()
		v := audit.NewVerifier(key, checkpoints)
		var seen int64
		for rows.Next() {
			row, err := scanAuditRow(rows)
			if err != nil {
				return err
			}
			if err := v.Add(row); err != nil {
				n, broken = v.Head().Seq, err
				return nil
			}
			if seen++; progress != nil && seen%100_000 == 0 {
				progress(seen)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		n, broken = v.Done()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: audit verify: %w", err)
	}
	return n, broken
}

const auditSelect = "seq, actor, role, action, resource, request_id, client_addr, at, allowed, request_digest, result_digest, hmac"

func scanAuditRow(rows pgx.Rows) (audit.Row, error) {
	var r audit.Row
	if err := rows.Scan(&r.Seq, &r.Actor, &r.Role, &r.Action, &r.Resource, &r.RequestID, &r.ClientAddr, &r.Time, &r.Allowed, &r.RequestDigest, &r.ResultDigest, &r.MAC); err != nil {
		return r, fmt.Errorf("store: audit row: %w", err)
	}
	r.Time = r.Time.UTC()
	return r, nil
}

// QueryAudit returns the rows matching f in sequence order, one page at a
// time (f.AfterSeq and f.PageSize()): the administrators' view of the log.
func QueryAudit(ctx context.Context, pool *pgxpool.Pool, f audit.Filter) ([]audit.Record, error) {
	sql := "select " + auditSelect + " from audit_log where seq > $1"
	args := []any{f.AfterSeq}
	add := func(cond string, v any) {
		args = append(args, v)
		sql += fmt.Sprintf(" and %s $%d", cond, len(args))
	}
	for _, c := range []struct{ col, v string }{{"actor", f.Actor}, {"role", f.Role}, {"action", f.Action}, {"resource", f.Resource}} {
		if c.v != "" {
			add(c.col+" =", c.v)
		}
	}
	if !f.From.IsZero() {
		add("at >=", f.From)
	}
	if !f.To.IsZero() {
		add("at <", f.To)
	}
	if f.Allowed != nil {
		add("allowed =", *f.Allowed)
	}
	args = append(args, f.PageSize())
	sql += fmt.Sprintf(" order by seq limit $%d", len(args))
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit query: %w", err)
	}
	defer rows.Close()
	out := []audit.Record{}
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, audit.Record{Seq: r.Seq, Actor: r.Actor, Role: r.Role, Action: r.Action, Resource: r.Resource,
			RequestID: r.RequestID, ClientAddr: r.ClientAddr, Time: r.Time, Allowed: r.Allowed,
			RequestDigest: hex.EncodeToString(r.RequestDigest), ResultDigest: hex.EncodeToString(r.ResultDigest), MAC: hex.EncodeToString(r.MAC)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit query: %w", err)
	}
	return out, nil
}

// AuditLogReader is QueryAudit as a value: the api.AuditQuerier behind
// GET /api/v1/audit and `envtrace audit query`.
type AuditLogReader struct{ Pool *pgxpool.Pool }

// QueryAudit implements api.AuditQuerier.
func (r AuditLogReader) QueryAudit(ctx context.Context, f audit.Filter) ([]audit.Record, error) {
	return QueryAudit(ctx, r.Pool, f)
}
