// Package config holds envtrace's runtime settings in one typed struct.
// Values come from defaults in code, then a JSON file, then ENVTRACE_*
// environment variables, then command-line flags: each later source wins, so
// an operator can pin a deployment in a file and still override one value
// for a single run.
package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is every setting the binary reads. Packages receive the parts they
// need as arguments; none of them reads configuration globally.
type Config struct {
	// Addr is where `serve` listens.
	Addr string `json:"addr"`
	// Data is a data directory to serve or trace instead of the embedded
	// fixture.
	Data string `json:"data"`
	// DB is a PostgreSQL URL; with it, PostGIS is the system of record.
	DB string `json:"db"`
	// Network is a GIS file holding a river network.
	Network string `json:"network"`
	// Layer picks a layer of a multi-layer network file.
	Layer string `json:"layer"`
	// SnapToleranceM is the geometry-noding tolerance in the file's units.
	SnapTolerance float64 `json:"snap_tolerance"`
	// SnapshotDir, when set, holds binary snapshots of built networks, so
	// that `serve` starts from a snapshot instead of parsing and building
	// a national network again; "" turns snapshots off.
	SnapshotDir string `json:"snapshot_dir"`
	// RequestTimeout bounds one HTTP request.
	RequestTimeout Duration `json:"request_timeout"`
	// StatementTimeout bounds one SQL statement.
	StatementTimeout Duration `json:"statement_timeout"`
	// BoundaryM is how near a parcel boundary (m) a dumping report makes
	// the neighbouring parcel a routing candidate; 0 means the default 5 m.
	BoundaryM float64 `json:"boundary_m"`
	// Dumping holds the dumping-report desk's settings.
	Dumping Dumping `json:"dumping"`
	// Audit holds the audit trail's key and checkpoint export.
	Audit Audit `json:"audit"`
	// Privacy holds the keys that protect personal data.
	Privacy Privacy `json:"privacy"`
	// Basemaps are the tile layers the web map offers in its layer
	// switcher; the map draws its own context from the data when none
	// answers. Set them in the config file (or ENVTRACE_BASEMAPS as the
	// same JSON array, "[]" for none).
	Basemaps []Basemap `json:"basemaps"`
	// Auth configures authentication and the network edge of `serve`.
	Auth Auth `json:"auth"`
	// GC tunes the garbage collector of `serve`.
	GC GC `json:"gc"`
	// TraceCache bounds the rendered trace answers `serve` keeps for a
	// trace asked again of the same data (JSON: bytes, or a string such
	// as "64MiB"); 0 keeps none. Default 64 MiB.
	TraceCache Bytes `json:"trace_cache"`
}

// GC tunes the Go garbage collector of a long-running server: a busy
// server allocates for every answer, and how often the collector runs
// against how much memory it may hold trades CPU and tail latency for
// memory (docs/performance.md measures it on the trace endpoint). The zero
// value keeps the runtime's own settings (the GOGC and GOMEMLIMIT
// variables, else GOGC=100 and no limit).
type GC struct {
	// Percent is GOGC: the heap may grow by this percentage of the live
	// heap before a collection; -1 collects only at MemoryLimit; 0 keeps
	// the runtime's setting.
	Percent int `json:"percent"`
	// MemoryLimit is GOMEMLIMIT, the soft memory limit in bytes (JSON: a
	// number of bytes, or a string such as "2GiB"); 0 keeps the runtime's.
	MemoryLimit Bytes `json:"memory_limit"`
}

// Check refuses settings the runtime would misread.
func (g GC) Check() error {
	if g.Percent < -1 {
		return fmt.Errorf("gc percent %d: want -1 (off until the memory limit), 0 (the runtime's) or a positive percentage", g.Percent)
	}
	if g.Percent == -1 && g.MemoryLimit == 0 {
		return errors.New("gc percent -1 turns the collector off: it needs a memory limit")
	}
	if g.MemoryLimit < 0 {
		return fmt.Errorf("memory limit %d: want bytes ≥ 0", g.MemoryLimit)
	}
	return nil
}

// Bytes is a size in bytes, written as a number or as a string with a
// GOMEMLIMIT suffix (B, KiB, MiB, GiB, TiB).
type Bytes int64

// ParseBytes reads "2GiB", "512MiB", "1048576" or "1048576B".
func ParseBytes(in string) (Bytes, error) {
	v := strings.TrimSpace(in)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			v, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q: want bytes like 2GiB, 512MiB or 1048576", in)
	}
	return Bytes(n * mult), nil
}

