package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// openDB opens the pool with the configured statement timeout.
func (e *env) openDB(ctx context.Context) (*pgxpool.Pool, error) {
	if e.cfg.DB == "" {
		return nil, usageErr("--db URL is required")
	}
	return postgis.Open(ctx, e.cfg.DB, postgis.Options{StatementTimeout: e.cfg.StatementTimeout.Duration, ApplicationName: "envtrace"})
}

// openReadyDB opens the pool and checks the schema is what this binary
// needs, closing the pool again when it is not.
func (e *env) openReadyDB(ctx context.Context) (*pgxpool.Pool, error) {
	pool, err := e.openDB(ctx)
	if err != nil {
		return nil, err
	}
	if err := store.Ready(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w (run: envtrace db migrate --db URL)", err)
	}
	return pool, nil
}

func cmdDB(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "migrate" {
		return usageErr("usage: envtrace db migrate --db URL")
	}
	fs := e.flags("db migrate")
	e.cfg.Bind(fs, "db")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	pool, err := e.openDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := store.Migrate(ctx, pool); err != nil {
		return err
	}
	if err := store.Ready(ctx, pool); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database is at schema version %d\n", store.SchemaVersion())
	return nil
}

// progressPrinter reports long writes on stderr, about once a second.
func (e *env) progressPrinter(what string) store.Progress {
	var last time.Time
	return func(done, total int) {
		if time.Since(last) < time.Second && done != total {
			return
		}
		last = time.Now()
		fmt.Fprintf(e.stderr, "%s: %d/%d\n", what, done, total)
	}
}

func cmdImport(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "sensors":
			return cmdImportSensors(ctx, e, args[1:])
		case "parcels":
			return cmdImportParcels(ctx, e, args[1:])
		case "farmland":
			return cmdImportFarmland(ctx, e, args[1:])
		case "cems":
			return cmdImportCEMS(ctx, e, args[1:])
		case "wind", "air":
			return cmdImportData(ctx, e, args[0], args[1:])
		}
	}
	fs := e.flags("import")
	e.cfg.Bind(fs, "db", "data", "network", "layer", "snap-tolerance")
	name := fs.String("name", "", "name of the stored network (default: the network file's base name)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if e.cfg.Data == "" && e.cfg.Network == "" {
		return usageErr("give --data DIR and/or --network PATH")
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	var ds *model.Dataset
	netPath := e.cfg.Network
	if e.cfg.Data != "" {
		if ds, err = model.ReadDir(e.cfg.Data); err != nil {
			return err
		}
		if netPath == "" {
			netPath = ds.NetworkPath // ReadDir already joined it to the directory
		}
	}
	if netPath != "" {
		if err := importNetwork(ctx, e, pool, netPath, *name); err != nil {
			return retryHint(err)
		}
	}
	if e.cfg.Data != "" {
		land, err := dumping.ReadLand(e.cfg.Data)
		if err != nil {
			return err
		}
		if land != nil {
			if err := store.ImportLand(ctx, pool, land, filepath.Base(e.cfg.Data), e.progressPrinter("parcels")); err != nil {
				return retryHint(err)
			}
			fmt.Fprintf(e.stdout, "imported %s: %d agencies, %d jurisdictions, %d parcels\n", e.cfg.Data, len(land.Agencies), len(land.Jurisdictions), len(land.Parcels))
		}
		if err := importFarmland(ctx, e, pool, e.cfg.Data); err != nil {
			return err
		}
	}
	if ds != nil {
		if err := store.ImportDataset(ctx, pool, ds, e.progressPrinter("dataset")); err != nil {
			return retryHint(err)
		}
		fmt.Fprintf(e.stdout, "imported %s: %d facilities, %d outfalls, %d permits, %d limits, %d reports, %d stations, %d readings\n",
			e.cfg.Data, len(ds.Facilities), len(ds.Outfalls), len(ds.Permits), len(ds.Limits), len(ds.Reports), len(ds.Stations), ds.NumReadings())
		if n := len(ds.Effluent); n > 0 {
			// PostGIS has no table for the online monitoring series yet;
			// say so rather than drop them silently.
			fmt.Fprintf(e.stderr, "warning: %s: %d online effluent monitoring values not imported (PostGIS does not store them yet; `check permits --data` and `serve --data` screen them)\n",
				model.FileEffluent, n)
		}
		if err := importSensors(ctx, e, pool); err != nil {
			return err
		}
		if err := importAirPermits(ctx, e, pool); err != nil {
			return err
		}
		return importOdourAir(ctx, e, pool)
	}
	return nil
}

