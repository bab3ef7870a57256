package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/internal/config"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/model"
)

// applyGC sets the collector's target and memory limit where the
// configuration names them, and leaves the runtime's own (GOGC, GOMEMLIMIT)
// otherwise.
func applyGC(g config.GC) {
	if g.Percent != 0 {
		debug.SetGCPercent(g.Percent)
	}
	if g.MemoryLimit > 0 {
		debug.SetMemoryLimit(int64(g.MemoryLimit))
	}
}

// storedBasin imports b's dataset into st and places what st gives back on
// b's network, so that the server answers from the store's records.
func storedBasin(ctx context.Context, st store.Store, b *basin.Basin) (*basin.Basin, error) {
	if err := st.ImportDataset(ctx, b.DS, nil); err != nil {
		return nil, err
	}
	ds, err := st.LoadDataset(ctx)
	if err != nil {
		return nil, err
	}
	// The store keeps no online effluent series: they stay the data
	// directory's.
	return basin.New(b.Net, ds.WithEffluent(b.DS.Effluent), 0)
}

// writeFixture writes the embedded central-Taiwan fixture to dir.
func writeFixture(dir string) error { return fixtures.WriteCentral(dir) }

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := e.flags("serve")
	e.cfg.Bind(fs, "addr", "data", "db", "auth", "snapshot-dir", "gc", "trace-cache")
	network := fs.String("network-name", "", "with --db: the stored network to serve (default: the only one)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := e.cfg.GC.Check(); err != nil {
		return usageErr("%v", err)
	}
	applyGC(e.cfg.GC)
	if e.cfg.Data != "" && e.cfg.DB != "" {
		return usageErr("give --data or --db, not both")
	}
	if e.cfg.DB != "" {
		return serveDB(ctx, e, *network)
	}
	if e.cfg.Auth.Mode != "" {
		return usageErr("--auth needs --db: the in-memory demo serves everybody as the demo identity")
	}
	ms, err := e.memoryServer(ctx)
	if err != nil {
		return err
	}
	defer ms.cleanup()
	source := "the embedded central-Taiwan fixture"
	if e.cfg.Data != "" {
		source = e.cfg.Data
	}
	fmt.Fprintf(e.stdout, "envtrace: serving %s (%d reaches) at http://%s/\n", source, ms.reaches, e.cfg.Addr)
	fmt.Fprintln(e.stdout, "envtrace: DEMO: no login; every request without a key runs as the demo administrator")
	return ms.srv.Serve(ctx, e.cfg.Addr)
}

// memoryServe is the in-memory server `serve` runs without --db, with what
// its callers need besides the handler: the outbox the dumping and farmland
// desks deliver through, and the temporary fixture directory to remove.
type memoryServe struct {
	srv     *api.Server
	outbox  *outbox.Memory
	reaches int
	cleanup func()
}

