package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/store"
)

const auditUsage = "usage: envtrace audit verify --db URL [--checkpoint FILE] | envtrace audit checkpoint --db URL [--checkpoint FILE] [--webhook URL]"

func cmdAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErr(auditUsage)
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(ctx, e, args[1:])
	case "checkpoint":
		return cmdAuditCheckpoint(ctx, e, args[1:])
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

// cmdAuditCheckpoint exports the chain's head once, for a cron job or a
// deployment without the serving process's periodic export.
func cmdAuditCheckpoint(ctx context.Context, e *env, args []string) error {
	fs := e.flags("audit checkpoint")
	e.cfg.Bind(fs, "db", "checkpoint")
	fs.StringVar(&e.cfg.Audit.CheckpointURL, "webhook", e.cfg.Audit.CheckpointURL, "also POST the checkpoint to this URL")
	if err := parse(fs, args); err != nil {
		return err
	}
	if e.cfg.Audit.CheckpointFile == "" && e.cfg.Audit.CheckpointURL == "" {
		return usageErr("give --checkpoint FILE and/or --webhook URL")
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	x := &audit.Exporter{Head: func(ctx context.Context) (audit.Checkpoint, error) { return store.AuditHead(ctx, pool) },
		File: e.cfg.Audit.CheckpointFile, URL: e.cfg.Audit.CheckpointURL}
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
