package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/sensor"
	"github.com/envtrace/envtrace/tracing/signal"
)

// queryErr turns a query's invalid field into a usage error (exit 2);
// other errors (data not available, bad files) exit 1 with their message.
func queryErr(err error) error {
	if ie, ok := airquery.IsInvalid(err); ok {
		return usageErr("--%s: %s", ie.Field, ie.Reason)
	}
	return err
}

// cmdImportSensors is `envtrace import sensors --format civiliot --out DIR
// FILE`: it merges the file's sensors and readings into DIR's sensors.csv
// and sensor_readings.csv.
func cmdImportSensors(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import sensors")
	format := fs.String("format", "", "input format: civiliot (the Civil IoT Taiwan CSV)")
	out := fs.String("out", "", "data directory to write or extend")
	asJSON := fs.Bool("json", false, "print JSON")
	// FILE follows the flags.
	var file string
	if n := len(args); n > 0 && !strings.HasPrefix(args[n-1], "-") {
		file, args = args[n-1], args[:n-1]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if file == "" {
		return usageErr("usage: envtrace import sensors --format civiliot --out DIR FILE")
	}
	if *format != "civiliot" {
		return usageErr("--format %q: the supported format is civiliot", *format)
	}
	if *out == "" {
		return usageErr("--out DIR is required")
	}
	in, err := sensor.ReadCivilIoTFile(file)
	if err != nil {
		return err
	}
	held, err := sensor.ReadDir(*out)
	if err != nil {
		return err
	}
	st, err := sensor.Merge(held, in)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sensor.WriteDir(*out, held); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, st)
	}
	fmt.Fprintf(e.stdout, "imported %s into %s: %d new sensors, %d new readings, %d already held\n", file, *out, st.Sensors, st.Readings, st.Duplicates)
	return nil
}

// airSources loads --data (or the embedded fixture) for the air commands.
func (e *env) airSources() (*airquery.Sources, func(), error) {
	d, cleanup, err := e.readDataDir()
	if err != nil {
		return nil, nil, err
	}
	src := airquery.FromDir(d)
	f, err := e.publicShift()
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if f != nil {
		src.Fuzz = f.Fuzz
	}
	return src, cleanup, nil
}

// cmdAir dispatches `envtrace air anomalies` (the sensors' ADF screen) and
// `envtrace air cpf` (a monitor's conditional probability function).
func cmdAir(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "anomalies":
			return cmdAirAnomalies(ctx, e, args[1:])
		case "attribute":
			return cmdAirAttribute(ctx, e, args[1:])
		case "risk":
			return cmdAirRisk(ctx, e, args[1:])
		case "calibrate":
			return cmdAirCalibrate(ctx, e, args[1:])
		case "cpf":
			return cmdAirCPF(ctx, e, args[1:])
		}
	}
	return usageErr("usage: envtrace air anomalies --data DIR --from T --to T [--distance geodesic|course] [--json]\n" +
		"       envtrace air attribute --data DIR --from T --to T [--event DEVICE@TIME] [--distance geodesic|course] [--json]\n" +
		"       envtrace air risk --data DIR --from T --to T [--hex-edge M] [--limit UG_M3] [--json]\n" +
		"       envtrace air calibrate --data DIR --sensor ID --reference ID --day YYYY-MM-DD [--json]\n" +
		"       envtrace air cpf [--data DIR] --monitor ID --parameter P [--percentile 90] [--sector-deg 10] [--min-speed M] [--json]")
}

