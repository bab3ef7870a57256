package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/envtrace/envtrace/tracing/balance"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// loadBasin reads a data directory and its network and places the dataset
// on it.
func (e *env) loadBasin(ctx context.Context, dir string) (*basin.Basin, error) {
	ds, err := model.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if ds.NetworkPath == "" {
		return nil, fmt.Errorf("data directory %s has no network file", dir)
	}
	e.cfg.Network = ds.NetworkPath // ReadDir already joined it to dir
	net, err := e.loadNetworkCached(ctx)
	if err != nil {
		return nil, err
	}
	b, err := basin.New(net, ds, 0)
	if err != nil {
		return nil, err
	}
	for _, u := range b.Unplaced {
		fmt.Fprintf(e.stderr, "warning: %s\n", u)
	}
	return b, nil
}

// dataBasin loads --data (or the embedded fixture) as a basin; cleanup
// removes the fixture's temporary copy.
func (e *env) dataBasin(ctx context.Context) (*basin.Basin, func(), error) {
	dir, cleanup, err := e.dataDir()
	if err != nil {
		return nil, nil, err
	}
	b, err := e.loadBasin(ctx, dir)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return b, cleanup, nil
}

// dataDir resolves --data, defaulting to the embedded fixture written to a
// temporary directory.
func (e *env) dataDir() (string, func(), error) {
	if e.cfg.Data != "" {
		return e.cfg.Data, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "envtrace-fixture-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	if err := writeFixture(dir); err != nil {
		cleanup()
		return "", nil, err
	}
	return dir, cleanup, nil
}

// parseTime accepts RFC 3339 with a zone; a time without a zone is
// ambiguous by eight hours and refused.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr("--time %q: want RFC 3339 with a zone, e.g. 2026-07-14T02:30:00+08:00", s)
}

// parsePeriod reads --from and --to.
func parsePeriod(fromS, toS string) (time.Time, time.Time, error) {
	from, err := parseTimeFlag("from", fromS)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	to, err := parseTimeFlag("to", toS)
	return from, to, err
}

// requiredPeriod parses the --from and --to a query needs: both given,
// each with its zone, and to after from.
func requiredPeriod(fromS, toS string) (time.Time, time.Time, error) {
	if fromS == "" || toS == "" {
		return time.Time{}, time.Time{}, usageErr("--from and --to are required")
	}
	from, to, err := parsePeriod(fromS, toS)
	if err == nil && !to.After(from) {
		err = usageErr("--to must be after --from")
	}
	return from, to, err
}

func cmdTrace(ctx context.Context, e *env, args []string) error {
	fs := e.flags("trace")
	e.cfg.Bind(fs, "data")
	station := fs.String("station", "", "station id")
	parameter := fs.String("parameter", "", "parameter (e.g. Cu, COD, NH3-N)")
	valueS := fs.String("value", "", "the reading's value")
	unit := fs.String("unit", "", "its unit (e.g. mg/L)")
	timeS := fs.String("time", "", "when it was taken, RFC 3339 with zone")
	flow := fs.Float64("flow", 0, "river flow at the station in m³/s (default: from the station's readings)")
	asJSON := fs.Bool("json", false, "print JSON")
	horizon := fs.Float64("max-hours", 72, "travel-time horizon upstream, hours")
	if err := parse(fs, args); err != nil {
		return err
	}
	for name, v := range map[string]string{"station": *station, "parameter": *parameter, "value": *valueS, "unit": *unit, "time": *timeS} {
		if v == "" {
			return usageErr("--%s is required", name)
		}
	}
	value, err := strconv.ParseFloat(*valueS, 64)
	if err != nil {
		return usageErr("--value %q is not a number", *valueS)
	}
	t, err := parseTime(*timeS)
	if err != nil {
		return err
	}
	b, cleanup, err := e.dataBasin(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	eng := suspect.New(b, suspect.Options{HorizonHours: *horizon})
	res, err := eng.Trace(ctx, suspect.Request{Station: *station, Parameter: *parameter, Value: value, Unit: *unit, Time: t, FlowM3s: *flow})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printTrace(e, res)
	return nil
}

// localTime is how the CLI prints every time: in the zone of the reading,
// with its offset, so that 04:00 +08:00 is never mistaken for UTC.
const localTime = "2006-01-02 15:04 -07:00"

func printTrace(e *env, r *suspect.Result) {
	o := r.Observation
	loc := o.Time.Location()
	at := func(t time.Time) string { return t.In(loc).Format(localTime) }
	w := e.stdout
	fmt.Fprintf(w, "Station %s (reach %s, measure %.1f): %s %.4g %s at %s\n", r.Station, o.Reach, o.Measure, r.Parameter, o.Value, o.Unit, at(o.Time))
	fmt.Fprintf(w, "Verdict: %s\n  %s\n", strings.ToUpper(strings.ReplaceAll(string(r.Verdict), "_", " ")), r.Reason)
	b := r.Baseline
	fmt.Fprintf(w, "Baseline: median %.4g %s, MAD %.3g, %d readings (%s window", b.Median, o.Unit, b.MAD, b.N, b.Window)
	if b.ByHour {
		fmt.Fprint(w, ", same hour of day")
	}
	fmt.Fprint(w, ")")
	if b.Lower != nil && b.Upper != nil {
		fmt.Fprintf(w, ", normal range %.4g–%.4g %s", *b.Lower, *b.Upper, o.Unit)
	}
	fmt.Fprintln(w)
	if s := r.Standard; s != nil {
		state := "met"
		if s.Violated {
			state = fmt.Sprintf("violated by %.4g %s", s.Exceedance, s.Unit)
		}
		fmt.Fprintf(w, "Class %s river standard for %s: %s\n", s.Class, s.Parameter, state)
	}
	if o.Excess > 0 {
		fmt.Fprintf(w, "Excess %.4g %s over the %s; flow %.3g m³/s (%s)", o.Excess, o.Unit, o.Reference, o.FlowM3s, o.FlowSource)
		if o.ExcessKgDay > 0 {
			fmt.Fprintf(w, ", excess load %.4g kg/day", o.ExcessKgDay)
		}
		fmt.Fprintln(w)
	}
	for _, x := range r.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", x)
	}
	fmt.Fprintln(w)
	if len(r.Upstream) > 0 {
		fmt.Fprintln(w, "Upstream stations when the same water passed:")
		for _, c := range r.Upstream {
			fmt.Fprintf(w, "  %-10s %6.1f h upstream  expected %s (window %s – %s)  sample %s  %.4g (background %.4g)  %s (weight %.2f)\n",
				c.Station, c.TravelHours, at(c.Expected), at(c.Window.From), at(c.Window.To), at(c.Time), c.Value, c.Background,
				strings.ToUpper(strings.ReplaceAll(c.Verdict, "_", " ")), c.Weight)
		}
		fmt.Fprintln(w)
	}
	if len(r.Suspects) > 0 {
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RANK\tFACILITY\tNAME\tINDUSTRY\tSCORE\tKM\tHOURS\tPERMIT\tREQ/PERMITTED\tREQ/CAPACITY\tPAST EXC.\tDISCHARGE WINDOW")
		for _, s := range r.Suspects {
			ev := s.Evidence
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.3f\t%.2f\t%.1f\t%s\t%.2f\t%.2f\t%d\t%s – %s\n", s.Rank, s.FacilityID, s.Name, ev.Industry, s.Score,
				s.DistanceKm, s.TravelHours, coverage(ev), ev.LoadRatio, ev.CapacityRatio, ev.ExceedancesParam,
				at(ev.DischargeWindow.From), at(ev.DischargeWindow.To))
		}
		tw.Flush()
	}
	for _, list := range []struct {
		title string
		l     []suspect.Suspect
	}{{"Insufficient (they cover the parameter but cannot carry all of the excess)", r.Insufficient}, {"Ruled out", r.RuledOut}} {
		if len(list.l) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", list.title)
		for _, s := range list.l {
			fmt.Fprintf(w, "  %s %s: %s\n", s.FacilityID, s.Name, s.Evidence.Reason)
		}
	}
	if !r.Unexplained.Explained && len(r.Unexplained.Between) == 2 {
		fmt.Fprintf(w, "\nSearch between %s and %s.\n", r.Unexplained.Between[0], r.Unexplained.Between[1])
	}
	fmt.Fprintf(w, "\nMethod %s, data %s\n", r.MethodVersion, r.DataVersion)
}

