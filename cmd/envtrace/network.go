package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/hydro"
)

// loadNetwork reads --network with progress on stderr.
func (e *env) loadNetwork(ctx context.Context) (*hydro.Network, *hydro.Source, error) {
	if e.cfg.Network == "" {
		return nil, nil, usageErr("--network PATH is required")
	}
	t0 := time.Now()
	opt := hydro.LoadOptions{Layer: e.cfg.Layer, SnapTolerance: e.cfg.SnapTolerance}
	// Stages are shown once the build has run for a second: small
	// networks stay quiet, national ones show where the time goes.
	opt.Build.Progress = func(stage string) {
		if el := time.Since(t0); el > time.Second {
			fmt.Fprintf(e.stderr, "building network: %s (%.1fs)\n", stage, el.Seconds())
		}
	}
	last := t0
	opt.ReadProgress = func(done, total int) {
		if time.Since(last) < time.Second || total <= 0 {
			return
		}
		last = time.Now()
		fmt.Fprintf(e.stderr, "reading %s: %.0f%%\n", e.cfg.Network, 100*float64(done)/float64(total))
	}
	net, src, err := hydro.Load(ctx, e.cfg.Network, opt)
	if el := time.Since(t0); el > time.Second && err == nil {
		fmt.Fprintf(e.stderr, "network built: %d reaches in %.1fs\n", net.Len(), el.Seconds())
	}
	return net, src, err
}

// parsePoint reads "X,Y".
func parsePoint(s string) (orb.Point, error) {
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return orb.Point{}, usageErr("point %q: want X,Y", s)
	}
	x, err1 := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if err1 != nil || err2 != nil {
		return orb.Point{}, usageErr("point %q: X and Y must be numbers", s)
	}
	return orb.Point{x, y}, nil
}

// toNetworkCRS converts a point given in code into the network's CRS.
func toNetworkCRS(net *hydro.Network, p orb.Point, code string) (orb.Point, error) {
	from, err := crs.Parse(code)
	if err != nil {
		return p, usageErr("--crs: %v", err)
	}
	to := crs.Code(net.SRID)
	if net.SRID == 0 {
		if net.Geographic {
			to = crs.Code(4326)
		} else {
			return p, nil // unknown projected CRS: take the point as given
		}
	}
	q, err := crs.Transform(from, to, p)
	if err != nil {
		return p, usageErr("point %v in %s: %v", p, code, err)
	}
	return q, nil
}

func cmdNavigate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("navigate")
	e.cfg.Bind(fs, "network", "layer", "snap-tolerance")
	start := fs.String("start", "", "start reach id")
	startPoint := fs.String("start-point", "", "start point X,Y (snapped to the nearest reach)")
	crsFlag := fs.String("crs", "EPSG:4326", "CRS of --start-point")
	mode := fs.String("mode", "", "UT, UM, DM or DD")
	km := fs.Float64("distance-km", 0, "distance limit in km (absent = none)")
	hours := fs.Float64("max-hours", 0, "travel-time limit in hours (0 = none)")
	noMinor := fs.Bool("no-minor", false, "do not climb or follow minor divergences")
	format := fs.String("format", "ids", "ids, csv or geojson")
	if err := parse(fs, args); err != nil {
		return err
	}
	m, err := hydro.ParseMode(*mode)
	if err != nil {
		return usageErr("--mode: %v", err)
	}
	if (*start == "") == (*startPoint == "") {
		return usageErr("give exactly one of --start ID and --start-point X,Y")
	}
	switch *format {
	case "ids", "csv", "geojson":
	default:
		return usageErr("--format %q: want ids, csv or geojson", *format)
	}
	var pt orb.Point
	if *startPoint != "" {
		if pt, err = parsePoint(*startPoint); err != nil {
			return err
		}
	}
	net, _, err := e.loadNetwork(ctx)
	if err != nil {
		return err
	}
	var s int32
	if *start != "" {
		var ok bool
		if s, ok = net.Index(*start); !ok {
			return fmt.Errorf("--start %s: %w", *start, hydro.ErrUnknownReach)
		}
	} else {
		p, err := toNetworkCRS(net, pt, *crsFlag)
		if err != nil {
			return err
		}
		snaps, err := net.SnapPoint(p, 1, 0)
		if err != nil {
			return err
		}
		if len(snaps) == 0 {
			return errors.New("--start-point: no reach to snap to")
		}
		s = snaps[0].Reach
		fmt.Fprintf(e.stderr, "start point snapped to reach %s (%.1f m away, measure %.2f)\n", net.ID(s), snaps[0].OffsetM, snaps[0].Measure)
	}
	q := hydro.Query{Mode: m, Start: s, DistanceKm: *km, MaxHours: *hours, SkipMinor: *noMinor}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "distance-km" {
			q.HasDistance = true
		}
	})
	w := bufio.NewWriterSize(e.stdout, 1<<16)
	err = writeNavigation(ctx, w, net, q, *format)
	if ferr := w.Flush(); err == nil {
		err = ferr // a closed pipe shows here: the writes keep their first error
	}
	return err
}

