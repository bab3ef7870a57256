package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/api/webmap"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/farmland"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
)

// newMemoryBackend serves a basin from memory; the embedded fixture also
// offers its scenarios to the web map.
func newMemoryBackend(b *basin.Basin, withScenarios bool, opts ...api.MemoryOption) (*api.MemoryBackend, error) {
	if withScenarios {
		scs, err := fixtures.Scenarios()
		if err != nil {
			return nil, err
		}
		opts = append(opts, api.WithScenarios(apiScenarios(scs)))
	}
	return api.NewMemoryBackendWithBasin(b, opts...)
}

// apiScenarios converts the fixture's scenarios to the web map's. The
// answer-key fields the map does not show (distractors, evidence, loads)
// are dropped; the shared fields keep their names, types and JSON names.
func apiScenarios(scs []fixtures.Scenario) []api.Scenario {
	out := make([]api.Scenario, len(scs))
	for i, s := range scs {
		out[i] = api.Scenario{
			ID: s.ID, Description: s.Description, Station: s.Station, Parameter: s.Parameter,
			Value: s.Value, Unit: s.Unit, Time: s.Time, FlowM3s: s.FlowM3s, Culprit: s.Culprit,
			UnexplainedBetween: s.UnexplainedBetween, TravelHours: s.TravelHours,
		}
	}
	return out
}

// dbBackend answers from memory what it built from PostGIS, stores ingested
// readings in PostGIS before acknowledging them, and reports the
// database's health.
type dbBackend struct {
	*api.MemoryBackend
	st   *store.PostGIS
	area *api.DumpingArea
	// follow applies the readings other replicas store (and the values
	// imports correct), records the facilities, outfalls, permits, limits,
	// reports and stations imported, petitions the petitions they accept,
	// airPermits the air permits, declarations and CEMS records stored
	// after start-up, farmland the irrigation systems imported (the first
	// one too: the desk waits for it), network the network imported
	// again, deletions the readings and records deleted by hand.
	follow, records, petitions, airPermits, farmland, network, deletions *store.Follower
	// auditLog lets administrators read the audit trail; nil without
	// authentication, which leaves the route unmounted.
	auditLog api.AuditQuerier
}

// AuditLog implements api.AuditBackend.
func (d *dbBackend) AuditLog() api.AuditQuerier { return d.auditLog }

// auditInFlight bounds the audit entries `serve --db` has handed to the
// PostGIS recorder and not yet seen committed: several group commits'
// worth (store.AuditOptions.MaxBatch is 512), beyond which requests wait.
const auditInFlight = 4096

// auditRecorder is where `serve --db` writes its audit trail: the
// hash-chained audit_log in PostGIS, committed in groups, with checkpoints
// exported in the background when a file or webhook is configured. A
// server with authentication refuses to start without the audit key; the
// insecure demo without one keeps its entries in memory, and says so.
func (e *env) auditRecorder(ctx context.Context, pool *pgxpool.Pool) (access.AuditRecorder, error) {
	a := e.cfg.Audit
	key, err := audit.LoadKey(a.Key, a.KeyFile)
	if err != nil {
		if e.cfg.Auth.Mode == "" {
			fmt.Fprintf(e.stderr, "envtrace: INSECURE DEMO: audit entries kept in memory only (%v)\n", err)
			return &access.MemoryAudit{}, nil
		}
		return nil, usageErr("serve --db --auth %s needs the audit trail's key: %v", e.cfg.Auth.Mode, err)
	}
	rec := store.NewAuditRecorder(pool, key, store.AuditOptions{})
	if a.CheckpointFile != "" || a.CheckpointURL != "" {
		x := &audit.Exporter{Head: func(ctx context.Context) (audit.Checkpoint, error) { return store.AuditHead(ctx, pool) },
			File: a.CheckpointFile, URL: a.CheckpointURL, Every: a.CheckpointEvery.Duration}
		go x.Run(ctx, func(err error) { fmt.Fprintf(e.stderr, "envtrace: audit checkpoint: %v\n", err) })
	}
	return rec, nil
}

// DumpingArea implements api.DumpingBackend; nil when the database holds
// no agencies.
func (d *dbBackend) DumpingArea() *api.DumpingArea { return d.area }

// Ping implements api.Pinger: /healthz fails while the database is down.
func (d *dbBackend) Ping(ctx context.Context) error { return d.st.Ping(ctx) }

