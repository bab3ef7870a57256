// Package realdata locates the project's shared real-world test data.
//
// The data set lives outside the repository (it must never be copied into
// it). Tests find it through the ENVTRACE_REALDATA environment variable,
// which defaults to "../shared/data" relative to the module root (the
// directory holding go.mod). When the data is missing a test is skipped
// with a clear message, unless REQUIRE_REALDATA=1 is set (as CI does), in
// which case the test fails instead.
package realdata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvDir is the environment variable that overrides the data directory. A
// relative value is resolved against the module root so that it means the
// same thing from every package directory.
const EnvDir = "ENVTRACE_REALDATA"

// EnvRequire is the environment variable that turns a missing data set from
// a skip into a failure; CI sets it to "1" so that green never means
// "nothing was tested".
const EnvRequire = "REQUIRE_REALDATA"

// DefaultRel is the data directory relative to the module root when EnvDir
// is unset.
const DefaultRel = "../shared/data"

// Dir returns the absolute path of the real-data directory, skipping (or
// failing under REQUIRE_REALDATA=1) the test when it does not exist.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := Locate()
	if err != nil {
		missing(t, err.Error())
		return ""
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		missing(t, fmt.Sprintf("real data directory %s not found (set %s)", dir, EnvDir))
		return ""
	}
	return dir
}

// Path returns the absolute path of rel (slash-separated, relative to the
// data directory), skipping (or failing under REQUIRE_REALDATA=1) the test
// when the file does not exist.
func Path(t testing.TB, rel string) string {
	t.Helper()
	dir := Dir(t)
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		missing(t, fmt.Sprintf("real data file %s not found in %s (set %s)", rel, dir, EnvDir))
		return ""
	}
	return p
}

// Locate resolves the data directory without checking that it exists. It
// exists for non-test callers (benchmark tools, examples) that want the same
// lookup rules as Dir.
func Locate() (string, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		dir = DefaultRel
	}
	if filepath.IsAbs(dir) {
		return filepath.Clean(dir), nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, dir), nil
}

// ModuleRoot walks up from the working directory to the first directory
// containing go.mod. Tests run in their package directory, so this is how a
// test anywhere in the tree finds the repository root.
func ModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("realdata: %w", err)
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("realdata: no go.mod found above " + wd)
		}
		d = parent
	}
}

// Required reports whether REQUIRE_REALDATA=1, i.e. whether missing data is
// a failure rather than a skip.
func Required() bool { return os.Getenv(EnvRequire) == "1" }

func missing(t testing.TB, msg string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s; %s=1 makes this a failure", msg, EnvRequire)
	}
	t.Skipf("skipping: %s; %s=1 makes this a failure", msg, EnvRequire)
}
