package main

import (
	"context"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/farmalert"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/farmland"
)

// taipei is the zone of the farmland commands' default time.
var taipei = time.FixedZone("CST", 8*3600)

// farmlandArea builds the farmland desk over a served basin; nil when the
// directory has no irrigation intakes.
func farmlandArea(dir string, b *basin.Basin, ob farmalert.Enqueuer) (*api.FarmlandArea, error) {
	d, err := farmland.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	return newFarmlandArea(b, d, ob)
}

// newFarmlandArea is the farmland desk over b with the irrigation system
// d, from a directory or PostGIS; nil when d has no intakes.
func newFarmlandArea(b *basin.Basin, d *farmland.Data, ob farmalert.Enqueuer) (*api.FarmlandArea, error) {
	if d == nil || len(d.Intakes) == 0 {
		return nil, nil
	}
	eng, err := farmland.New(b, d, 0)
	if err != nil {
		return nil, err
	}
	return &api.FarmlandArea{Engine: eng, Alerts: farmalert.NewBook(ob)}, nil
}

// dbFarmland is the farmland desk `serve --db` serves: the irrigation
// system stored in PostGIS (migration 0019) over b, and the rev its
// follower starts from. When none is stored the desk has no engine and
// waits for the first system an import stores (api.FarmlandArea.Engine),
// so replicas need no restart for it. Alerts' e-mails go to the PostGIS
// outbox, which the dumping desk's worker delivers.
func dbFarmland(ctx context.Context, pool *pgxpool.Pool, b *basin.Basin) (*api.FarmlandArea, int64, error) {
	d, rev, err := store.LoadFarmland(ctx, pool)
	if err != nil {
		return nil, 0, err
	}
	ob := dbEnqueuer{store.NewOutbox(pool)}
	fa, err := newFarmlandArea(b, d, ob)
	if err != nil {
		return nil, 0, fmt.Errorf("stored irrigation system: %w", err)
	}
	if fa == nil {
		fa = &api.FarmlandArea{Alerts: farmalert.NewBook(ob)}
	}
	return fa, rev, nil
}

// dbEnqueuer takes a farmland alert's e-mails into the PostGIS outbox
// (farmalert.Enqueuer has no context: the alert book records in memory).
type dbEnqueuer struct{ o *store.Outbox }

// enqueueTimeout bounds the write of an alert's e-mails.
const enqueueTimeout = 10 * time.Second

// Enqueue implements farmalert.Enqueuer.
func (q dbEnqueuer) Enqueue(ms ...outbox.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), enqueueTimeout)
	defer cancel()
	return q.o.Enqueue(ctx, ms...)
}

// importFarmland stores the directory's irrigation system in PostGIS
// (store.ImportFarmland, replacing the stored one) when the directory has
// irrigation intakes, the desk's condition.
func importFarmland(ctx context.Context, e *env, pool *pgxpool.Pool, dir string) error {
	d, err := farmland.ReadDir(dir)
	if err != nil {
		return err
	}
	return storeFarmland(ctx, e, pool, dir, d)
}

// storeFarmland is importFarmland with dir's irrigation system d read.
func storeFarmland(ctx context.Context, e *env, pool *pgxpool.Pool, dir string, d *farmland.Data) error {
	if len(d.Intakes) == 0 {
		if len(d.Areas) > 0 || len(d.FlowM3s) > 0 || len(d.Permits) > 0 {
			fmt.Fprintf(e.stderr, "warning: %s: irrigation files without %s not imported (the farmland desk needs intakes)\n", dir, farmland.FileIntakes)
		}
		return nil
	}
	rev, err := store.ImportFarmland(ctx, pool, d, filepath.Base(dir))
	if err != nil {
		return retryHint(err)
	}
	fmt.Fprintf(e.stdout, "imported %s: irrigation system %d: %d intakes, %d irrigated areas, %d reach flows, %d canal permits\n",
		dir, rev, len(d.Intakes), len(d.Areas), len(d.FlowM3s), len(d.Permits))
	return nil
}