// Ready implements api.Readier: the database answers and the followers
// are listening, so this replica holds what the others stored, and the
// last change of the network was loaded and the last reload after rows
// were deleted succeeded (a replica that failed either answers from what
// it held before).
func (d *dbBackend) Ready(ctx context.Context) error {
	if err := d.st.Ping(ctx); err != nil {
		return err
	}
	if !d.follow.Connected() {
		return errors.New("the readings follower is not connected to the database")
	}
	if d.records != nil && !d.records.Connected() {
		return errors.New("the records follower is not connected to the database")
	}
	if d.petitions != nil && !d.petitions.Connected() {
		return errors.New("the petitions follower is not connected to the database")
	}
	if d.airPermits != nil && !d.airPermits.Connected() {
		return errors.New("the air permits follower is not connected to the database")
	}
	if !d.farmland.Connected() {
		return errors.New("the farmland follower is not connected to the database")
	}
	if d.network != nil {
		if !d.network.Connected() {
			return errors.New("the network follower is not connected to the database")
		}
		if err := d.network.Failure(); err != nil {
			return fmt.Errorf("serving the network loaded before: %w", err)
		}
	}
	if !d.deletions.Connected() {
		return errors.New("the deletions follower is not connected to the database")
	}
	if err := d.deletions.Failure(); err != nil {
		return fmt.Errorf("serving rows deleted from the database: %w", err)
	}
	return nil
}

// durableIngest writes readings to PostGIS before the server acknowledges
// them; a lost connection becomes a 503 the client retries.
func durableIngest(st *store.PostGIS) api.IngestSink {
	return func(ctx context.Context, rs []model.Reading) (int, int, error) {
		in, dup, err := st.IngestReadings(ctx, rs)
		if err != nil && postgis.Retryable(err) {
			return 0, 0, api.Unavailable(err)
		}
		return in, dup, err
	}
}

// IngestCEMS implements api.AirBackend: the batch is stored in PostGIS
// before it is acknowledged (a lost connection is a 503 the client
// retries), and the answer waits, a few seconds at most, for this
// replica's follower to apply it, so the caller reads what it wrote; the
// other replicas apply it through theirs.
func (d *dbBackend) IngestCEMS(ctx context.Context, b *airpermit.CEMSBatch) (airpermit.CEMSStats, error) {
	st, high, err := d.st.IngestCEMS(ctx, b)
	if err != nil && postgis.Retryable(err) {
		return st, api.Unavailable(err)
	}
	if err != nil {
		return st, err
	}
	if d.airPermits != nil {
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = d.airPermits.WaitFor(wait, high) // stored either way: past the wait, the reply only comes first
	}
	return st, nil
}

// persistPetitions makes PostGIS the petition desk's system of record:
// the petitions accepted before (by any replica) are restored into the
// desk, and each new one is stored before it is acknowledged (a lost
// connection is a 503 the client retries). It returns the intake
// high-water mark the desk's follower starts from.
func persistPetitions(ctx context.Context, pool *pgxpool.Pool, desk *petition.Desk) (high, erasedHigh int64, err error) {
	// Erasures first: one committed while the intake loads is both loaded
	// (the row has no contact) and followed.
	if erasedHigh, err = store.ErasedHighWater(ctx, pool); err != nil {
		return 0, 0, err
	}
	held, high, err := store.LoadIntake(ctx, pool)
	if err != nil {
		return 0, 0, err
	}
	if _, err := desk.Restore(held); err != nil {
		return 0, 0, err
	}
	desk.Persist(durablePetitions{store.PetitionRepo{Pool: pool}})
	return high, erasedHigh, nil
}

// durablePetitions turns a lost database connection while accepting a
// petition into a 503.
type durablePetitions struct{ repo store.PetitionRepo }

// Accept implements petition.Store.
func (d durablePetitions) Accept(ctx context.Context, s petition.Stored) (string, error) {
	id, err := d.repo.Accept(ctx, s)
	if err != nil && postgis.Retryable(err) {
		return "", api.Unavailable(err)
	}
	return id, err
}

