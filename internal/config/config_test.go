package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Flags beat the environment, which beats the file, which beats defaults.
func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "envtrace.json")
	if err := os.WriteFile(file, []byte(`{"addr": "0.0.0.0:9000", "data": "/file/data", "layer": "from-file", "request_timeout": "5s"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Default()
	if err := c.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ENVTRACE_DATA": "/env/data", "ENVTRACE_LAYER": "from-env"}
	if err := c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.Bind(fs, "addr", "data", "layer", "network")
	if err := fs.Parse([]string{"--layer", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"addr from file", c.Addr, "0.0.0.0:9000"},
		{"data from env over file", c.Data, "/env/data"},
		{"layer from flag over env", c.Layer, "from-flag"},
		{"network default", c.Network, ""},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if c.RequestTimeout.Duration != 5*time.Second || c.StatementTimeout.Duration != 15*time.Second {
		t.Fatalf("timeouts %v %v", c.RequestTimeout, c.StatementTimeout)
	}
}

func TestBadInput(t *testing.T) {
	c := Default()
	err := c.ApplyEnv(func(k string) (string, bool) {
		return map[string]string{"ENVTRACE_REQUEST_TIMEOUT": "soon", "ENVTRACE_SNAP_TOLERANCE": "-1"}[k], true
	})
	if err == nil || !strings.Contains(err.Error(), "ENVTRACE_REQUEST_TIMEOUT") || !strings.Contains(err.Error(), "ENVTRACE_SNAP_TOLERANCE") {
		t.Fatalf("err = %v", err)
	}
	file := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(file, []byte(`{"adress": "typo"}`), 0o644)                              //nolint:misspell // the typo is the test
	if err := c.LoadFile(file); err == nil || !strings.Contains(err.Error(), "adress") { //nolint:misspell // the typo is the test
		t.Fatalf("unknown field: %v", err)
	}
	if err := c.LoadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a named config file that does not exist must be an error")
	}
}

// The dumping settings come from the file and the environment like the
// rest; bad values are named.
func TestDumpingSettings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "envtrace.json")
	if err := os.WriteFile(file, []byte(`{"boundary_m": 8, "dumping": {"duplicate_radius_m": 30, "duplicate_window": "72h", "smtp_addr": "file:25"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Default()
	if err := c.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ENVTRACE_SMTP_ADDR": "relay.example.tw:25", "ENVTRACE_DELIVER": "true", "ENVTRACE_BOUNDARY_M": "10"}
	if err := c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if c.BoundaryM != 10 || c.Dumping.DuplicateRadiusM != 30 || c.Dumping.DuplicateWindow.Duration != 72*time.Hour ||
		c.Dumping.SMTPAddr != "relay.example.tw:25" || !c.Dumping.Deliver {
		t.Errorf("settings %+v", c)
	}
	bad := map[string]string{"ENVTRACE_BOUNDARY_M": "-3", "ENVTRACE_DELIVER": "sometimes"}
	err := c.ApplyEnv(func(k string) (string, bool) { v, ok := bad[k]; return v, ok })
	if err == nil || !strings.Contains(err.Error(), "ENVTRACE_BOUNDARY_M") || !strings.Contains(err.Error(), "ENVTRACE_DELIVER") {
		t.Errorf("err = %v", err)
	}
}

// The collector's settings and the token cache's TTL follow the same
// precedence (flag > env > file > default), sizes take GOMEMLIMIT's
// suffixes, and settings the runtime would misread are refused.
func TestServeTuning(t *testing.T) {
	file := filepath.Join(t.TempDir(), "envtrace.json")
	if err := os.WriteFile(file, []byte(`{"gc": {"percent": 150, "memory_limit": "3GiB"}, "auth": {"token_cache_ttl": "30s"}, "trace_cache": "16MiB"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Default()
	if c.GC != (GC{}) || c.Auth.TokenCacheTTL.Duration != 10*time.Second || c.TraceCache != 64<<20 {
		t.Fatalf("defaults: gc %+v, token cache TTL %v, trace cache %v", c.GC, c.Auth.TokenCacheTTL, c.TraceCache)
	}
	if err := c.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	if c.GC.Percent != 150 || c.GC.MemoryLimit != 3<<30 || c.Auth.TokenCacheTTL.Duration != 30*time.Second || c.TraceCache != 16<<20 {
		t.Fatalf("from the file: gc %+v, TTL %v, trace cache %v", c.GC, c.Auth.TokenCacheTTL, c.TraceCache)
	}
	env := map[string]string{"ENVTRACE_GC_PERCENT": "400", "ENVTRACE_MEMORY_LIMIT": "512MiB", "ENVTRACE_TOKEN_CACHE_TTL": "2s", "ENVTRACE_TRACE_CACHE": "8MiB"}
	if err := c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if c.GC.Percent != 400 || c.GC.MemoryLimit != 512<<20 || c.Auth.TokenCacheTTL.Duration != 2*time.Second || c.TraceCache != 8<<20 {
		t.Fatalf("from the environment: gc %+v, TTL %v, trace cache %v", c.GC, c.Auth.TokenCacheTTL, c.TraceCache)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.Bind(fs, "gc", "auth", "trace-cache")
	if err := fs.Parse([]string{"--gc-percent", "-1", "--memory-limit", "1073741824", "--token-cache-ttl", "0", "--trace-cache", "0"}); err != nil {
		t.Fatal(err)
	}
	if c.GC.Percent != -1 || c.GC.MemoryLimit != 1<<30 || c.Auth.TokenCacheTTL.Duration != 0 || c.GC.Check() != nil || c.TraceCache != 0 {
		t.Fatalf("from the flags: gc %+v (check %v), TTL %v, trace cache %v", c.GC, c.GC.Check(), c.Auth.TokenCacheTTL, c.TraceCache)
	}
	for _, tc := range []struct {
		name string
		gc   GC
		want string
	}{
		{"off without a limit", GC{Percent: -1}, "needs a memory limit"},
		{"below -1", GC{Percent: -5}, "gc percent -5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.gc.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check() = %v, want %q", err, tc.want)
			}
		})
	}
	for _, v := range []string{"2GB", "-1", "1.5GiB", "GiB", "9999999999TiB"} {
		if _, err := ParseBytes(v); err == nil {
			t.Errorf("ParseBytes(%q) accepted", v)
		}
	}
	bad := Default()
	if err := bad.ApplyEnv(func(k string) (string, bool) {
		return map[string]string{"ENVTRACE_GC_PERCENT": "lots", "ENVTRACE_MEMORY_LIMIT": "2 gigs"}[k], true
	}); err == nil || !strings.Contains(err.Error(), "ENVTRACE_GC_PERCENT") || !strings.Contains(err.Error(), "ENVTRACE_MEMORY_LIMIT") {
		t.Fatalf("bad tuning from the environment: %v", err)
	}
}
