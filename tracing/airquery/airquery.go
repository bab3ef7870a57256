// Package airquery is the one place where the air questions — sensor
// anomalies, hotspots, air-permit checks — turn a typed query into an
// answer, so that `envtrace air anomalies`, `envtrace hotspots`, `envtrace
// check air-permits` and their REST twins share defaults, validation and
// JSON.
package airquery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airattr"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/hotspot"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/sensor"
	"github.com/envtrace/envtrace/tracing/signal"
)

// Sources is the data the air questions read: the water dataset (for
// facilities and violations), the sensors and the air-permit files of one
// data directory. AreasDir is where named area layers live (DIR/areas).
type Sources struct {
	Water    *model.Dataset
	Sensors  *sensor.Data
	Permits  *airpermit.Data
	AreasDir string
	// Monitors and Wind are the weather stations and their observations,
	// which wind-aware attribution interpolates.
	Monitors []atmos.Monitor
	Wind     []atmos.Observation
	// Petitions are the odour petitions (exact locations); Fuzz shifts
	// them to their public locations before any screen maps them. Without
	// Fuzz the petition signal is unavailable.
	Petitions []odour.Petition
	Fuzz      signal.Fuzz
}

// FromDir takes the air questions' sources from a data directory read by
// tracing/datadir (the one reader of a whole directory).
func FromDir(d *datadir.Dir) *Sources {
	return &Sources{Water: d.Water, Sensors: d.Sensors, Permits: d.AirPermits, AreasDir: filepath.Join(d.Path, "areas"),
		Monitors: d.Monitors, Wind: d.Wind, Petitions: d.Petitions}
}

// InvalidError blames one query field; the CLI reports it as a usage
// error and the API as a 400 problem naming the parameter.
type InvalidError struct {
	Field, Reason string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Reason }

// Anomalies is the query of the ADF screen.
type Anomalies struct {
	From, To time.Time
	// Distance is "geodesic" (default) or "course".
	Distance string
}

// RunAnomalies screens the sensors' PM2.5 with the course's parameters.
func RunAnomalies(ctx context.Context, src *Sources, q Anomalies) (*adf.Result, error) {
	p := adf.Default()
	switch q.Distance {
	case "", string(adf.DistanceGeodesic):
	case string(adf.DistanceCourse):
		p.Distance = adf.DistanceCourse
	default:
		return nil, &InvalidError{"distance", fmt.Sprintf("%q: want geodesic or course", q.Distance)}
	}
	if q.From.IsZero() || q.To.IsZero() {
		return nil, &InvalidError{"from", "from and to are required"}
	}
	if !q.To.After(q.From) {
		return nil, &InvalidError{"to", "must be after from"}
	}
	d := src.Sensors
	if d == nil {
		d = &sensor.Data{}
	}
	res, err := adf.Run(ctx, d, q.From, q.To, p)
	if err != nil {
		return nil, err
	}
	res.From, res.To = q.From, q.To
	return res, nil
}

// Attribution is the query of wind-aware anomaly attribution: the ADF
// screen over [From, To), then either the ranking of the facilities upwind
// of all its emission and RED events, or, with Event, the upwind trace of
// that one event ("DEVICE@TIME", as the events list it).
type Attribution struct {
	Anomalies
	Event string
}

// RunAttribution screens the sensors (RunAnomalies) and attributes the
// flagged events to the water dataset's facilities through the wind of
// the monitors (tracing/airattr). Without wind it returns an error
// wrapping odour.ErrNoWindData.
func RunAttribution(ctx context.Context, src *Sources, q Attribution) (*airattr.Result, error) {
	screen, err := RunAnomalies(ctx, src, q.Anomalies)
	if err != nil {
		return nil, err
	}
	ds := src.Water
	if ds == nil {
		ds = &model.Dataset{}
	}
	sensors := src.Sensors
	if sensors == nil {
		sensors = &sensor.Data{}
	}
	e, err := airattr.New(ds, airattr.Events(screen, sensors), src.Monitors, src.Wind, odour.Options{AirPermits: src.Permits})
	if err != nil {
		return nil, err
	}
	if q.Event != "" {
		res, err := e.Trace(ctx, q.Event)
		if errors.Is(err, airattr.ErrUnknownEvent) {
			return nil, &InvalidError{"event", fmt.Sprintf("%q is not an emission or RED event of the window", q.Event)}
		}
		return res, err
	}
	return e.Rank(ctx, q.From, q.To)
}

