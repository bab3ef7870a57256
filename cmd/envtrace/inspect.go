package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/envtrace/envtrace/casework/inspection"
)

// cmdInspect is `envtrace inspect rank|plan`.
func cmdInspect(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "rank" && args[0] != "plan") {
		return usageErr("usage: envtrace inspect rank --as-of T | inspect plan --date D --teams N [--per-team K] [--random-share S] [--format csv|geojson|html]  [--data DIR] [--json]")
	}
	fs := e.flags("inspect " + args[0])
	e.cfg.Bind(fs, "data")
	asJSON := fs.Bool("json", false, "print JSON")
	asOfS := fs.String("as-of", "", "rank: the time the ranking is as of, RFC 3339 with zone (or YYYY-MM-DD, Taiwan)")
	dateS := fs.String("date", "", "plan: the day planned, YYYY-MM-DD (Taiwan)")
	teams := fs.Int("teams", 0, "plan: inspection teams")
	perTeam := fs.Int("per-team", inspection.DefaultPerTeam, "plan: inspections per team per day")
	share := fs.Float64("random-share", inspection.DefaultRandomShare, "plan: share of the budget drawn at random")
	format := fs.String("format", "", "plan: export format csv, geojson or html (printable zh-TW)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	var at time.Time
	var err error
	if args[0] == "rank" {
		if *asOfS == "" {
			return usageErr("--as-of is required")
		}
		if at, err = inspection.ParseAsOf(*asOfS); err != nil {
			return usageErr("--as-of: %v", err)
		}
	} else {
		if *dateS == "" || *teams == 0 {
			return usageErr("--date and --teams are required")
		}
		if at, err = inspection.ParseDate(*dateS); err != nil {
			return usageErr("--date: %v", err)
		}
		// An unknown format is refused before the data is read and the
		// plan built (seconds), as the REST twin refuses it.
		if *format != "" {
			if err := inspection.CheckFormat(*format); err != nil {
				return usageErr("--format: %v", err)
			}
		}
	}
	dir, cleanup, err := e.dataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	src, err := inspection.ReadSource(dir)
	if err != nil {
		return err
	}
	if args[0] == "rank" {
		r, err := inspection.Rank(ctx, src, at)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, r)
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "Risk ranking as of %s\nRANK\tFACILITY\tSCORE\tPROBABILITY\tLARGEST TERMS\n", r.AsOf)
		for _, f := range r.Facilities {
			fmt.Fprintf(tw, "%d\t%s\t%.3f\t%.3f\t%s\n", f.Rank, f.FacilityID, f.Score, f.Probability, inspection.TopTerms(f, 3))
		}
		return tw.Flush()
	}
	p, err := inspection.BuildPlan(ctx, src, inspection.PlanOptions{Date: at, Teams: *teams, PerTeam: *perTeam, RandomShare: *share})
	if err != nil {
		return usageErr("%v", err)
	}
	switch {
	case *format != "":
		b, _, err := p.Export(*format)
		if err != nil {
			return usageErr("--format: %v", err)
		}
		_, err = e.stdout.Write(b)
		return err
	case *asJSON:
		return printJSON(e, p)
	}
	fmt.Fprintf(e.stdout, "Inspection plan %s: %d teams, budget %d, random share %.0f%%\nModel: %s\n", p.Date, p.Teams, p.Budget, 100*p.RandomShare, p.Calibration)
	for _, r := range p.Routes {
		fmt.Fprintf(e.stdout, "\nTeam %d, %s (%.2f km)\n", r.Team, r.Window, r.DistanceKm)
		for _, en := range r.Entries {
			fmt.Fprintf(e.stdout, "  %d. %s %s [%s, rank %d, p=%.2f]\n", en.Order, en.FacilityID, en.Name, en.Selection, en.Rank, en.Probability)
			for _, w := range en.WhyEN {
				fmt.Fprintf(e.stdout, "       - %s\n", w)
			}
		}
	}
	return nil
}

// traceForRanking starts tracing the data directory's readings for the
// risk ranking's water-trace term in the background as the server starts:
// the server takes requests at once, and a ranking waits for the traces
// (computed once per source) instead of tracing every reading within its
// request's time limit. An error is not lost: the ranking that needs the
// traces computes them again and reports it.
func traceForRanking(ctx context.Context, e *env, src *inspection.Source) {
	fmt.Fprintf(e.stderr, "inspection: tracing the %d readings for the risk ranking in the background\n", src.Dir.Water.NumReadings())
	go func() { _, _ = src.WaterTraces(ctx) }()
}