// memoryServer builds the server `serve` runs over the data directory (or
// the embedded fixture): one constructor, so that the command and its tests
// serve the same thing.
func (e *env) memoryServer(ctx context.Context) (*memoryServe, error) {
	dir, cleanup, err := e.dataDir()
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			cleanup()
		}
	}()
	b, err := e.loadBasin(ctx, dir)
	if err != nil {
		return nil, err
	}
	// The air, sensor, air-permit and odour files are read beside the
	// water files.
	airData, err := datadir.ReadWith(dir, b.DS)
	if err != nil {
		return nil, err
	}
	insp, err := inspection.NewSource(airData)
	if err != nil {
		return nil, err
	}
	insp.UseBasin(b) // the readings are traced on the network already loaded
	// The demo keeps its system of record in store.Memory, behind the same
	// interface as PostGIS: the dataset is imported into it and served
	// from it, ingested readings go through it, and cases live in it.
	st := store.NewMemory()
	if b, err = storedBasin(ctx, st, b); err != nil {
		return nil, err
	}
	insp.Repo = st // inspection records posted to the API join the ranking's outcomes
	insp.SelfReports = st
	pa, err := e.petitionArea(true)
	if err != nil {
		return nil, err
	}
	land, err := dumping.ReadLand(dir)
	if err != nil {
		return nil, err
	}
	if err := locateCounties(e, pa, land, b.DS.Stations); err != nil {
		return nil, err
	}
	// Farmland alerts share the dumping desk's outbox (and its worker).
	repo := dumping.NewMemory()
	insp.Dumps = repo // dumping reports near a site feed its risk term
	opts := []api.MemoryOption{api.WithCases(st), api.WithIngestSink(st.IngestReadings), api.WithAirData(airData), api.WithInspections(insp),
		api.WithPetitions(pa)}
	fa, err := farmlandArea(dir, b, repo.Outbox)
	if err != nil {
		return nil, err
	}
	if fa != nil {
		opts = append(opts, api.WithFarmland(fa))
	}
	mb, err := newMemoryBackend(b, e.cfg.Data == "", opts...)
	if err != nil {
		return nil, err
	}
	traceForRanking(ctx, e, insp) // after the backend has indexed the datasets
	var backend api.Backend = mb
	cfg := e.apiConfig()
	cfg.Audit = &access.MemoryAudit{}
	if land != nil {
		area, err := e.dumpingArea(ctx, land, repo, repo.Outbox, true)
		if err != nil {
			return nil, err
		}
		backend = &dumpingBackend{MemoryBackend: mb, area: area}
		cfg.Auth, cfg.DemoIdentity = e.demoKeys(land), true
	}
	srv, err := api.New(cfg, backend)
	if err != nil {
		return nil, err
	}
	ok = true
	return &memoryServe{srv: srv, outbox: repo.Outbox, reaches: b.Net.Len(), cleanup: cleanup}, nil
}

// petitionArea gives the server a petition desk: contacts sealed with the
// privacy keyring (a throwaway key in the demo; without a keyring outside
// the demo, petitions with a contact are refused), public locations
// shifted by access/privacy's Fuzzer keyed with the privacy secret (a
// throwaway secret in the demo; serve --db with authentication refuses to
// start without one, checkPrivacySecret). Who sees the public or the staff
// view is the access policy's and the desk's decision on the caller's
// principal.
func (e *env) petitionArea(demo bool) (*api.PetitionArea, error) {
	prot, err := e.protection(demo)
	if err != nil {
		return nil, err
	}
	var sealer petition.Sealer
	if prot.Keys != nil {
		sealer = petition.KeyringSealer{Keys: prot.Keys}
	}
	desk, err := petition.NewDesk(sealer, privacy.NewFuzzer(prot.Secret))
	if err != nil {
		return nil, err
	}
	if e.hasPrivacySecret() {
		// A per-process secret's index would match nothing later, and
		// would keep `privacy erase` from opening those contacts.
		desk.IndexContacts(prot.Secret.Subject)
	}
	return &api.PetitionArea{Desk: desk}, nil
}

// hasPrivacySecret says whether the configuration names the privacy secret.
func (e *env) hasPrivacySecret() bool {
	return e.cfg.Privacy.Secret != "" || e.cfg.Privacy.SecretFile != ""
}

// checkPrivacySecret refuses `serve --db` with authentication before
// anything is opened when the privacy secret is missing: the public
// locations of petitions and dumping reports must be the same on every
// replica and after every restart, which a throwaway secret cannot give.
// The insecure demo runs with a throwaway secret.
func (e *env) checkPrivacySecret() error {
	if e.cfg.Auth.Mode == "" || e.hasPrivacySecret() {
		return nil
	}
	return usageErr("serve --db --auth %s needs the privacy secret that keys the public locations: set ENVTRACE_PRIVACY_SECRET_FILE (or --privacy-secret-file, ENVTRACE_PRIVACY_SECRET) to 64 hex digits", e.cfg.Auth.Mode)
}