// importOdourAir stores the directory's monitors, wind, monitor readings
// and odour petitions (migration 0010); contacts are sealed with the
// contact key, and left out, with a warning, without one.
func importOdourAir(ctx context.Context, e *env, pool *pgxpool.Pool) error {
	d, err := datadir.ReadWith(e.cfg.Data, &model.Dataset{})
	if err != nil {
		return err
	}
	if len(d.Monitors) == 0 && len(d.Petitions) == 0 {
		return nil
	}
	var seal store.Seal
	prot, err := e.protection(false)
	if err != nil {
		return err
	}
	if prot.Keys != nil {
		seal = petition.KeyringSealer{Keys: prot.Keys}.Seal
	}
	var subject func(string) string
	if e.hasPrivacySecret() {
		subject = prot.Secret.Subject
	}
	st, err := store.ImportOdourAir(ctx, pool, &store.OdourAir{Monitors: d.Monitors, Wind: d.Wind, AirReadings: d.AirReadings, Petitions: d.Petitions}, d.Contacts, seal, subject)
	if err != nil {
		return retryHint(err)
	}
	fmt.Fprintf(e.stdout, "imported odour and air data: %d new monitors, %d new wind hours, %d new monitor readings, %d new petitions\n",
		st.Monitors, st.Wind, st.AirReadings, st.Petitions)
	if st.ContactsDropped > 0 {
		fmt.Fprintf(e.stderr, "warning: %d petitioners' contacts not stored: no contact key (dumping.contact_key_file) to seal them\n", st.ContactsDropped)
	}
	return nil
}

// importAirPermits stores the directory's air permits, fuel declarations,
// CEMS records, rainy hours and emission factors (migration 0014).
func importAirPermits(ctx context.Context, e *env, pool *pgxpool.Pool) error {
	d, err := airpermit.ReadDir(e.cfg.Data)
	if err != nil {
		return err
	}
	if len(d.Permits) == 0 && len(d.Declarations) == 0 && len(d.CEMS) == 0 {
		return nil
	}
	st, err := store.ImportAirPermits(ctx, pool, d)
	if err != nil {
		return retryHint(err)
	}
	fmt.Fprintf(e.stdout, "imported air permits: %d new permits, %d new fuel declarations, %d new CEMS records, %d new rainy hours, %d emission factors\n",
		st.Permits, st.Declarations, st.CEMS, st.RainyHours, st.Factors)
	return nil
}