// cmdImportFarmland stores only the directory's irrigation files
// (`envtrace import farmland`), to replace the layers without importing
// the rest of the directory again.
func cmdImportFarmland(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import farmland")
	e.cfg.Bind(fs, "db", "data")
	if err := parse(fs, args); err != nil {
		return err
	}
	if e.cfg.Data == "" {
		return usageErr("usage: envtrace import farmland --db URL --data DIR")
	}
	d, err := farmland.ReadDir(e.cfg.Data)
	if err != nil {
		return err
	}
	if len(d.Intakes) == 0 {
		return fmt.Errorf("%s: no %s: nothing to import", e.cfg.Data, farmland.FileIntakes)
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	return storeFarmland(ctx, e, pool, e.cfg.Data, d)
}

// farmlandEngine loads --data (or the embedded fixture) with its
// irrigation system.
func (e *env) farmlandEngine(ctx context.Context) (*farmland.Engine, func(), error) {
	dir, cleanup, err := e.dataDir()
	if err != nil {
		return nil, nil, err
	}
	b, err := e.loadBasin(ctx, dir)
	if err == nil {
		var d *farmland.Data
		if d, err = farmland.ReadDir(dir); err == nil {
			var eng *farmland.Engine
			if eng, err = farmland.New(b, d, 0); err == nil {
				return eng, cleanup, nil
			}
		}
	}
	cleanup()
	return nil, nil, err
}

func cmdFarmland(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "impact" && args[0] != "alert" && args[0] != "accumulation") {
		return usageErr("usage: envtrace farmland impact|alert (--facility ID | --station ID) --parameter P [--value V --unit U --time T] | farmland accumulation --from T --to T  [--data DIR] [--json]")
	}
	if args[0] == "accumulation" {
		return cmdFarmlandAccumulation(ctx, e, args[1:])
	}
	fs := e.flags("farmland " + args[0])
	e.cfg.Bind(fs, "data")
	facility := fs.String("facility", "", "facility (ems_no): its outfalls discharge")
	station := fs.String("station", "", "station where the reading was taken")
	parameter := fs.String("parameter", "", "parameter (e.g. Cu, Zn, Cr6+, COND)")
	value := fs.String("value", "", "concentration (a station's reading, or a facility's effluent; default for a facility: its permit limit)")
	unit := fs.String("unit", "", "unit of --value (e.g. mg/L)")
	at := fs.String("time", "", "when, RFC 3339 with zone (a facility defaults to now)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	now := time.Now().In(taipei)
	q, err := farmland.ParseRequest(*facility, *station, *parameter, *value, *unit, *at, now)
	if err != nil {
		return usageErr("%v", err)
	}
	eng, cleanup, err := e.farmlandEngine(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	im, err := eng.Impact(ctx, q)
	if err != nil {
		return err
	}
	if args[0] == "alert" {
		a, ok := eng.Alert(q, im, now)
		if !ok {
			if *asJSON {
				return printJSON(e, map[string]any{"alert": nil, "messages": []any{}})
			}
			fmt.Fprintln(e.stdout, "No intake exceeds the irrigation water standard: no alert.")
			return nil
		}
		if *asJSON {
			return printJSON(e, map[string]any{"alert": a, "messages": farmalert.Messages(*a)})
		}
		printAlert(e, a)
		return nil
	}
	if *asJSON {
		return printJSON(e, im)
	}
	printImpact(e, q, im)
	return nil
}

func printImpact(e *env, q farmland.Request, im *farmland.Impact) {
	if len(im.Intakes) == 0 {
		fmt.Fprintln(e.stdout, "The water reaches no irrigation intake.")
		return
	}
	loc := q.Time.Location()
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INTAKE\tREACH\tARRIVAL\tHOURS\tDILUTION\tCONC\tUNIT\tSTANDARD\tEXCEEDS\tAREA HA\tOFFICE")
	for _, ii := range im.Intakes {
		std := "-"
		if ii.Standard != nil {
			std = fmt.Sprintf("%g", *ii.Standard)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.1f\t%.4g\t%s\t%s\t%v\t%.1f\t%s\n", ii.IntakeID, ii.ReachID, ii.ArrivalTime.In(loc).Format(localTime),
			ii.TravelHours, ii.Dilution, ii.Concentration, ii.Unit, std, ii.Exceeds, ii.AreaHa, ii.Office)
	}
	tw.Flush()
}

func printAlert(e *env, a *farmland.Alert) {
	fmt.Fprintf(e.stdout, "Alert %s: %s %s exceeds the irrigation water standard at %d intakes. Close them:\n", a.ID, a.Source, a.Parameter, len(a.Intakes))
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INTAKE\tNAME\tCLOSE BY\tHOURS LEFT\tCONC\tSTANDARD\tAREA HA\tOFFICE\tCONTACT")
	for _, in := range a.Intakes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.4g %s\t%g\t%.1f\t%s\t%s\n", in.IntakeID, in.Name, in.CloseBy.In(taipei).Format(localTime),
			in.HoursLeft, in.Concentration, in.Unit, in.Standard, in.AreaHa, in.Office, in.Contact)
	}
	tw.Flush()
}

func cmdFarmlandAccumulation(ctx context.Context, e *env, args []string) error {
	fs := e.flags("farmland accumulation")
	e.cfg.Bind(fs, "data")
	fromS := fs.String("from", "", "start of the canal readings, RFC 3339 with zone")
	toS := fs.String("to", "", "end (exclusive)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	from, to, err := requiredPeriod(*fromS, *toS)
	if err != nil {
		return err
	}
	eng, cleanup, err := e.farmlandEngine(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := eng.Accumulate(ctx, from, to)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, res)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tAREA\tHA\tSTATION\tLIMITING\tYEARS TO MONITORING\tYEARS TO CONTROL\tSUSPECTS")
	yr := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.1f", *p)
	}
	for _, a := range res.Areas {
		var sus string
		for i, s := range a.Suspects {
			if i == 3 {
				sus += fmt.Sprintf(" +%d", len(a.Suspects)-3)
				break
			}
			sus += " " + s.FacilityID
		}
		if a.Missing != "" {
			sus = "(" + a.Missing + ")" + sus
		}
		fmt.Fprintf(tw, "%d\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\n", a.Rank, a.AreaID, a.AreaHa, a.Station, a.Limiting, yr(a.YearsToMonitoring), yr(a.YearsToControl), sus)
	}
	return tw.Flush()
}
