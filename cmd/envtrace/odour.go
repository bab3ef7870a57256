package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/odour"
)

// readDataDir reads --data (or the embedded fixture) with every kind.
func (e *env) readDataDir() (*datadir.Dir, func(), error) {
	dir, cleanup, err := e.dataDir()
	if err != nil {
		return nil, nil, err
	}
	d, err := datadir.Read(dir)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return d, cleanup, nil
}

// printJSON writes v indented, as every --json does.
func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdOdour(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "rank" && args[0] != "trace") {
		return usageErr("usage: envtrace odour rank --from T --to T | odour trace --petition ID  [--data DIR] [--json]")
	}
	fs := e.flags("odour " + args[0])
	e.cfg.Bind(fs, "data")
	asJSON := fs.Bool("json", false, "print JSON")
	fromS := fs.String("from", "", "rank: window start, RFC 3339 with zone")
	toS := fs.String("to", "", "rank: window end (exclusive), RFC 3339 with zone")
	petition := fs.String("petition", "", "trace: the petition id")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	var from, to time.Time
	if args[0] == "rank" {
		if *fromS == "" || *toS == "" {
			return usageErr("--from and --to are required")
		}
		var err error
		if from, to, err = parsePeriod(*fromS, *toS); err != nil {
			return err
		}
		if !to.After(from) {
			return usageErr("--to must be after --from")
		}
	} else if *petition == "" {
		return usageErr("--petition is required")
	}
	d, cleanup, err := e.readDataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	eng, err := d.OdourEngine(odour.Options{})
	if err != nil {
		return err
	}
	var res *odour.Result
	if args[0] == "rank" {
		res, err = eng.Rank(ctx, from, to)
	} else {
		if d.Water.NetworkPath != "" {
			b, err := e.loadBasin(ctx, d.Path)
			if err != nil {
				return err
			}
			eng = eng.WithBasin(b, odour.WaterOptions{})
		}
		res, err = eng.Trace(ctx, *petition)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, res)
	}
	printOdour(e, res)
	return nil
}

func parseTimeFlag(name, s string) (time.Time, error) {
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, usageErr("--%s %q: want RFC 3339 with a zone, e.g. 2026-01-12T06:00:00+08:00", name, s)
	}
	return t, nil
}

func printOdour(e *env, r *odour.Result) {
	if r.Petition != "" {
		fmt.Fprintf(e.stdout, "Upwind trace of petition %s\n", r.Petition)
	} else {
		fmt.Fprintf(e.stdout, "Odour petitions %s to %s: %d traceable\n", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), r.Petitions)
	}
	c := r.Confidence
	fmt.Fprintf(e.stdout, "Confidence: %s — %s\nWind: %s (%s)\n\n", strings.ToUpper(c.Level), c.Reason, c.Wind.Class, c.Wind.Method)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tFACILITY\tNAME\tINDUSTRY\tSCORE\tSUPPORTING\tNEAREST M\tSURFACE\tPRIOR\tTIER")
	for _, cd := range r.Candidates {
		rank := "-"
		if cd.Rank > 0 {
			rank = fmt.Sprint(cd.Rank)
		}
		ev := cd.Evidence
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.3f\t%d\t%.0f\t%.2f\t%d\t%s\n", rank, cd.FacilityID, cd.Name, cd.Industry, cd.Score, ev.Supporting, ev.NearestM, ev.Surface, ev.PriorPetitions, ev.Tier)
	}
	tw.Flush()
	if s := r.SurfaceMax; s != nil {
		fmt.Fprintf(e.stdout, "\nSurface maximum at %.5f, %.5f (explains %.1f petitions), %.0f m from %s\n", s.Lon, s.Lat, s.Value, s.DistanceM, s.NearestFacilityID)
	}
	if r.Baseline.FacilityID != "" {
		fmt.Fprintf(e.stdout, "No-wind baseline (nearest facility): %s\n", r.Baseline.FacilityID)
	}
	if rep := r.Repeat; rep != nil && (len(rep.Facilities) > 0 || len(rep.Areas) > 0) {
		fmt.Fprintf(e.stdout, "\nRepeat tiers, %s to %s:\n", rep.From.Format("2006-01-02"), rep.To.Format("2006-01-02"))
		for _, f := range rep.Facilities {
			fmt.Fprintf(e.stdout, "  facility %s %s: %d petitions on %d days, tier %s\n", f.FacilityID, f.Name, f.Petitions, f.Days, f.Tier)
		}
		for _, a := range rep.Areas {
			fmt.Fprintf(e.stdout, "  area %s (%.0f m square at %.4f, %.4f): %d petitions on %d days, tier %s\n", a.AreaID, a.SizeM, a.Lon, a.Lat, a.Petitions, a.Days, a.Tier)
		}
	}
}