// UnmarshalJSON accepts a number of bytes or a string ParseBytes reads.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	var n int64
	if err := json.Unmarshal(data, &n); err == nil {
		*b = Bytes(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("size: want a number of bytes or a string like \"2GiB\": %w", err)
	}
	v, err := ParseBytes(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// String writes the size as ParseBytes reads it.
func (b Bytes) String() string { return strconv.FormatInt(int64(b), 10) + "B" }

// Set makes Bytes a flag.Value.
func (b *Bytes) Set(v string) error {
	n, err := ParseBytes(v)
	if err != nil {
		return err
	}
	*b = n
	return nil
}

// Auth configures who `serve` lets in (docs/access.md).
type Auth struct {
	// Mode is "tokens" (API tokens only), "oidc" (OIDC bearer JWTs and
	// API tokens) or "" (none: only the embedded demo, or --db with
	// InsecureDemo).
	Mode string `json:"mode"`
	// OIDCIssuer and OIDCAudience verify OIDC tokens (Mode "oidc").
	OIDCIssuer   string `json:"oidc_issuer"`
	OIDCAudience string `json:"oidc_audience"`
	// InsecureDemo lets `serve --db` run without Mode, every request as
	// the marked demo identity.
	InsecureDemo bool `json:"insecure_demo"`
	// RateLimit is the requests per second each identity may sustain
	// (default 20; 0 disables the limit).
	RateLimit float64 `json:"rate_limit"`
	// TokenCacheTTL is how long `serve --db` keeps an API token's record
	// in memory instead of reading it from PostgreSQL on every request
	// (default 10 s; 0 reads it every time). A revoked token stops working
	// within milliseconds through the revocation notice, and within this
	// TTL at worst (docs/access.md).
	TokenCacheTTL Duration `json:"token_cache_ttl"`
	// PublicBaseURL is the server's address as clients see it; links are
	// built from it and its host is the default Host allowlist.
	PublicBaseURL string `json:"public_base_url"`
	// AllowedHosts are the Host headers served (default: PublicBaseURL's
	// host; none configured accepts any, for the demo).
	AllowedHosts []string `json:"allowed_hosts"`
	// CORSOrigins are the origins whose pages may call the API.
	CORSOrigins []string `json:"cors_origins"`
}

// Basemap is one tile layer of the web map: an XYZ template, or a WMTS
// RESTful template in the GoogleMapsCompatible tile matrix set (the two
// are the same to the map).
type Basemap struct {
	// ID names the layer; the page's catalogues translate map.basemap.<id>.
	ID string `json:"id"`
	// Name is shown when the catalogues do not know the id.
	Name string `json:"name"`
	// URL is the template with {z}, {x} and {y}; https only.
	URL         string `json:"url"`
	Attribution string `json:"attribution"`
	MaxZoom     int    `json:"max_zoom"`
	// Default selects the layer when the page opens.
	Default bool `json:"default"`
}

// DefaultBasemaps are the National Land Surveying and Mapping Center's
// Taiwan e-Map (臺灣通用電子地圖) and orthophotos (WMTS,
// GoogleMapsCompatible), and OpenStreetMap.
func DefaultBasemaps() []Basemap {
	return []Basemap{
		{ID: "nlsc-emap", Name: "臺灣通用電子地圖", URL: "https://wmts.nlsc.gov.tw/wmts/EMAP/default/GoogleMapsCompatible/{z}/{y}/{x}",
			Attribution: "© 內政部國土測繪中心", MaxZoom: 20, Default: true},
		{ID: "nlsc-photo", Name: "正射影像", URL: "https://wmts.nlsc.gov.tw/wmts/PHOTO2/default/GoogleMapsCompatible/{z}/{y}/{x}",
			Attribution: "© 內政部國土測繪中心", MaxZoom: 20},
		{ID: "osm", Name: "OpenStreetMap", URL: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
			Attribution: "© OpenStreetMap contributors", MaxZoom: 19},
	}
}

// CheckBasemaps rejects layers the page could not use: a template without
// {z}, {x} and {y}, a scheme other than https (or http to a loopback
// test server), or two layers with one id.
func CheckBasemaps(bs []Basemap) error {
	seen := map[string]bool{}
	for i, b := range bs {
		switch {
		case b.ID == "" || seen[b.ID]:
			return fmt.Errorf("config: basemaps[%d]: id %q must be set and unique", i, b.ID)
		case !strings.Contains(b.URL, "{z}") || !strings.Contains(b.URL, "{x}") || !strings.Contains(b.URL, "{y}"):
			return fmt.Errorf("config: basemaps[%d] (%s): url %q needs {z}, {x} and {y}", i, b.ID, b.URL)
		case !strings.HasPrefix(b.URL, "https://") && !strings.HasPrefix(b.URL, "http://127.0.0.1") && !strings.HasPrefix(b.URL, "http://localhost"):
			return fmt.Errorf("config: basemaps[%d] (%s): url %q must use https", i, b.ID, b.URL)
		}
		seen[b.ID] = true
	}
	return nil
}

// Dumping configures illegal-dumping intake and notifications.
type Dumping struct {
	// DuplicateRadiusM and DuplicateWindow decide when a new report is a
	// duplicate of an open one (default 50 m and 7 days).
	DuplicateRadiusM float64  `json:"duplicate_radius_m"`
	DuplicateWindow  Duration `json:"duplicate_window"`
	// MaxPhotoBytes bounds one uploaded photo (default 8 MiB).
	MaxPhotoBytes int64 `json:"max_photo_bytes"`
	// ContactKeyFile holds the 32-byte key (hex) that seals reporters'
	// contacts; required to take reports with a contact.
	ContactKeyFile string `json:"contact_key_file"`
	// SMTPAddr and MailFrom send e-mail notifications; empty SMTPAddr
	// leaves e-mail messages in the outbox.
	SMTPAddr string `json:"smtp_addr"`
	MailFrom string `json:"mail_from"`
	// WebhookSecret signs webhook deliveries (HMAC-SHA256).
	WebhookSecret string `json:"webhook_secret"`
	// Deliver runs the outbox worker; without it notifications wait in
	// the outbox (the demo's example addresses lead nowhere).
	Deliver bool `json:"deliver"`
}

// Audit configures the audit trail (docs/access.md, "Audit and privacy").
// The key must live outside the database: whoever holds it can rebuild the
// chain.
type Audit struct {
	// Key is the HMAC key in hex (ENVTRACE_AUDIT_KEY); KeyFile a file
	// holding it (ENVTRACE_AUDIT_KEY_FILE). Key wins when both are set.
	Key     string `json:"-"`
	KeyFile string `json:"key_file"`
	// CheckpointFile receives one JSON line per exported checkpoint
	// (ENVTRACE_AUDIT_CHECKPOINT_FILE); CheckpointURL, when set, receives
	// each as a POST (ENVTRACE_AUDIT_CHECKPOINT_URL).
	CheckpointFile string `json:"checkpoint_file"`
	CheckpointURL  string `json:"checkpoint_url"`
	// CheckpointEvery is the export period (default 1 minute).
	CheckpointEvery Duration `json:"checkpoint_every"`
}

// Privacy configures personal-data protection (package access/privacy).
type Privacy struct {
	// KeyFile holds the contact-encryption keyring, one "id hex-key" line
	// per key, the last one current (ENVTRACE_PRIVACY_KEY_FILE). Empty
	// falls back to Dumping.ContactKeyFile.
	KeyFile string `json:"key_file"`
	// Secret keys location fuzzing and the contacts' blind index, in hex
	// (ENVTRACE_PRIVACY_SECRET); SecretFile holds it
	// (ENVTRACE_PRIVACY_SECRET_FILE).
	Secret     string `json:"-"`
	SecretFile string `json:"secret_file"`
}

// Duration is a time.Duration that reads "30s" from JSON and environment.
type Duration struct{ time.Duration }

// UnmarshalJSON accepts a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// Default is the configuration with nothing set: serve the embedded
// fixture on loopback.
func Default() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		Basemaps:         DefaultBasemaps(),
		RequestTimeout:   Duration{30 * time.Second},
		StatementTimeout: Duration{15 * time.Second},
		Auth:             Auth{RateLimit: 20, TokenCacheTTL: Duration{10 * time.Second}},
		Audit:            Audit{CheckpointEvery: Duration{time.Minute}},
		TraceCache:       64 << 20,
	}
}