func cmdAirAnomalies(ctx context.Context, e *env, args []string) error {
	fs := e.flags("air anomalies")
	e.cfg.Bind(fs, "data")
	fromS := fs.String("from", "", "start, RFC 3339 with zone")
	toS := fs.String("to", "", "end (exclusive; the MD windows end here), RFC 3339 with zone")
	dist := fs.String("distance", "geodesic", "neighbour distance: geodesic, or course (the LearnCIOT course's latitude-only distance)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	from, to, err := requiredPeriod(*fromS, *toS)
	if err != nil {
		return err
	}
	src, cleanup, err := e.airSources()
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := airquery.RunAnomalies(ctx, src, airquery.Anomalies{From: from, To: to, Distance: *dist})
	if err != nil {
		return queryErr(err)
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "ADF on %d devices, %s to %s (%s distance, MD threshold %.4f): %d RED flags\n\n",
		len(res.Devices), from.Format(time.RFC3339), to.Format(time.RFC3339), res.Parameters.Distance, res.Parameters.MDThreshold, len(res.RED))
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tCLASS\tMD\tINDOOR 1/7/14 d\tEMISSION 1/7/14 d\tSLICES\tRED\tNEIGHBOURS")
	for _, d := range res.Devices {
		ev := d.Evidence
		fmt.Fprintf(tw, "%s\t%s\t%.4f\t%v\t%v\t%d\t%d\t%d\n", d.DeviceID, d.Class, d.MD, ev.Indoor.Shares, ev.Emission.Shares, ev.Slices, ev.REDSlices, len(ev.Neighbours))
	}
	return tw.Flush()
}

// cmdAirAttribute is `envtrace air attribute`: the ADF screen's emission
// and RED events traced upwind to the facilities (GET
// /api/v1/air/attribution).
func cmdAirAttribute(ctx context.Context, e *env, args []string) error {
	fs := e.flags("air attribute")
	e.cfg.Bind(fs, "data")
	fromS := fs.String("from", "", "start, RFC 3339 with zone")
	toS := fs.String("to", "", "end (exclusive), RFC 3339 with zone")
	event := fs.String("event", "", "trace one event, DEVICE@TIME as the events list it (default: rank over all events)")
	dist := fs.String("distance", "geodesic", "neighbour distance of the ADF screen: geodesic or course")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	from, to, err := requiredPeriod(*fromS, *toS)
	if err != nil {
		return err
	}
	src, cleanup, err := e.airSources()
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := airquery.RunAttribution(ctx, src, airquery.Attribution{Anomalies: airquery.Anomalies{From: from, To: to, Distance: *dist}, Event: *event})
	if err != nil {
		return queryErr(err)
	}
	if *asJSON {
		return printJSON(e, res)
	}
	a := res.Attribution
	fmt.Fprintf(e.stdout, "%d emission or RED events; confidence %s: %s\n\n", len(res.Events), a.Confidence.Level, a.Confidence.Reason)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tFACILITY\tNAME\tINDUSTRY\tSCORE\tSUPPORTING EVENTS\tNEAREST EVENT (m)")
	for _, c := range a.Candidates {
		rank := "-"
		if c.Rank > 0 {
			rank = fmt.Sprint(c.Rank)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.4f\t%d\t%.0f\n", rank, c.FacilityID, c.Name, c.Industry, c.Score, c.Evidence.Supporting, c.Evidence.NearestM)
	}
	return tw.Flush()
}

// cmdAirRisk is `envtrace air risk`: high-risk areas and industries
// (GET /api/v1/air/risk).
func cmdAirRisk(ctx context.Context, e *env, args []string) error {
	fs := e.flags("air risk")
	e.cfg.Bind(fs, "data")
	fromS := fs.String("from", "", "start, RFC 3339 with zone")
	toS := fs.String("to", "", "end (exclusive), RFC 3339 with zone")
	hex := fs.Float64("hex-edge", 1000, "hexagon edge of the Gi* screen, metres")
	limit := fs.Float64("limit", signal.DefaultExceedance, "hourly PM2.5 exceedance level, µg/m³")
	dist := fs.String("distance", "geodesic", "neighbour distance of the ADF screen: geodesic or course")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	from, to, err := requiredPeriod(*fromS, *toS)
	if err != nil {
		return err
	}
	if *hex <= 0 || *limit < 0 {
		return usageErr("--hex-edge must be positive and --limit not negative")
	}
	src, cleanup, err := e.airSources()
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := airquery.RunRisk(ctx, src, airquery.Risk{Anomalies: airquery.Anomalies{From: from, To: to, Distance: *dist}, HexEdge: *hex, Limit: *limit})
	if err != nil {
		return queryErr(err)
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "High-risk areas (%d significant hot spots of %d sensor-exceedance hours):\n", len(res.Areas), res.Hotspots.Events)
	for _, a := range res.Areas {
		fmt.Fprintf(e.stdout, "  %s  %.3f  %s\n", a.Unit, a.Score, a.Explanation)
	}
	fmt.Fprintf(e.stdout, "\nIndustries by %d emission or RED events (%s):\n", res.Events, res.Association)
	for _, f := range res.Industries {
		fmt.Fprintf(e.stdout, "  %s  class %d  ratio %.3f  %s\n", f.Industry, f.RiskClass, f.Ratio, f.Explanation)
	}
	return nil
}

// cmdAirCalibrate is `envtrace air calibrate`: the day's calibration model
// of a sensor against its co-located reference (GET /api/v1/air/calibration).
func cmdAirCalibrate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("air calibrate")
	e.cfg.Bind(fs, "data")
	dev := fs.String("sensor", "", "the device to calibrate")
	ref := fs.String("reference", "", "the co-located reference device (kind reference in sensors.csv)")
	dayS := fs.String("day", "", "the Taiwan calendar day to calibrate, YYYY-MM-DD")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dev == "" || *ref == "" || *dayS == "" {
		return usageErr("--sensor, --reference and --day are required")
	}
	day, err := airquery.ParseDay(*dayS)
	if err != nil {
		return usageErr("--day %q: want YYYY-MM-DD", *dayS)
	}
	src, cleanup, err := e.airSources()
	if err != nil {
		return err
	}
	defer cleanup()
	sel, err := airquery.RunCalibration(ctx, src, airquery.Calibration{Sensor: *dev, Reference: *ref, Day: day})
	if err != nil {
		return queryErr(err)
	}
	if *asJSON {
		return printJSON(e, sel)
	}
	m := sel.Chosen
	fmt.Fprintf(e.stdout, "%s on %s: %s regression on %s over %d days, coefficients %v (intercept first)\n",
		*dev, day.Format("2006-01-02"), m.Method, m.Features, m.Days, m.Coef)
	if len(sel.Candidates) > 0 {
		c := sel.Candidates[0]
		fmt.Fprintf(e.stdout, "chosen by MSE %.3f (MAE %.3f) on the day before, among %d candidates\n", c.TestMSE, c.TestMAE, len(sel.Candidates))
	}
	return nil
}

func cmdHotspots(ctx context.Context, e *env, args []string) error {
	fs := e.flags("hotspots")
	e.cfg.Bind(fs, "data")
	var q airquery.Hotspots
	fs.StringVar(&q.Signal, "signal", "", "petitions, sensor-exceedances or violations")
	fs.StringVar(&q.Method, "method", "", "gi, ehsa or scan")
	fs.Float64Var(&q.HexEdge, "hex-edge", 0, "hexagon edge in metres (units: a hex grid)")
	fs.StringVar(&q.Areas, "areas", "", "polygon file (GeoJSON, shapefile, GeoPackage) of the units, e.g. townships")
	fs.Float64Var(&q.Band, "band", 0, "Gi* distance band in metres (default: the hex ring, or the distance giving every unit a neighbour)")
	step := fs.Duration("step", 24*time.Hour, "time step for ehsa and scan")
	fromS := fs.String("from", "", "start (default: the first day with data), RFC 3339 with zone")
	toS := fs.String("to", "", "end, exclusive (default: after the last day with data)")
	fs.IntVar(&q.Replicates, "replicates", 999, "Monte Carlo replicates of the scan")
	seed := fs.Uint64("seed", 1, "seed of the scan's permutations")
	fs.Float64Var(&q.Limit, "limit", signal.DefaultExceedance, "sensor exceedance: hourly PM2.5 above this (µg/m³)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	q.Step, q.Seed = *step, *seed
	for _, t := range []struct {
		name, s string
		dst     *time.Time
	}{{"from", *fromS, &q.From}, {"to", *toS, &q.To}} {
		if t.s == "" {
			continue
		}
		v, err := parseTimeFlag(t.name, t.s)
		if err != nil {
			return err
		}
		*t.dst = v
	}
	if err := q.Validate(); err != nil {
		return queryErr(err)
	}
	src, cleanup, err := e.airSources()
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := airquery.RunHotspots(ctx, src, q, func(p string) (string, error) { return p, nil })
	if err != nil {
		return queryErr(err)
	}
	if *asJSON {
		return printJSON(e, res)
	}
	fmt.Fprintf(e.stdout, "%s of %s on %d %s units, %s to %s: %d events (%d outside the units)\n\n", strings.ToUpper(res.Method), q.Signal,
		len(res.Units), res.Partition, res.From.Format("2006-01-02"), res.To.Format("2006-01-02"), res.Events, res.Outside)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if res.Method == "scan" {
		fmt.Fprintln(tw, "RANK\tUNITS\tFROM\tTO\tOBSERVED\tEXPECTED\tLLR\tP")
		for _, c := range res.Clusters {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%.2f\t%.2f\t%.3f\n", c.Rank, strings.Join(c.Units, ","), c.From.Format("2006-01-02"), c.To.Format("2006-01-02"), c.Observed, c.Expected, c.LLR, c.P)
		}
		return tw.Flush()
	}
	fmt.Fprintln(tw, "UNIT\tCOUNT\tZ\tP\tSIGNIFICANT\tCLASS")
	for _, u := range res.Units {
		if !u.Significant && u.Count == 0 {
			continue
		}
		class := u.Spot
		if u.Class != "" {
			class = u.Class
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%v\t%s\n", u.ID, u.Count, fmtPtr(u.Z), fmtPtr(u.P), u.Significant, class)
	}
	return tw.Flush()
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.4g", *v)
}

// checkAirPermits is `envtrace check air-permits`.
func checkAirPermits(ctx context.Context, e *env, args []string) error {
	fs := e.flags("check air-permits")
	e.cfg.Bind(fs, "data")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	src, cleanup, err := e.airSources()
	if err != nil {
		return err
	}
	defer cleanup()
	rep := airquery.CheckPermits(src)
	if *asJSON {
		return printJSON(e, rep)
	}
	fmt.Fprintf(e.stdout, "Air-permit rationality: %d facilities, %d findings\n\n", rep.Facilities, len(rep.Findings))
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tFACILITY\tCHECK\tPERIOD\tFINDING")
	for _, f := range rep.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Severity, f.Facility, f.Check, f.Period, f.Message)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(tw, "note\t\t\t\t%s\n", n)
	}
	return tw.Flush()
}