// cmdImportCEMS is `envtrace import cems --db URL [--json] FILE`, the CLI
// twin of POST /api/v1/air/cems: FILE is CEMS records in cems.csv's
// format, stored whole or not at all (store.IngestCEMS); --json prints
// the REST answer's JSON. Running servers apply the records through their
// followers.
func cmdImportCEMS(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import cems")
	e.cfg.Bind(fs, "db")
	asJSON := fs.Bool("json", false, "print JSON")
	var file string
	if n := len(args); n > 0 && !strings.HasPrefix(args[n-1], "-") {
		file, args = args[n-1], args[:n-1]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if file == "" {
		return usageErr("usage: envtrace import cems --db URL [--json] FILE")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := airpermit.ReadCEMS(filepath.Base(file), f)
	if err != nil {
		return err
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	st, _, err := store.IngestCEMS(ctx, pool, b)
	if err != nil {
		return retryHint(err)
	}
	if *asJSON {
		return printJSON(e, st)
	}
	fmt.Fprintf(e.stdout, "imported %s: %d CEMS records, %d new, %d already stored\n", file, st.Received, st.Inserted, st.Duplicates)
	return nil
}

// importSensors copies the data directory's sensors and sensor readings
// into the partitioned sensor_readings table.
func importSensors(ctx context.Context, e *env, pool *pgxpool.Pool) error {
	sd, err := sensor.ReadDir(e.cfg.Data)
	if err != nil {
		return err
	}
	if len(sd.Sensors) == 0 {
		return nil
	}
	in, dup, err := store.IngestSensorReadings(ctx, pool, sd)
	if err != nil {
		return retryHint(err)
	}
	fmt.Fprintf(e.stdout, "imported %d sensors: %d new sensor readings, %d already stored\n", len(sd.Sensors), in, dup)
	return nil
}

func retryHint(err error) error {
	if postgis.Retryable(err) {
		return fmt.Errorf("%w (the database connection failed; the import is idempotent: run it again)", err)
	}
	return err
}

// importNetwork stores a GIS network file, builds it from what was stored
// and writes the computed labels back.
func importNetwork(ctx context.Context, e *env, pool *pgxpool.Pool, path, name string) error {
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	fmt.Fprintf(e.stderr, "reading %s\n", path)
	reaches, src, err := hydro.ReadReaches(path, hydro.LoadOptions{Layer: e.cfg.Layer, SnapTolerance: e.cfg.SnapTolerance})
	if err != nil {
		return err
	}
	if err := store.ImportNetwork(ctx, pool, name, reaches, src.SRID, e.progressPrinter("reaches")); err != nil {
		return err
	}
	net, err := store.BuildNetwork(ctx, pool, name, hydro.Options{SnapTolerance: e.cfg.SnapTolerance})
	if err != nil {
		return err
	}
	if err := store.WriteLabels(ctx, pool, name, net); err != nil {
		return err
	}
	warnings := 0
	for _, p := range net.Problems {
		if p.Severity() == hydro.Warning {
			warnings++
		}
	}
	fmt.Fprintf(e.stdout, "imported network %q: %d reaches (%s topology, %d warnings), labels written\n", name, net.Len(), net.Topology, warnings)
	return nil
}

// loadDBBasin builds the network from PostGIS and loads the dataset, after
// checking the schema: startup fails fast, naming what is missing.
func loadDBBasin(ctx context.Context, e *env, pool *pgxpool.Pool, network string) (*hydroBasin, error) {
	if err := store.Ready(ctx, pool); err != nil {
		return nil, fmt.Errorf("refusing to start: %w", err)
	}
	nets, err := store.Networks(ctx, pool)
	if err != nil {
		return nil, err
	}
	if len(nets) == 0 {
		return nil, errors.New("refusing to start: the database holds no network (run: envtrace import --db URL --network PATH)")
	}
	info := nets[0]
	if network != "" {
		found := false
		for _, n := range nets {
			if n.Name == network {
				info, found = n, true
			}
		}
		if !found {
			return nil, fmt.Errorf("network %q is not in the database", network)
		}
	} else if len(nets) > 1 {
		var names []string
		for _, n := range nets {
			names = append(names, n.Name)
		}
		return nil, usageErr("the database holds %d networks (%s): choose one with --network-name", len(nets), strings.Join(names, ", "))
	}
	net, err := buildDBNetwork(ctx, e, pool, info)
	if err != nil {
		return nil, err
	}
	ds, err := store.LoadDataset(ctx, pool)
	if err != nil {
		return nil, err
	}
	return &hydroBasin{name: info.Name, version: store.NetworkVersion(info.ImportedAt), net: net, ds: ds}, nil
}

// buildDBNetwork builds the stored network info describes and, when an
// import has cleared its labels, writes them back for the SQL-side
// upstream queries: at start-up, and whenever a replica loads a network
// an import changed.
func buildDBNetwork(ctx context.Context, e *env, pool *pgxpool.Pool, info store.NetworkInfo) (*hydro.Network, error) {
	net, err := store.BuildNetwork(ctx, pool, info.Name, hydro.Options{SnapTolerance: e.cfg.SnapTolerance})
	if err != nil {
		return nil, err
	}
	if info.LabelledAt == nil {
		if err := store.WriteLabels(ctx, pool, info.Name, net); err != nil {
			return nil, err
		}
	}
	return net, nil
}

// reloadDBNetwork loads the stored network named name again (an import
// changed it) and puts it under mb's data, logging what could not be
// placed on it; a network no longer stored is an error.
func reloadDBNetwork(ctx context.Context, e *env, pool *pgxpool.Pool, mb *api.MemoryBackend, name string, log func(msg string, args ...any)) error {
	nets, err := store.Networks(ctx, pool)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(nets, func(n store.NetworkInfo) bool { return n.Name == name })
	if i < 0 {
		return fmt.Errorf("network %q is no longer stored", name)
	}
	net, err := buildDBNetwork(ctx, e, pool, nets[i])
	if err != nil {
		return err
	}
	unplaced, err := mb.ApplyNetwork(ctx, net)
	if err != nil {
		return err
	}
	for _, u := range unplaced {
		log("not placed on the reloaded network", "network", name, "what", u)
	}
	log("network reloaded from the database", "network", name, "reaches", net.Len())
	return nil
}

type hydroBasin struct {
	name string
	// version is the network's store.NetworkVersion, read before it was
	// loaded.
	version int64
	net     *hydro.Network
	ds      *model.Dataset
}

func cmdIngest(ctx context.Context, e *env, args []string) error {
	fs := e.flags("ingest")
	e.cfg.Bind(fs, "db")
	file := fs.String("readings", "", "CSV file in the readings.csv format")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usageErr("--readings FILE is required")
	}
	rs, err := model.ReadReadings(*file)
	if err != nil {
		return err
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	inserted, dup, err := store.IngestReadings(ctx, pool, rs)
	if err != nil {
		return retryHint(err)
	}
	fmt.Fprintf(e.stdout, "ingested %s: %d new readings, %d already stored\n", *file, inserted, dup)
	return nil
}