// Hotspots is the query of the hotspot screens.
type Hotspots struct {
	Signal, Method string
	// HexEdge (metres) or Areas (a GIS file; for the API a layer name in
	// the data directory's areas folder) choose the units; neither means
	// points.
	HexEdge float64
	Areas   string
	// Band is the Gi* distance band in metres (0: the default).
	Band       float64
	Step       time.Duration
	From, To   time.Time
	Replicates int
	Seed       uint64
	// Limit is the PM2.5 level of a sensor exceedance (µg/m³).
	Limit float64
	// Facilities, when set, limits the violations signal to the
	// facilities it accepts: the API passes its county rule (a bureau
	// counts its own county's records only); nil counts every facility.
	Facilities func(facilityID string) bool
}

// Validate checks the query's fields, naming the first wrong one.
func (q *Hotspots) Validate() error {
	switch q.Method {
	case hotspot.MethodGi, hotspot.MethodEHSA, hotspot.MethodScan:
	default:
		return &InvalidError{"method", fmt.Sprintf("%q: want gi, ehsa or scan", q.Method)}
	}
	switch q.Signal {
	case signal.NamePetitions, signal.NameSensorExceedances, signal.NameViolations:
	default:
		return &InvalidError{"signal", fmt.Sprintf("%q: want petitions, sensor-exceedances or violations", q.Signal)}
	}
	if q.HexEdge != 0 && q.Areas != "" {
		return &InvalidError{"hex-edge", "give a hexagon edge or areas, not both"}
	}
	if q.HexEdge < 0 || q.Band < 0 || q.Step < 0 || q.Replicates < 0 || q.Limit < 0 {
		return &InvalidError{"hex-edge", "hex-edge, band, step, replicates and limit must not be negative"}
	}
	if q.Replicates > 99999 {
		return &InvalidError{"replicates", "at most 99,999"}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return &InvalidError{"to", "must be after from"}
	}
	return nil
}

// RunHotspots builds the signal's events and analyses them. areaPath
// resolves q.Areas to a file (the CLI passes the path through; the API
// looks the name up in the areas folder).
func RunHotspots(ctx context.Context, src *Sources, q Hotspots, areaPath func(string) (string, error)) (*hotspot.Result, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.Limit == 0 {
		q.Limit = signal.DefaultExceedance
	}
	if q.Replicates == 0 {
		q.Replicates = hotspot.DefaultScan().Replicates
	}
	sig, err := signal.ByName(q.Signal, src.Water, src.Sensors, src.Petitions, src.Fuzz, q.Limit, q.Facilities)
	if err != nil {
		return nil, err
	}
	in, err := sig.Input(q.From, q.To)
	if err != nil {
		return nil, err
	}
	if in.From.IsZero() || !in.To.After(in.From) {
		return nil, fmt.Errorf("%w: %s: no events in the data to analyse", signal.ErrUnavailable, q.Signal)
	}
	var part hotspot.Partition
	switch {
	case q.HexEdge > 0:
		if part, err = hotspot.Hex(q.HexEdge); err != nil {
			return nil, &InvalidError{"hex-edge", err.Error()}
		}
	case q.Areas != "":
		path, err := areaPath(q.Areas)
		if err != nil {
			return nil, err
		}
		if part, err = hotspot.Areas(path); err != nil {
			return nil, err
		}
	default:
		part = hotspot.Points()
	}
	opt := hotspot.Options{Method: q.Method, Band: q.Band, Step: q.Step, Alpha: 0.05, Scan: hotspot.DefaultScan()}
	opt.Scan.Replicates, opt.Scan.Seed = q.Replicates, q.Seed
	return hotspot.Analyse(ctx, in, part, opt)
}

// AreaInDir resolves an area layer name to a file in dir (name.geojson,
// name.gpkg or name.shp); names with path separators are refused.
func AreaInDir(dir string) func(string) (string, error) {
	return func(name string) (string, error) {
		if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
			return "", &InvalidError{"areas", "a layer name in the data directory's areas folder, without a path"}
		}
		for _, ext := range []string{".geojson", ".gpkg", ".shp"} {
			p := filepath.Join(dir, name+ext)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		return "", &InvalidError{"areas", fmt.Sprintf("no layer %q in the data directory's areas folder", name)}
	}
}

// CheckPermits runs the air-permit rules.
func CheckPermits(src *Sources) *airpermit.Report {
	d := src.Permits
	if d == nil {
		d = &airpermit.Data{Factors: airpermit.DefaultFactors()}
	}
	return airpermit.Check(d)
}

// IsInvalid reports whether err blames the query (an *InvalidError) or
// names data that is not available.
func IsInvalid(err error) (*InvalidError, bool) {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie, true
	}
	return nil, false
}
