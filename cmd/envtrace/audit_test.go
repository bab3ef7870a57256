package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
)

// TestAuditVerifyCommand records a few entries, exports a checkpoint, and
// checks the exit status and message of audit verify before and after an
// edit and a truncation.
func TestAuditVerifyCommand(t *testing.T) {
	url := storetest.DatabaseURL(t)
	ctx := context.Background()
	if code, out, errs := runCmd(t, "db", "migrate", "--db", url); code != 0 {
		t.Fatalf("migrate: exit %d %s %s", code, out, errs)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "audit.key")
	key := bytes.Repeat([]byte{0x42}, 32)
	if err := os.WriteFile(keyFile, fmt.Appendf(nil, "%x\n", key), 0o600); err != nil {
		t.Fatal(err)
	}
	pool, err := postgis.Open(ctx, url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rec := store.NewAuditRecorder(pool, key, store.AuditOptions{})
	for i := range 6 {
		if err := rec.Record(ctx, audit.Entry{Actor: "admin-1", Role: "admin", Action: "case.view", Resource: fmt.Sprintf("/api/v1/cases/%d", i), Time: time.Now(), Allowed: true}); err != nil {
			t.Fatal(err)
		}
	}
	rec.Close()
	cp := filepath.Join(dir, "checkpoints.jsonl")
	if code, out, errs := runCmd(t, "audit", "checkpoint", "--db", url, "--checkpoint", cp); code != 0 || !strings.Contains(out, "row 6") {
		t.Fatalf("checkpoint: exit %d %s %s", code, out, errs)
	}
	// The twin of GET /api/v1/audit.
	if code, out, errs := runCmd(t, "audit", "query", "--db", url, "--limit", "4", "--actor", "admin-1"); code != 0 ||
		strings.Count(out, `"seq"`) != 4 || !strings.Contains(out, `"next_after": 4`) {
		t.Fatalf("query: exit %d %s %s", code, out, errs)
	}
	if code, _, errs := runCmd(t, "audit", "query", "--db", url, "--allowed", "maybe"); code != 2 || !strings.Contains(errs, "--allowed") {
		t.Fatalf("query with a bad flag: exit %d %s", code, errs)
	}
	// --watch exports until interrupted; the head did not move, so once.
	wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	var wout, werr bytes.Buffer
	code := run(wctx, []string{"audit", "checkpoint", "--db", url, "--checkpoint", cp, "--watch", "--every", "50ms"}, &wout, &werr)
	cancel()
	if cps, err := audit.ReadCheckpoints(cp); code != 0 || err != nil || len(cps) != 2 || cps[1].Seq != 6 {
		t.Fatalf("watch: exit %d %s; checkpoints %+v, %v", code, werr.String(), cps, err)
	}
	verify := func() (int, string, string) {
		return runCmd(t, "audit", "verify", "--db", url, "--audit-key-file", keyFile, "--checkpoint", cp)
	}
	if code, out, errs := verify(); code != 0 || !strings.Contains(out, "intact: 6 rows") {
		t.Fatalf("verify intact: exit %d %s %s", code, out, errs)
	}
	steps := []struct{ name, sql, want string }{
		{"edited row", "update audit_log set resource = '/api/v1/cases/99' where seq = 3", "first bad row 3"},
		{"edit undone, tail truncated", "update audit_log set resource = '/api/v1/cases/2' where seq = 3; delete from audit_log where seq > 4", "first bad row 5"},
	}
	for _, s := range steps {
		if s.sql != "" {
			conn, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = conn.Exec(ctx, "set session_replication_role = replica; "+s.sql+"; reset session_replication_role")
			conn.Release()
			if err != nil {
				t.Fatal(err)
			}
		}
		if code, out, errs := verify(); code != 1 || !strings.Contains(errs, s.want) {
			t.Fatalf("%s: verify exit %d, stdout %q, stderr %q; want exit 1 naming %q", s.name, code, out, errs, s.want)
		}
	}
	if code, _, errs := runCmd(t, "audit", "verify", "--db", url); code != 2 || !strings.Contains(errs, "ENVTRACE_AUDIT_KEY") {
		t.Fatalf("verify without a key: exit %d %s", code, errs)
	}
}
