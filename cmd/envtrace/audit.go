package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/store"
)

const auditUsage = `usage: envtrace audit verify --db URL [--checkpoint FILE]
       envtrace audit checkpoint --db URL [--checkpoint FILE] [--webhook URL] [--watch [--every D]]
       envtrace audit query --db URL [--actor A] [--role R] [--action A] [--resource R] [--from T] [--to T]
                            [--allowed true|false] [--after SEQ] [--limit N]`

func cmdAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErr(auditUsage)
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(ctx, e, args[1:])
	case "checkpoint":
		return cmdAuditCheckpoint(ctx, e, args[1:])
	case "query":
		return cmdAuditQuery(ctx, e, args[1:])
	}
	return usageErr(auditUsage)
}

// auditKey is the configured audit key (flags > env > file).
func (e *env) auditKey() ([]byte, error) {
	return audit.LoadKey(e.cfg.Audit.Key, e.cfg.Audit.KeyFile)
}

// cmdAuditVerify recomputes the chain; exit 1 names the first bad row.
func cmdAuditVerify(ctx context.Context, e *env, args []string) error {
	fs := e.flags("audit verify")
	e.cfg.Bind(fs, "db", "audit-key-file", "checkpoint")
	if err := parse(fs, args); err != nil {
		return err
	}
	key, err := e.auditKey()
	if err != nil {
		return usageErr("%v", err)
	}
	var cps []audit.Checkpoint
	if e.cfg.Audit.CheckpointFile != "" {
		if cps, err = audit.ReadCheckpoints(e.cfg.Audit.CheckpointFile); err != nil {
			return err
		}
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := store.VerifyAudit(ctx, pool, key, cps, func(rows int64) {
		fmt.Fprintf(e.stderr, "audit verify: %d rows intact so far\n", rows)
	})
	var be *audit.BreakError
	if errors.As(err, &be) {
		return fmt.Errorf("audit_log is NOT intact: first bad row %d: %s (%d rows verified before it)", be.Seq, be.Reason, n)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit_log intact: %d rows, checked against %d checkpoints\n", n, len(cps))
	return nil
}

// cmdAuditCheckpoint exports the chain's head once (for cron), or with
// --watch every --every until interrupted (a sidecar beside the servers).
func cmdAuditCheckpoint(ctx context.Context, e *env, args []string) error {
	fs := e.flags("audit checkpoint")
	e.cfg.Bind(fs, "db", "checkpoint")
	fs.StringVar(&e.cfg.Audit.CheckpointURL, "webhook", e.cfg.Audit.CheckpointURL, "also POST the checkpoint to this URL")
	fs.DurationVar(&e.cfg.Audit.CheckpointEvery.Duration, "every", e.cfg.Audit.CheckpointEvery.Duration, "period of --watch")
	watch := fs.Bool("watch", false, "export every --every until interrupted (a sidecar beside the servers) instead of once")
	if err := parse(fs, args); err != nil {
		return err
	}
	if e.cfg.Audit.CheckpointFile == "" && e.cfg.Audit.CheckpointURL == "" {
		return usageErr("give --checkpoint FILE and/or --webhook URL")
	}
	every := e.cfg.Audit.CheckpointEvery.Duration
	if every <= 0 {
		return usageErr("--every must be positive")
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	x := &audit.Exporter{Head: func(ctx context.Context) (audit.Checkpoint, error) { return store.AuditHead(ctx, pool) },
		File: e.cfg.Audit.CheckpointFile, URL: e.cfg.Audit.CheckpointURL, Every: every}
	if *watch {
		fmt.Fprintf(e.stderr, "audit checkpoint: exporting every %s until interrupted\n", every)
		x.Run(ctx, func(err error) { fmt.Fprintf(e.stderr, "audit checkpoint: %v (retried at the next tick)\n", err) })
		return nil
	}
	head, done, err := x.ExportOnce(ctx)
	if err != nil {
		return err
	}
	if !done {
		fmt.Fprintln(e.stdout, "audit_log is empty: no checkpoint")
		return nil
	}
	fmt.Fprintf(e.stdout, "checkpoint exported: row %d\n", head.Seq)
	return nil
}

// cmdAuditQuery prints one page of the audit log as JSON: the twin of
// GET /api/v1/audit.
func cmdAuditQuery(ctx context.Context, e *env, args []string) error {
	fs := e.flags("audit query")
	e.cfg.Bind(fs, "db")
	var f audit.Filter
	fs.StringVar(&f.Actor, "actor", "", "exact actor")
	fs.StringVar(&f.Role, "role", "", "exact role")
	fs.StringVar(&f.Action, "action", "", "exact action")
	fs.StringVar(&f.Resource, "resource", "", "exact resource")
	from := fs.String("from", "", "records at or after this time (RFC 3339)")
	to := fs.String("to", "", "records before this time (RFC 3339)")
	allowed := fs.String("allowed", "", "true: allowed only; false: denied only")
	fs.Int64Var(&f.AfterSeq, "after", 0, "records after this sequence number")
	fs.IntVar(&f.Limit, "limit", audit.DefaultLimit, "page size (1-1000)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := auditQueryFlags(&f, *from, *to, *allowed); err != nil {
		return err
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	recs, err := store.AuditLogReader{Pool: pool}.QueryAudit(ctx, f)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(audit.NewPage(f, recs))
}

// auditQueryFlags checks and applies the flags that need parsing.
func auditQueryFlags(f *audit.Filter, from, to, allowed string) error {
	for _, t := range []struct {
		name, v string
		dst     *time.Time
	}{{"from", from, &f.From}, {"to", to, &f.To}} {
		if t.v == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return usageErr("--%s %q: want RFC 3339 with a zone, e.g. 2026-12-06T08:00:00+08:00", t.name, t.v)
		}
		*t.dst = v
	}
	if allowed != "" {
		b, err := strconv.ParseBool(allowed)
		if err != nil {
			return usageErr("--allowed %q: want true or false", allowed)
		}
		f.Allowed = &b
	}
	if f.Limit < 1 || f.Limit > audit.MaxLimit || f.AfterSeq < 0 {
		return usageErr("--limit must be 1-%d and --after at least 0", audit.MaxLimit)
	}
	return nil
}