// publicShift is the public shift of the air commands' petition signal:
// keyed by the configured privacy secret, by a throwaway one for the
// embedded fixture (the demo), and nil for a data directory without a
// secret (the petition signal then says it needs one).
func (e *env) publicShift() (*privacy.Fuzzer, error) {
	if !e.hasPrivacySecret() {
		if e.cfg.Data != "" {
			return nil, nil
		}
		prot, err := e.protection(true)
		if err != nil {
			return nil, err
		}
		return privacy.NewFuzzer(prot.Secret), nil
	}
	s, err := privacy.LoadSecret(e.cfg.Privacy.Secret, e.cfg.Privacy.SecretFile)
	if err != nil {
		return nil, err
	}
	return privacy.NewFuzzer(s), nil
}

// locateCounties derives counties from the land's jurisdictions (point
// in polygon) where the data carry none: the stations without a county
// column, and the petition desk's locations, so that an officer sees
// exact locations of their own county's petitions only. Without land
// nothing is located: stations keep "" and officers get the public view
// of every petition (fail closed).
func locateCounties(e *env, pa *api.PetitionArea, land *dumping.Land, stations []model.Station) error {
	if land == nil || len(land.Jurisdictions) == 0 {
		return nil
	}
	r, err := dumping.NewRouter(land, 0)
	if err != nil {
		return fmt.Errorf("counties: %w", err)
	}
	n := r.LocateStations(stations)
	fmt.Fprintf(e.stdout, "envtrace: %d of %d stations located in a county by jurisdiction\n", n, len(stations))
	pa.Desk.LocateCounties(r.CountyAt)
	return nil
}

// apiConfig is the server configuration the settings give, before
// authentication is chosen.
func (e *env) apiConfig() api.Config {
	a := e.cfg.Auth
	cache := int64(e.cfg.TraceCache)
	if cache == 0 {
		cache = -1 // api.Config's "none"; its 0 is the default
	}
	return api.Config{RequestTimeout: e.cfg.RequestTimeout.Duration, Basemaps: e.cfg.Basemaps, RateLimit: a.RateLimit,
		PublicBaseURL: a.PublicBaseURL, AllowedHosts: a.AllowedHosts, CORSOrigins: a.CORSOrigins, TraceCacheBytes: cache}
}

// checkAuth refuses `serve --db` without authentication (unless
// --insecure-demo) before anything is opened.
func (e *env) checkAuth() error {
	if e.cfg.Auth.Mode == "" && !e.cfg.Auth.InsecureDemo {
		return usageErr("serve --db needs --auth oidc|tokens (or --insecure-demo to serve everybody as the demo identity)")
	}
	return nil
}

// serverAuth builds the authenticator `serve --db` runs with: API tokens
// in the database, plus OIDC with --auth oidc. Without --auth it refuses
// to start unless --insecure-demo.
func (e *env) serverAuth(ctx context.Context, tokens access.TokenStore) (access.Authenticator, error) {
	if err := e.checkAuth(); err != nil {
		return nil, err
	}
	a := e.cfg.Auth
	switch a.Mode {
	case "":
		fmt.Fprintln(e.stderr, "envtrace: INSECURE DEMO: no authentication; every request runs as the demo administrator")
		return nil, nil
	case "tokens":
		if a.OIDCIssuer != "" {
			return nil, usageErr("--oidc-issuer needs --auth oidc")
		}
		return access.Chain{Machines: access.Tokens{Store: tokens}}, nil
	case "oidc":
		if a.OIDCIssuer == "" || a.OIDCAudience == "" {
			return nil, usageErr("--auth oidc needs --oidc-issuer URL and --oidc-audience AUD")
		}
		o, err := access.NewOIDC(ctx, a.OIDCIssuer, a.OIDCAudience)
		if err != nil {
			return nil, err
		}
		return access.Chain{Machines: access.Tokens{Store: tokens}, People: o}, nil
	}
	return nil, usageErr("--auth %q: want oidc or tokens", a.Mode)
}
