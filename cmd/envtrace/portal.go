package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/store"
)

// asFacility is the operator asking for one facility's portal: the
// command line reads the data directory anyway, so it may name any.
type asFacility string

func (f asFacility) FacilityID() (string, bool) { return string(f), f != "" }

// cmdPortal is `envtrace portal show|self-reports`, the twins of
// GET /api/v1/portal (as the facility) and GET /api/v1/portal/self-reports.
func cmdPortal(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "self-reports") {
		return usageErr("usage: envtrace portal show --facility ID [--as-of T] [--data DIR] [--db URL] [--json] | portal self-reports --db URL [--facility ID] [--status submitted|accepted|rejected] [--json]")
	}
	fs := e.flags("portal " + args[0])
	asJSON := fs.Bool("json", false, "print JSON")
	facility := fs.String("facility", "", "the facility's control number (ems_no)")
	asOfS := fs.String("as-of", "", "show: the time the portal is as of, RFC 3339 with zone or YYYY-MM-DD (default now)")
	status := fs.String("status", "", "self-reports: only those in this status")
	e.cfg.Bind(fs, "db")
	if args[0] == "show" {
		e.cfg.Bind(fs, "data")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if args[0] == "self-reports" {
		return portalSelfReports(ctx, e, inspection.SelfReportQuery{Facility: *facility, Status: *status}, *asJSON)
	}
	if *facility == "" {
		return usageErr("--facility is required")
	}
	asOf := time.Now()
	if *asOfS != "" {
		t, err := inspection.ParseAsOf(*asOfS)
		if err != nil {
			return usageErr("--as-of: %v", err)
		}
		asOf = t
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
	if e.cfg.DB != "" {
		// The self-reports a server over this database keeps.
		pool, err := e.openReadyDB(ctx)
		if err != nil {
			return err
		}
		defer pool.Close()
		src.SelfReports = store.New(pool)
	}
	p, err := inspection.FacilityPortal(ctx, src, asFacility(*facility), asOf)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, p)
	}
	fmt.Fprintf(e.stdout, "%s %s (%s), as of %s: %s\n", p.FacilityID, p.Name, p.Industry, p.AsOf, p.Status)
	for _, pl := range p.Nearby.Places {
		fmt.Fprintf(e.stdout, "  %s %s at %.0f m:", pl.Kind, pl.ID, pl.DistanceM)
		for _, r := range pl.Readings {
			fmt.Fprintf(e.stdout, " %s %g %s (%s);", r.Parameter, r.Value, r.Unit, r.Time)
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}

// portalSelfReports lists the stored self-reports.
func portalSelfReports(ctx context.Context, e *env, q inspection.SelfReportQuery, asJSON bool) error {
	switch q.Status {
	case "", inspection.StatusSubmitted, inspection.StatusAccepted, inspection.StatusRejected:
	default:
		return usageErr("--status: %q is not submitted, accepted or rejected", q.Status)
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	l, err := inspection.ListSelfReports(ctx, store.New(pool), q, nil)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e, l)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFACILITY\tKIND\tSTATUS\tSUBMITTED\tLAST STEP")
	for _, r := range l.SelfReports {
		last := r.History[len(r.History)-1]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %s %s\n", r.ID, r.Facility, r.Kind, r.Status, r.SubmittedAt.Format(time.RFC3339),
			last.By, last.At.Format(time.RFC3339), last.Reason)
	}
	return tw.Flush()
}
