//go:build unix

package layer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadMappedTruncatedFile shrinks a mapped network CSV while it is
// read, as another process rewriting it in place would: the scan must end
// in an error that names the file, not in a crash.
func TestReadMappedTruncatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reaches.csv")
	var b strings.Builder
	b.WriteString("id,toid,lengthkm\n")
	for i := 1; b.Len() < 4<<20; i++ {
		fmt.Fprintf(&b, "%d,%d,1.25\n", i, i+1)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCSV(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	rows := 0
	err = ReadMapped(path, func() error {
		for c.Next() {
			rows++
		}
		return c.Err()
	})
	if err == nil {
		t.Fatalf("read %d rows of a file truncated to nothing without an error", rows)
	}
	if !strings.Contains(err.Error(), "reaches.csv") || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("error %q does not name the file and what happened", err)
	}
}

// TestReadMappedPassesOn checks that only a memory fault becomes an
// error: the reader's own error is returned as it is, and any other
// panic goes on.
func TestReadMappedPassesOn(t *testing.T) {
	own := errors.New("row 7: bad toid")
	if err := ReadMapped("x.csv", func() error { return own }); err != own {
		t.Fatalf("got %v, want the reader's own error", err)
	}
	defer func() {
		if r := recover(); r != "not a fault" {
			t.Fatalf("recovered %v, want the reader's panic passed on", r)
		}
	}()
	_ = ReadMapped("x.csv", func() error { panic("not a fault") })
	t.Fatal("a panic that is not a fault was swallowed")
}