// LoadFile overlays a JSON file on c. A missing file is an error: a path
// the operator named must exist.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	return nil
}

// ApplyEnv overlays ENVTRACE_* variables (ENVTRACE_ADDR, ENVTRACE_DATA,
// ENVTRACE_DB, ENVTRACE_NETWORK, ENVTRACE_LAYER, ENVTRACE_SNAP_TOLERANCE,
// ENVTRACE_SNAPSHOT_DIR, ENVTRACE_REQUEST_TIMEOUT, ENVTRACE_STATEMENT_TIMEOUT,
// ENVTRACE_TOKEN_CACHE_TTL, ENVTRACE_GC_PERCENT, ENVTRACE_MEMORY_LIMIT,
// ENVTRACE_TRACE_CACHE, ENVTRACE_BASEMAPS, ENVTRACE_AUDIT_* and ENVTRACE_PRIVACY_*) read through
// lookup, so tests need not touch the process environment.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := lookup("ENVTRACE_" + name); ok && v != "" {
			*dst = v
		}
	}
	str("ADDR", &c.Addr)
	str("DATA", &c.Data)
	str("DB", &c.DB)
	str("NETWORK", &c.Network)
	str("LAYER", &c.Layer)
	str("SNAPSHOT_DIR", &c.SnapshotDir)
	if v, ok := lookup("ENVTRACE_SNAP_TOLERANCE"); ok && v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			errs = append(errs, fmt.Errorf("ENVTRACE_SNAP_TOLERANCE=%q: want a number ≥ 0", v))
		} else {
			c.SnapTolerance = f
		}
	}
	dur := func(name string, dst *Duration) {
		if v, ok := lookup("ENVTRACE_" + name); ok && v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("ENVTRACE_%s=%q: want a positive duration like 30s", name, v))
				return
			}
			dst.Duration = d
		}
	}
	if v, ok := lookup("ENVTRACE_BOUNDARY_M"); ok && v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1000 {
			errs = append(errs, fmt.Errorf("ENVTRACE_BOUNDARY_M=%q: want metres in [0, 1000]", v))
		} else {
			c.BoundaryM = f
		}
	}
	str("SMTP_ADDR", &c.Dumping.SMTPAddr)
	str("MAIL_FROM", &c.Dumping.MailFrom)
	str("CONTACT_KEY_FILE", &c.Dumping.ContactKeyFile)
	str("AUTH", &c.Auth.Mode)
	str("OIDC_ISSUER", &c.Auth.OIDCIssuer)
	str("OIDC_AUDIENCE", &c.Auth.OIDCAudience)
	str("PUBLIC_BASE_URL", &c.Auth.PublicBaseURL)
	list := func(name string, dst *[]string) {
		if v, ok := lookup("ENVTRACE_" + name); ok && v != "" {
			*dst = SplitList(v)
		}
	}
	list("ALLOWED_HOSTS", &c.Auth.AllowedHosts)
	list("CORS_ORIGINS", &c.Auth.CORSOrigins)
	str("WEBHOOK_SECRET", &c.Dumping.WebhookSecret)
	str("AUDIT_KEY", &c.Audit.Key)
	str("AUDIT_KEY_FILE", &c.Audit.KeyFile)
	str("AUDIT_CHECKPOINT_FILE", &c.Audit.CheckpointFile)
	str("AUDIT_CHECKPOINT_URL", &c.Audit.CheckpointURL)
	dur("AUDIT_CHECKPOINT_EVERY", &c.Audit.CheckpointEvery)
	str("PRIVACY_KEY_FILE", &c.Privacy.KeyFile)
	str("PRIVACY_SECRET", &c.Privacy.Secret)
	str("PRIVACY_SECRET_FILE", &c.Privacy.SecretFile)
	if v, ok := lookup("ENVTRACE_DELIVER"); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("ENVTRACE_DELIVER=%q: want true or false", v))
		}
		c.Dumping.Deliver = b
	}
	dur("REQUEST_TIMEOUT", &c.RequestTimeout)
	dur("STATEMENT_TIMEOUT", &c.StatementTimeout)
	dur("TOKEN_CACHE_TTL", &c.Auth.TokenCacheTTL)
	if v, ok := lookup("ENVTRACE_GC_PERCENT"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("ENVTRACE_GC_PERCENT=%q: want an integer percentage (-1 = off until the memory limit)", v))
		} else {
			c.GC.Percent = n
		}
	}
	if v, ok := lookup("ENVTRACE_MEMORY_LIMIT"); ok && v != "" {
		if err := c.GC.MemoryLimit.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("ENVTRACE_MEMORY_LIMIT: %w", err))
		}
	}
	if v, ok := lookup("ENVTRACE_TRACE_CACHE"); ok && v != "" {
		if err := c.TraceCache.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("ENVTRACE_TRACE_CACHE: %w", err))
		}
	}
	if v, ok := lookup("ENVTRACE_BASEMAPS"); ok && v != "" {
		var bs []Basemap
		if err := json.Unmarshal([]byte(v), &bs); err != nil {
			errs = append(errs, fmt.Errorf("ENVTRACE_BASEMAPS: want a JSON array of basemaps: %w", err))
		} else {
			c.Basemaps = bs
		}
	}
	return errors.Join(errs...)
}

