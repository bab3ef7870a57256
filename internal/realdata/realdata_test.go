package realdata

import (
	"os"
	"path/filepath"
	"testing"
)

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root %s has no go.mod", root)
	}
}

func TestLocate(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want func(root string) string
	}{
		{"default", "", func(root string) string { return filepath.Join(root, "../shared/data") }},
		{"absolute", "/tmp/some/data", func(string) string { return "/tmp/some/data" }},
		{"relative to module root", "testdata/x", func(root string) string { return filepath.Join(root, "testdata/x") }},
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDir, tt.env)
			got, err := Locate()
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.want(root); got != want {
				t.Errorf("Locate() = %q, want %q", got, want)
			}
		})
	}
}

func TestMissingSkips(t *testing.T) {
	t.Setenv(EnvRequire, "")
	t.Setenv(EnvDir, filepath.Join(t.TempDir(), "nope"))
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Dir(t)
		t.Error("Dir returned for a missing directory")
	})
	if !skipped {
		t.Error("missing data did not skip")
	}
}

func TestPathFindsREADME(t *testing.T) {
	p := Path(t, "README.md")
	if filepath.Base(p) != "README.md" {
		t.Errorf("Path = %q", p)
	}
}

func TestReadCSV(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	if err := os.WriteFile(filepath.Join(dir, "g.csv"), []byte("\ufeffsite,lon\nA,-89.5\nB,-90.25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := ReadCSV(t, "g.csv")
	if tb.Col(t, "site") != 0 || tb.Col(t, "lon") != 1 {
		t.Fatalf("header %q: the byte order mark must not stay in the first name", tb.Header)
	}
	recs := tb.Records()
	if len(recs) != 2 || recs[1]["site"] != "B" || Float(t, recs[1]["lon"], "lon") != -90.25 {
		t.Fatalf("records %v", recs)
	}
}
