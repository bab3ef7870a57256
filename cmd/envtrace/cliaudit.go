package main

import (
	"context"
	"fmt"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/store"
	"github.com/jackc/pgx/v5/pgxpool"
)

// cliAudit is the audit trail a staff command writes to, with the
// database it opened and the name the command acts under: commands that
// change or disclose records are audited as their REST twins are.
type cliAudit struct {
	pool  *pgxpool.Pool
	audit *store.AuditRecorder
	actor string
	close func()
}

// openCLIAudit opens the database and the audit trail for the commands
// named by what; the audit key is required, as it is for a server with
// authentication.
func (e *env) openCLIAudit(ctx context.Context, what string) (*cliAudit, error) {
	key, err := audit.LoadKey(e.cfg.Audit.Key, e.cfg.Audit.KeyFile)
	if err != nil {
		return nil, usageErr("%s are audited and need the audit trail's key (ENVTRACE_AUDIT_KEY or --audit-key-file): %v", what, err)
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return nil, err
	}
	rec := store.NewAuditRecorder(pool, key, store.AuditOptions{})
	who := "unknown"
	if u, ok := e.lookup("USER"); ok && u != "" {
		who = u
	}
	return &cliAudit{pool: pool, audit: rec, actor: "cli:" + who,
		close: func() { rec.Close(); pool.Close() }}, nil
}

// by is the name the command's changes are recorded under.
func (s *cliAudit) by() string { return access.UserName(access.Principal{Subject: s.actor}) }

// record audits one command as the REST request it twins (method and
// path), allowed, with the digests of its arguments and its output.
func (s *cliAudit) record(ctx context.Context, action access.Action, method, path string, req, res []byte) error {
	e := audit.Entry{Actor: s.actor, Role: string(access.Admin), Action: string(action), Resource: method + " " + path,
		RequestID: "cli", ClientAddr: "local", Time: time.Now().UTC(), Allowed: true,
		RequestDigest: audit.Digest(req), ResultDigest: audit.Digest(res)}
	if err := s.audit.Record(ctx, e); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
