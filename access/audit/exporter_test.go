package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/envtrace/envtrace/access/audit"
)

// TestExporterWritesFileAndWebhook exports heads as the chain grows: each
// new head once, to the file and the webhook, and a failing webhook is an
// error the next tick retries.
func TestExporterWritesFileAndWebhook(t *testing.T) {
	rows := chain(5)
	var mu sync.Mutex
	var posted []audit.Checkpoint
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var c audit.Checkpoint
		if err := json.Unmarshal(b, &c); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		posted = append(posted, c)
	}))
	defer srv.Close()
	head := 0
	x := &audit.Exporter{File: filepath.Join(t.TempDir(), "cp.jsonl"), URL: srv.URL,
		Head: func(context.Context) (audit.Checkpoint, error) {
			if head == 0 {
				return audit.Checkpoint{}, nil
			}
			r := rows[head-1]
			return audit.Checkpoint{Seq: r.Seq, MAC: r.MAC, Time: r.Time}, nil
		}}
	ctx := context.Background()
	steps := []struct {
		head     int
		fail     bool
		exported bool
		errPart  string
	}{
		{head: 0},                 // empty log: nothing to export
		{head: 2, exported: true}, // first head
		{head: 2},                 // unchanged: not exported again
		{head: 4, fail: true, errPart: "502"},
		{head: 4, exported: true}, // retried at the next tick
	}
	for i, s := range steps {
		head, fail = s.head, s.fail
		_, done, err := x.ExportOnce(ctx)
		if done != s.exported || (s.errPart == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), s.errPart) {
			t.Fatalf("step %d: exported %v, %v", i, done, err)
		}
	}
	cps, err := audit.ReadCheckpoints(x.File)
	if err != nil {
		t.Fatal(err)
	}
	// The failed step wrote the file before the webhook failed.
	if len(cps) != 3 || cps[0].Seq != 2 || cps[2].Seq != 4 || !bytes.Equal(cps[2].MAC, rows[3].MAC) {
		t.Fatalf("checkpoint file %+v", cps)
	}
	if len(posted) != 2 || posted[1].Seq != 4 || !bytes.Equal(posted[1].MAC, rows[3].MAC) {
		t.Fatalf("webhook received %+v", posted)
	}
	var none audit.Exporter
	if _, _, err := none.ExportOnce(ctx); err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("an exporter without a destination: %v", err)
	}
}