// coverage says how a suspect covers the traced parameter.
func coverage(ev suspect.Evidence) string {
	switch {
	case ev.PermitCovers:
		return "limit"
	case ev.ProfileCovers:
		return "profile"
	}
	return "no"
}

func cmdCheck(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "air-permits" {
		return checkAirPermits(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "permits" {
		return usageErr("usage: envtrace check permits|air-permits --data DIR [--json]")
	}
	fs := e.flags("check permits")
	e.cfg.Bind(fs, "data")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	dir, cleanup, err := e.dataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	ds, err := model.ReadDir(dir)
	if err != nil {
		return err
	}
	rep := permits.Check(ds)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	counts := map[permits.Severity]int{}
	for _, f := range rep.Findings {
		counts[f.Severity]++
	}
	fmt.Fprintf(e.stdout, "Permit rationality: %d facilities, %d findings (%d high, %d medium, %d low)\n\n",
		rep.Facilities, len(rep.Findings), counts[permits.High], counts[permits.Medium], counts[permits.Low])
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tFACILITY\tPERMIT\tCHECK\tFINDING")
	for _, f := range rep.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Severity, f.Facility, f.Permit, f.Check, f.Message)
	}
	return tw.Flush()
}

func cmdBalance(ctx context.Context, e *env, args []string) error {
	fs := e.flags("balance")
	e.cfg.Bind(fs, "data")
	parameter := fs.String("parameter", "", "parameter (e.g. NH3-N, COD, Cu)")
	fromS := fs.String("from", "", "period start, RFC 3339 with zone")
	toS := fs.String("to", "", "period end, RFC 3339 with zone")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *parameter == "" || *fromS == "" || *toS == "" {
		return usageErr("--parameter, --from and --to are required")
	}
	from, to, err := parsePeriod(*fromS, *toS)
	if err != nil {
		return err
	}
	b, cleanup, err := e.dataBasin(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	rep, err := balance.Compute(ctx, b, *parameter, from, to)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(e.stdout, "Load balance of %s, %s to %s (kg/day)\n\n", rep.Parameter, rep.From.Format(localTime), rep.To.In(rep.From.Location()).Format(localTime))
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATION\tUPSTREAM\tLOAD\tUPSTREAM LOAD\tGAIN\tPERMITTED\tUNEXPLAINED\tDISCHARGERS")
	for _, s := range rep.Segments {
		flag := ""
		if s.ExceedsPermitted {
			flag = " !"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f%s\t%d\n", s.Station, strings.Join(s.Upstream, ","), s.LoadKgDay,
			s.UpstreamLoadKgDay, s.GainKgDay, s.PermittedKgDay, s.UnexplainedKgDay, flag, len(s.Dischargers))
	}
	return tw.Flush()
}