// writeNavigation writes a navigation result in one of the --format
// choices; the caller flushes w and reports its error.
func writeNavigation(ctx context.Context, w *bufio.Writer, net *hydro.Network, q hydro.Query, format string) error {
	switch format {
	case "ids":
		return net.Navigate(ctx, q, func(h hydro.Hit) bool {
			w.WriteString(net.ID(h.Reach))
			w.WriteByte('\n')
			return true
		})
	case "csv":
		fmt.Fprintln(w, "id,distance_km,travel_hours")
		return net.Navigate(ctx, q, func(h hydro.Hit) bool {
			fmt.Fprintf(w, "%s,%.4f,%.4f\n", net.ID(h.Reach), h.DistanceKm, h.TravelHours)
			return true
		})
	}
	return writeGeoJSON(ctx, w, net, q)
}

// writeGeoJSON streams the result as a FeatureCollection in EPSG:4326.
func writeGeoJSON(ctx context.Context, w *bufio.Writer, net *hydro.Network, q hydro.Query) error {
	var tr *crs.Transformer
	if net.HasGeometry() && !net.Geographic && net.SRID != 0 {
		var err error
		if tr, err = crs.NewTransformer(crs.Code(net.SRID), crs.Code(4326)); err != nil {
			return err
		}
	}
	w.WriteString(`{"type":"FeatureCollection","features":[`)
	first := true
	var ferr error
	err := net.Navigate(ctx, q, func(h hydro.Hit) bool {
		f := geojson.NewFeature(nil)
		if g := net.Geometry(h.Reach); g != nil {
			line := g.Clone()
			if tr != nil {
				for i := range line {
					line[i] = tr.Point(line[i])
				}
			}
			f.Geometry = line
		}
		f.ID = net.ID(h.Reach)
		f.Properties = geojson.Properties{
			"id":           net.ID(h.Reach),
			"distance_km":  h.DistanceKm,
			"travel_hours": h.TravelHours,
			"stream_order": net.StreamOrder(h.Reach),
		}
		b, err := json.Marshal(f)
		if err != nil {
			ferr = err
			return false
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		w.Write(b)
		return true
	})
	w.WriteString("]}\n")
	if err != nil {
		return err
	}
	return ferr
}

// snapJSON is the contract of `envtrace snap`.
type snapJSON struct {
	ReachID          string     `json:"reach_id"`
	Measure          float64    `json:"measure"`
	OffsetM          float64    `json:"offset_m"`
	StreamOrder      int        `json:"stream_order"`
	ReachCode        string     `json:"reachcode,omitempty"`
	ReachCodeMeasure *float64   `json:"reachcode_measure,omitempty"`
	Candidates       []snapJSON `json:"candidates,omitempty"`
}

func cmdSnap(ctx context.Context, e *env, args []string) error {
	fs := e.flags("snap")
	e.cfg.Bind(fs, "network", "layer", "snap-tolerance")
	point := fs.String("point", "", "point X,Y")
	crsFlag := fs.String("crs", "EPSG:4326", "CRS of --point")
	k := fs.Int("k", 5, "number of candidate reaches")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *point == "" {
		return usageErr("--point X,Y is required")
	}
	if *k < 1 || *k > 100 {
		return usageErr("--k %d: want 1..100", *k)
	}
	pt, err := parsePoint(*point)
	if err != nil {
		return err
	}
	net, _, err := e.loadNetwork(ctx)
	if err != nil {
		return err
	}
	p, err := toNetworkCRS(net, pt, *crsFlag)
	if err != nil {
		return err
	}
	snaps, err := net.SnapPoint(p, *k, 0)
	if err != nil {
		return err
	}
	if len(snaps) == 0 {
		return errors.New("no reach to snap to")
	}
	conv := func(s hydro.Snap) snapJSON {
		out := snapJSON{ReachID: net.ID(s.Reach), Measure: round(s.Measure, 4), OffsetM: round(s.OffsetM, 3), StreamOrder: s.StreamOrder}
		if s.ReachCode != "" {
			m := round(s.ReachCodeMeasure, 4)
			out.ReachCode, out.ReachCodeMeasure = s.ReachCode, &m
		}
		return out
	}
	out := conv(snaps[0])
	for _, s := range snaps {
		out.Candidates = append(out.Candidates, conv(s))
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func cmdNetwork(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return usageErr("usage: envtrace network check --network PATH [--layer NAME]")
	}
	fs := e.flags("network check")
	e.cfg.Bind(fs, "network", "layer", "snap-tolerance")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	net, src, err := e.loadNetwork(ctx)
	var be *hydro.BuildError
	if errors.As(err, &be) {
		fmt.Fprintf(e.stdout, "network: %s\nstatus:  INVALID\n", e.cfg.Network)
		printProblems(e, be.Problems)
		return &exitError{code: 1, err: fmt.Errorf("%d problem(s), network not usable", len(be.Problems))}
	}
	if err != nil {
		return err
	}
	s := hydro.Summarize(net)
	w := e.stdout
	fmt.Fprintf(w, "network:     %s (layer %q, EPSG:%d)\n", src.Path, src.Layer, src.SRID)
	fmt.Fprintf(w, "status:      OK\n")
	fmt.Fprintf(w, "topology:    %s\n", net.Topology)
	fmt.Fprintf(w, "reaches:     %d (%.1f km)\n", s.Reaches, s.LengthKm)
	fmt.Fprintf(w, "outlets:     %d\n", len(s.Outlets))
	fmt.Fprintf(w, "headwaters:  %d\n", s.Headwaters)
	fmt.Fprintf(w, "divergences: %d\n", s.Divergences)
	fmt.Fprintf(w, "max order:   %d\n", s.MaxOrder)
	if src.Splits > 0 {
		fmt.Fprintf(w, "T-junction splits: %d\n", src.Splits)
	}
	show := s.Outlets
	if len(show) > 20 {
		show = show[:20]
	}
	fmt.Fprintf(w, "largest outlets (id, reaches upstream, km upstream, end point):\n")
	for _, o := range show {
		fmt.Fprintf(w, "  %-14s %8d %10.1f  %s\n", o.ID, o.Reaches, o.UpstreamKm, o.End)
	}
	if len(s.Outlets) > len(show) {
		fmt.Fprintf(w, "  ... and %d more\n", len(s.Outlets)-len(show))
	}
	printProblems(e, net.Problems)
	return nil
}

func printProblems(e *env, ps []hydro.Problem) {
	counts := map[string]int{}
	for _, p := range ps {
		counts[p.Severity().String()]++
	}
	fmt.Fprintf(e.stdout, "problems:    %d error(s), %d warning(s)\n", counts["error"], counts["warning"])
	for i, p := range ps {
		if i == 200 {
			fmt.Fprintf(e.stdout, "  ... and %d more\n", len(ps)-i)
			break
		}
		fmt.Fprintf(e.stdout, "  %s: %v\n", p.Severity(), p)
	}
}