// serveDB serves the network and dataset stored in PostGIS.
func serveDB(ctx context.Context, e *env, network string) error {
	if err := e.checkAuth(); err != nil {
		return err
	}
	pool, err := e.openDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	cfg := e.apiConfig()
	// API tokens are read through a short-lived cache, which a revocation
	// announced by any server or CLI empties at once (the listener below).
	var tokens access.TokenStore = store.NewTokens(pool)
	var tokenCache *access.TokenCache
	if ttl := e.cfg.Auth.TokenCacheTTL.Duration; ttl > 0 {
		tokenCache = &access.TokenCache{Store: tokens, TTL: ttl}
		tokens = tokenCache
	}
	if cfg.Auth, err = e.serverAuth(ctx, tokens); err != nil {
		return err
	}
	if a := e.cfg.Auth; a.Mode == "oidc" {
		// The map signs in at the same issuer; its ID tokens carry the
		// API's audience as their client id.
		cfg.WebLogin = &webmap.Login{Issuer: a.OIDCIssuer, ClientID: a.OIDCAudience}
	}
	rec, err := e.auditRecorder(ctx, pool)
	if err != nil {
		return err
	}
	cfg.Audit = rec
	if r, ok := rec.(*store.AuditRecorder); ok {
		defer r.Close()
		// A request hands its entry over and does not wait for the group
		// commit; the server waits for the entries before it returns, and
		// Close commits them.
		cfg.AuditInFlight = auditInFlight
	}
	if err := e.checkPrivacySecret(); err != nil {
		return err
	}
	// Readings stored after this mark are applied by the follower; those
	// also loaded below are met twice and skipped.
	high, err := store.ReadingsHighWater(ctx, pool)
	if err != nil {
		return err
	}
	recordsHigh, err := store.RecordsHighWater(ctx, pool)
	if err != nil {
		return err
	}
	deletionsHigh, err := store.DeletionsHighWater(ctx, pool)
	if err != nil {
		return err
	}
	hb, err := loadDBBasin(ctx, e, pool, network)
	if err != nil {
		return err
	}
	b, err := basin.New(hb.net, hb.ds, 0)
	if err != nil {
		return err
	}
	for _, u := range b.Unplaced {
		fmt.Fprintf(e.stderr, "warning: %s\n", u)
	}
	st := store.New(pool)
	airData, airHigh, err := loadDBAir(ctx, pool, hb.ds)
	if err != nil {
		return err
	}
	pa, err := e.petitionArea(false)
	if err != nil {
		return err
	}
	petitionsHigh, erasedHigh, err := persistPetitions(ctx, pool, pa.Desk)
	if err != nil {
		return err
	}
	land, err := store.LoadLand(ctx, pool)
	if err != nil {
		return err
	}
	if err := locateCounties(e, pa, land, b.DS.Stations); err != nil {
		return err
	}
	// Inspection records, the facilities' self-reports and the dumping
	// reports live in PostGIS; the ranking, plans and portal read them with
	// the dataset, whose readings are traced on the loaded network.
	insp := &inspection.Source{Dir: airData, Repo: st, SelfReports: st, Dumps: store.NewDumpingRepo(pool)}
	insp.UseBasin(b)
	// The farmland desk answers over the irrigation system stored in
	// PostGIS (migration 0019), and its follower applies what later
	// imports store.
	fa, farmRev, err := dbFarmland(ctx, pool, b)
	if err != nil {
		return err
	}
	opts := []api.MemoryOption{api.WithIngestSink(durableIngest(st)), api.WithCases(st), api.WithAirData(airData), api.WithPetitions(pa),
		api.WithInspections(insp), api.WithFarmland(fa)}
	if fa.Engine != nil {
		fmt.Fprintf(e.stdout, "envtrace: farmland desk over %d intakes and %d irrigated areas\n", len(fa.Engine.D.Intakes), len(fa.Engine.D.Areas))
	} else {
		fmt.Fprintln(e.stdout, "envtrace: farmland desk waiting for an irrigation system (envtrace import farmland)")
	}
	mb, err := api.NewMemoryBackendWithBasin(b, opts...)
	if err != nil {
		return err
	}
	traceForRanking(ctx, e, insp) // after the backend has indexed the dataset it shares
	db := &dbBackend{MemoryBackend: mb, st: st}
	if cfg.Auth != nil {
		// Only a server that knows who asks may show who asked.
		db.auditLog = store.AuditLogReader{Pool: pool}
	}
	db.records = store.NewRecordsFollower(pool, recordsHigh, mb.ApplyRecords)
	db.follow = store.NewFollower(pool, high, func(ctx context.Context, rs []model.Reading) error {
		if _, err := mb.ApplyReadings(ctx, rs); err == nil {
			return nil
		}
		// Readings of a station imported after the records follower's
		// last catch-up: the station is committed (a reading refers to a
		// stored one), so catch up with the records now and try again.
		if err := db.records.CatchUp(ctx); err != nil {
			return fmt.Errorf("records follower: %w", err)
		}
		_, err := mb.ApplyReadings(ctx, rs)
		return err
	}, func(ctx context.Context, rs []model.Reading) error {
		_, err := mb.CorrectReadings(ctx, rs)
		return err
	})
	db.follow.Log = slog.New(slog.NewTextHandler(e.stderr, nil)).Warn
	db.petitions = store.NewPetitionFollower(pool, petitionsHigh, erasedHigh, func(_ context.Context, ss []petition.Stored) error {
		_, err := pa.Desk.Restore(ss)
		return err
	}, func(ids []string) { pa.Desk.DropContacts(ids) })
	db.petitions.Log = db.follow.Log
	db.records.Log = db.follow.Log
	db.airPermits = store.NewAirPermitFollower(pool, airHigh, func(_ context.Context, d *airpermit.Data) error {
		mb.ApplyAirPermits(d)
		return nil
	})
	db.airPermits.Log = db.follow.Log
	db.farmland = store.NewFarmlandFollower(pool, farmRev, func(_ context.Context, d *farmland.Data) error {
		return mb.ApplyFarmland(d)
	})
	db.farmland.Log = db.follow.Log
	db.network = store.NewNetworkFollower(pool, hb.name, hb.version, func(ctx context.Context) error {
		return reloadDBNetwork(ctx, e, pool, mb, hb.name, db.follow.Log)
	})
	db.network.Log = db.follow.Log
	db.deletions = store.NewDeletionsFollower(pool, deletionsHigh, func(ctx context.Context, ds *model.Dataset) error {
		unplaced, err := mb.ReplaceDataset(ctx, ds)
		for _, u := range unplaced {
			db.follow.Log("not placed on the network after the reload", "what", u)
		}
		if err == nil {
			db.follow.Log("dataset reloaded from the database: rows were deleted", "readings", ds.NumReadings(), "stations", len(ds.Stations))
		}
		return err
	}, db.follow, db.records)
	db.deletions.Log = db.follow.Log
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go func() {
		if err := db.follow.Run(ctx); !errors.Is(err, context.Canceled) {
			stop(fmt.Errorf("readings follower: %w", err))
		}
	}()
	go func() {
		if err := db.records.Run(ctx); !errors.Is(err, context.Canceled) {
			stop(fmt.Errorf("records follower: %w", err))
		}
	}()
	go func() {
		if err := db.petitions.Run(ctx); !errors.Is(err, context.Canceled) {
			stop(fmt.Errorf("petitions follower: %w", err))
		}
	}()
	go func() {
		if err := db.airPermits.Run(ctx); !errors.Is(err, context.Canceled) {
			stop(fmt.Errorf("air permits follower: %w", err))
		}
	}()
	go func() {
		if err := db.farmland.Run(ctx); !errors.Is(err, context.Canceled) {
			stop(fmt.Errorf("farmland follower: %w", err))
		}
	}()
	go func() {
		if err := db.network.Run(ctx); !errors.Is(err, context.Canceled) {
			stop(fmt.Errorf("network follower: %w", err))
		}
	}()
	go func() {
		if err := db.deletions.Run(ctx); !errors.Is(err, context.Canceled) {
			stop(fmt.Errorf("deletions follower: %w", err))
		}
	}()
	if tokenCache != nil && cfg.Auth != nil {
		l := &store.TokenRevocations{Pool: pool, Revoked: tokenCache.Revoked, Live: tokenCache.Live, Log: db.follow.Log}
		go func() { _ = l.Run(ctx) }() // ends with ctx; until it listens, tokens are read from the database
	}
	if land != nil {
		if db.area, err = e.dumpingArea(ctx, land, store.NewDumpingRepo(pool), store.NewOutbox(pool), false); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "envtrace: dumping desk over %d parcels and %d agencies\n", len(land.Parcels), len(land.Agencies))
	}
	srv, err := api.New(cfg, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "envtrace: serving PostGIS network %q (%d reaches) at http://%s/\n", hb.name, hb.net.Len(), e.cfg.Addr)
	if err := srv.Serve(ctx, e.cfg.Addr); err != nil {
		return err
	}
	if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// loadDBAir reads the odour and monitor data (migration 0010), the last
// api.SensorWindow of sensor readings and the air permits, fuel
// declarations and CEMS records (migration 0014) from PostGIS, as `serve
// --data` reads them from a directory, so that `serve --db` answers the
// odour, CPF, air and air-permit routes. It also returns the air permits'
// high-water mark, from which their follower applies what is stored later.
func loadDBAir(ctx context.Context, pool *pgxpool.Pool, ds *model.Dataset) (*datadir.Dir, int64, error) {
	oa, err := store.LoadOdourAir(ctx, pool)
	if err != nil {
		return nil, 0, err
	}
	now := time.Now()
	sd, err := store.LoadSensorReadings(ctx, pool, now.Add(-api.SensorWindow), now)
	if err != nil {
		return nil, 0, err
	}
	ap, high, err := store.LoadAirPermits(ctx, pool)
	if err != nil {
		return nil, 0, err
	}
	return &datadir.Dir{Water: ds, Monitors: oa.Monitors, Wind: oa.Wind, AirReadings: oa.AirReadings, Petitions: oa.Petitions,
		Contacts: odour.Contacts{}, Sensors: sd, AirPermits: ap}, high, nil
}