// cmdAirCPF is `envtrace air cpf`.
func cmdAirCPF(ctx context.Context, e *env, args []string) error {
	fs := e.flags("air cpf")
	e.cfg.Bind(fs, "data")
	monitor := fs.String("monitor", "", "monitor id")
	parameter := fs.String("parameter", "", "air parameter (H2S, SO2, PM2.5, ...)")
	pct := fs.Float64("percentile", 90, "percentile of the threshold")
	sector := fs.Float64("sector-deg", 10, "sector width in degrees (divides 360)")
	minSpeed := fs.Float64("min-speed", atmos.CalmSpeed, "minimum wind speed in m/s (1 mph = 0.44704)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *monitor == "" || *parameter == "" {
		return usageErr("--monitor and --parameter are required")
	}
	d, cleanup, err := e.readDataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := d.CPF(*monitor, *parameter, air.CPFOptions{Percentile: *pct, SectorDeg: *sector, MinSpeed: *minSpeed, HasMinSpeed: true})
	if errors.Is(err, air.ErrBadOption) {
		return usageErr("%v", err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "CPF of %s at monitor %s: P%g threshold %g %s, %d hours at ≥ %g m/s, %d above\n\n", res.Parameter, res.Monitor, res.Percentile, res.Threshold, res.Unit, res.N, res.MinSpeed, res.Exceed)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SECTOR\tHOURS\tABOVE\tCPF\t")
	for _, s := range res.Sectors {
		cpf, bar := "-", ""
		if s.CPF != nil {
			cpf, bar = fmt.Sprintf("%.3f", *s.CPF), strings.Repeat("█", int(*s.CPF*40+0.5))
		}
		fmt.Fprintf(tw, "[%g, %g)\t%d\t%d\t%s\t%s\n", s.FromDeg, s.ToDeg, s.N, s.Exceed, cpf, bar)
	}
	tw.Flush()
	if len(res.Facilities) > 0 {
		fmt.Fprintln(e.stdout, "\nFacilities in high sectors:")
		for _, f := range res.Facilities {
			fmt.Fprintf(e.stdout, "  %s %s: bearing %.0f°, %.1f km, sector CPF %.3f\n", f.FacilityID, f.Name, f.BearingDeg, f.DistanceM/1000, f.CPF)
		}
	}
	return nil
}

// importFormats are the input formats of `import wind` and `import air`.
var importFormats = map[string][]string{"wind": {"codis", "o-a0001-001"}, "air": {"esdr"}}

// cmdImportData imports weather and air files into a data directory:
// `import wind --format codis|o-a0001-001` and `import air --format esdr`.
func cmdImportData(ctx context.Context, e *env, kind string, args []string) error {
	fs := e.flags("import " + kind)
	formats := strings.Join(importFormats[kind], " or ")
	format := fs.String("format", "", "input format: "+formats)
	out := fs.String("out", "", "data directory to write or extend")
	meta := fs.String("meta", "", "station metadata (default: meta.csv or esdr_metadata.json beside the first file)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: err}
	}
	files := fs.Args()
	switch {
	case !slices.Contains(importFormats[kind], *format):
		return usageErr("--format %q: import %s reads --format %s", *format, kind, formats)
	case *out == "":
		return usageErr("--out DIR is required")
	case len(files) == 0:
		return usageErr("give the files to import")
	}
	progress := func(line string) { fmt.Fprintln(e.stderr, line) }
	var got datadir.Imported
	var err error
	switch *format {
	case "codis":
		got, err = datadir.ImportCODiS(*out, *meta, files, progress)
	case "o-a0001-001":
		if *meta != "" {
			return usageErr("--meta: O-A0001-001 files describe their own stations")
		}
		got, err = datadir.ImportCWAObs(*out, files, progress)
	default:
		got, err = datadir.ImportESDR(*out, *meta, files, progress)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported into %s: %d new monitors, %d new wind hours, %d new readings\n", *out, got.Monitors, got.Wind, got.Readings)
	return nil
}