// Bind registers the flags a subcommand accepts onto fs, with the current
// values (defaults, file, environment) as their defaults, so that parsing
// the command line applies the last override.
func (c *Config) Bind(fs *flag.FlagSet, names ...string) {
	for _, n := range names {
		switch n {
		case "addr":
			fs.StringVar(&c.Addr, "addr", c.Addr, "listen address HOST:PORT")
		case "data":
			fs.StringVar(&c.Data, "data", c.Data, "data directory (see docs/data-directory.md)")
		case "db":
			fs.StringVar(&c.DB, "db", c.DB, "PostgreSQL URL, e.g. postgres://user@host/db")
		case "network":
			fs.StringVar(&c.Network, "network", c.Network, "river network file (.gpkg, .geojson, .csv, .shp)")
		case "layer":
			fs.StringVar(&c.Layer, "layer", c.Layer, "layer of a multi-layer file (default: first line layer)")
		case "snapshot-dir":
			fs.StringVar(&c.SnapshotDir, "snapshot-dir", c.SnapshotDir, "directory of built-network snapshots for fast start-up (\"\" = none)")
		case "boundary-m":
			fs.Float64Var(&c.BoundaryM, "boundary-m", c.BoundaryM, "parcel-boundary distance (m) within which neighbours become routing candidates (0 = 5 m)")
		case "auth":
			fs.StringVar(&c.Auth.Mode, "auth", c.Auth.Mode, "authentication: tokens (API tokens) or oidc (OIDC bearer JWTs and API tokens)")
			fs.StringVar(&c.Auth.OIDCIssuer, "oidc-issuer", c.Auth.OIDCIssuer, "OIDC issuer URL (with --auth oidc)")
			fs.StringVar(&c.Auth.OIDCAudience, "oidc-audience", c.Auth.OIDCAudience, "OIDC audience, the API's client id (with --auth oidc)")
			fs.BoolVar(&c.Auth.InsecureDemo, "insecure-demo", c.Auth.InsecureDemo, "serve --db without authentication, everybody as the demo identity")
			fs.Float64Var(&c.Auth.RateLimit, "rate-limit", c.Auth.RateLimit, "requests per second each identity may sustain (0 = unlimited)")
			fs.DurationVar(&c.Auth.TokenCacheTTL.Duration, "token-cache-ttl", c.Auth.TokenCacheTTL.Duration, "how long an API token's record is kept in memory; the longest a revoked token can still work (0 = look it up on every request)")
			fs.StringVar(&c.Auth.PublicBaseURL, "public-base-url", c.Auth.PublicBaseURL, "the server's public address (https://host); links use it, and only its host is served")
			fs.Func("allowed-hosts", "Host headers served, comma-separated (default: public-base-url's host)", func(v string) error {
				c.Auth.AllowedHosts = SplitList(v)
				return nil
			})
			fs.Func("cors-origins", "origins whose pages may call the API, comma-separated", func(v string) error {
				c.Auth.CORSOrigins = SplitList(v)
				return nil
			})
		case "gc":
			fs.IntVar(&c.GC.Percent, "gc-percent", c.GC.Percent, "GOGC for the server: heap growth (%) before a collection; -1 = only at --memory-limit; 0 = the runtime's")
			fs.Var(&c.GC.MemoryLimit, "memory-limit", "GOMEMLIMIT for the server, e.g. 2GiB (0 = the runtime's)")
		case "trace-cache":
			fs.Var(&c.TraceCache, "trace-cache", "bytes of rendered trace answers kept for traces asked again, e.g. 64MiB (0 = none)")
		case "audit-key-file":
			fs.StringVar(&c.Audit.KeyFile, "audit-key-file", c.Audit.KeyFile, "file holding the audit HMAC key in hex (or set ENVTRACE_AUDIT_KEY)")
		case "checkpoint":
			fs.StringVar(&c.Audit.CheckpointFile, "checkpoint", c.Audit.CheckpointFile, "audit checkpoint file (JSON lines)")
		case "privacy-key-file":
			fs.StringVar(&c.Privacy.KeyFile, "privacy-key-file", c.Privacy.KeyFile, "contact-encryption keyring file")
		case "privacy-secret-file":
			fs.StringVar(&c.Privacy.SecretFile, "privacy-secret-file", c.Privacy.SecretFile, "file holding the privacy secret in hex (or set ENVTRACE_PRIVACY_SECRET)")
		case "snap-tolerance":
			fs.Float64Var(&c.SnapTolerance, "snap-tolerance", c.SnapTolerance, "line-end snap tolerance for geometry-only networks, in file units (0 = 0.5 m)")
		}
	}
}

// SplitList splits a comma-separated setting or flag, dropping empty
// items.
func SplitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
