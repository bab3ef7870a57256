package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeSnapshot checks the snapshot cycle of a data directory: the
// first load builds and writes a snapshot, the second reads it and gets the
// same network, and a change to the network file makes the next load
// rebuild from the changed source.
func TestServeSnapshot(t *testing.T) {
	dir, snaps := t.TempDir(), t.TempDir()
	if err := writeFixture(dir); err != nil {
		t.Fatal(err)
	}
	load := func(t *testing.T) (reaches int, stderr string) {
		t.Helper()
		var errb bytes.Buffer
		e := &env{stdout: &bytes.Buffer{}, stderr: &errb}
		e.cfg.SnapshotDir = snaps
		b, err := e.loadBasin(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		return b.Net.Len(), errb.String()
	}
	built, stderr := load(t)
	if strings.Contains(stderr, "from snapshot") {
		t.Fatalf("first load read a snapshot: %s", stderr)
	}
	files, _ := filepath.Glob(filepath.Join(snaps, "network-*.snap"))
	if len(files) != 1 {
		t.Fatalf("snapshot files %v, want one", files)
	}
	read, stderr := load(t)
	if !strings.Contains(stderr, "from snapshot") || read != built {
		t.Fatalf("second load: %d reaches (built %d), stderr %q", read, built, stderr)
	}

	// Drop the last feature of the network file: the snapshot is stale.
	net := filepath.Join(dir, "network.geojson")
	data, err := os.ReadFile(net)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndex(data, []byte(`{"type":"Feature"`))
	if i < 0 {
		t.Fatal("no feature in network.geojson")
	}
	trimmed := append(bytes.TrimRight(data[:i], ",\n "), []byte("\n]}\n")...)
	if err := os.WriteFile(net, trimmed, 0o644); err != nil {
		t.Fatal(err)
	}
	changed, stderr := load(t)
	if !strings.Contains(stderr, "rebuilding") || changed != built-1 {
		t.Fatalf("after the change: %d reaches (was %d), stderr %q", changed, built, stderr)
	}
	again, stderr := load(t)
	if !strings.Contains(stderr, "from snapshot") || again != changed {
		t.Fatalf("after the rebuild: %d reaches, stderr %q", again, stderr)
	}
}
