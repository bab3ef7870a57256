package atmos

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/internal/csvtab"
)

// File names of the wind data in a data directory (docs/data-directory.md).
const (
	FileMonitors = "monitors.csv"
	FileWind     = "wind.csv"
)

// MonitorKind says what a monitor measures.
type MonitorKind string

// The kinds.
const (
	Weather MonitorKind = "weather" // wind (and other weather)
	Air     MonitorKind = "air"     // air pollutants
	Both    MonitorKind = "both"
)

// ParseMonitorKind accepts weather, air or both.
func ParseMonitorKind(s string) (MonitorKind, error) {
	switch k := MonitorKind(strings.ToLower(strings.TrimSpace(s))); k {
	case Weather, Air, Both:
		return k, nil
	}
	return "", fmt.Errorf("kind %q: want weather, air or both", s)
}

// MeasuresWind reports whether the monitor's kind includes wind.
func (k MonitorKind) MeasuresWind() bool { return k == Weather || k == Both }

// MeasuresAir reports whether the monitor's kind includes pollutants.
func (k MonitorKind) MeasuresAir() bool { return k == Air || k == Both }

// Monitor is a weather station or an air-quality monitor. Its position is
// kept in lon/lat (WGS84) so that data outside Taiwan fits; grids are made
// with crs.PlanarFor.
type Monitor struct {
	ID, Name string
	Lon, Lat float64
	Kind     MonitorKind
	// AltitudeM is the station's altitude, NaN when unknown.
	AltitudeM float64
	Note      string
}

var monitorSchema = csvtab.Schema{
	Required: []string{"monitor_id", "name", "kind"},
	Optional: []string{"x", "y", "lon", "lat", "altitude_m", "note"},
	Pairs:    [][2]string{{"x", "y"}, {"lon", "lat"}},
}

func positionFrom(x, y, lon, lat string) ([2]float64, string, error) {
	p, col, err := crs.PositionFrom(x, y, lon, lat)
	return [2]float64(p), col, err
}

// ReadMonitors reads monitors.csv. Ids must be unique.
func ReadMonitors(r io.Reader) ([]Monitor, error) {
	t := csvtab.Open(FileMonitors, r, monitorSchema)
	var out []Monitor
	seen := map[string]int{}
	t.Rows(func(row *csvtab.Row) {
		row.Required("monitor_id", "name")
		m := Monitor{ID: row.Str("monitor_id"), Name: row.Str("name"), Note: row.Str("note"), AltitudeM: math.NaN()}
		k, err := ParseMonitorKind(row.Str("kind"))
		if err != nil {
			row.Fail("kind", err)
		}
		m.Kind = k
		p, col, err := positionFrom(row.Str("x"), row.Str("y"), row.Str("lon"), row.Str("lat"))
		if err != nil {
			row.Fail(col, err)
		}
		m.Lon, m.Lat = p[0], p[1]
		if a, ok := row.Float("altitude_m"); ok {
			m.AltitudeM = a
		}
		if first, dup := seen[m.ID]; dup && m.ID != "" {
			row.Fail("monitor_id", fmt.Errorf("duplicate monitor id (first on line %d)", first))
		}
		seen[m.ID] = row.Line
		if !row.Bad() {
			out = append(out, m)
		}
	})
	return out, t.Err()
}

// WriteMonitors writes monitors.csv with lon/lat columns, sorted by id.
func WriteMonitors(w io.Writer, ms []Monitor) error {
	ms = append([]Monitor(nil), ms...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"monitor_id", "name", "lon", "lat", "kind", "altitude_m", "note"})
	for _, m := range ms {
		_ = cw.Write([]string{m.ID, m.Name, fmtCoord(m.Lon), fmtCoord(m.Lat), string(m.Kind), fmtOpt(m.AltitudeM), m.Note})
	}
	cw.Flush()
	return cw.Error()
}

var windSchema = csvtab.Schema{
	Required: []string{"monitor_id", "time", "speed", "direction", "flag"},
	Optional: []string{"sigma_theta"},
}

// ReadWind reads wind.csv: speed in m/s, direction in degrees from, flag
// empty when good (calm, fault, variable, unknown or missing otherwise),
// and optionally σθ in degrees. Fault, unknown and missing hours must leave
// speed and direction empty; every observation is Classified and Checked.
// Two rows for one monitor and time are refused.
func ReadWind(r io.Reader) ([]Observation, error) {
	t := csvtab.Open(FileWind, r, windSchema)
	var out []Observation
	type key struct {
		id string
		at int64
	}
	seen := map[key]int{}
	t.Rows(func(row *csvtab.Row) {
		row.Required("monitor_id", "time")
		o := Observation{Station: row.Str("monitor_id"), Time: row.Time("time")}
		fl, err := ParseFlag(row.Str("flag"))
		if err != nil {
			row.Fail("flag", err)
		}
		o.Flag = fl
		var hasS, hasD bool
		o.Speed, hasS = row.Float("speed")
		o.Direction, hasD = row.Float("direction")
		o.SigmaTheta, _ = row.Float("sigma_theta")
		switch {
		case (fl == Fault || fl == Unknown || fl == Missing) && (hasS || hasD):
			row.Fail("flag", fmt.Errorf("a %s hour has no speed or direction: leave them empty", fl))
		case fl == Good && !hasS:
			row.Fail("speed", errors.New("required for a good observation (flag it otherwise)"))
		case fl == Good && !hasD:
			row.Fail("direction", errors.New("required for a good observation (flag it otherwise)"))
		}
		if row.Bad() {
			return
		}
		o = Classify(o)
		if err := Check(o); err != nil {
			row.Fail("speed", err)
			return
		}
		k := key{o.Station, o.Time.Unix()}
		if first, dup := seen[k]; dup {
			row.Fail("time", fmt.Errorf("monitor %s already has an observation at this time (line %d)", o.Station, first))
			return
		}
		seen[k] = row.Line
		out = append(out, o)
	})
	return out, t.Err()
}

// WriteWind writes wind.csv sorted by monitor then time; times keep their
// zone.
func WriteWind(w io.Writer, obs []Observation) error {
	obs = slices.Clone(obs)
	slices.SortStableFunc(obs, func(a, b Observation) int {
		if c := strings.Compare(a.Station, b.Station); c != 0 {
			return c
		}
		return a.Time.Compare(b.Time)
	})
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"monitor_id", "time", "speed", "direction", "flag", "sigma_theta"})
	for _, o := range obs {
		_ = cw.Write([]string{o.Station, o.Time.Format(time.RFC3339), fmtOpt(o.Speed), fmtOpt(o.Direction), string(o.Flag), fmtOpt(o.SigmaTheta)})
	}
	cw.Flush()
	return cw.Error()
}

func fmtCoord(v float64) string { return strconv.FormatFloat(v, 'f', 7, 64) }

// fmtOpt writes a number in the shortest form that reads back to the same
// float64, "" for NaN: a speed converted from mph must survive the file
// exactly, or an hour of exactly 1 mph would fall below a 1 mph threshold.
func fmtOpt(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// ConflictError reports an import that would change a record already in
// the data directory: the same monitor and hour with different values, or
// a monitor id reused for another station.
type ConflictError struct {
	What string // "wind" or "monitor"
	Key  string
	Old  string
	New  string
}

// Error names the record and both versions.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %s is already in the data directory as %s; the import has %s (remove the old record to replace it)", e.What, e.Key, e.Old, e.New)
}

// MergeWind adds obs to existing: an observation already present with the
// same values is skipped (an import can be repeated), one with different
// values is a *ConflictError. It returns the merged list and how many
// observations were added.
func MergeWind(existing, obs []Observation) ([]Observation, int, error) {
	type key struct {
		id string
		at int64
	}
	idx := make(map[key]int, len(existing))
	for i, o := range existing {
		idx[key{o.Station, o.Time.Unix()}] = i
	}
	out := append([]Observation(nil), existing...)
	added := 0
	for _, o := range obs {
		k := key{o.Station, o.Time.Unix()}
		if i, ok := idx[k]; ok {
			if old := out[i]; !sameObservation(old, o) {
				return nil, 0, &ConflictError{What: "wind", Key: o.Station + " " + o.Time.Format(time.RFC3339), Old: describe(old), New: describe(o)}
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, o)
		added++
	}
	return out, added, nil
}

// sameObservation compares as written to wind.csv, so that a
// re-import of a file equals what an earlier import wrote.
func sameObservation(a, b Observation) bool {
	return a.Flag == b.Flag && fmtOpt(a.Speed) == fmtOpt(b.Speed) &&
		fmtOpt(a.Direction) == fmtOpt(b.Direction) && fmtOpt(a.SigmaTheta) == fmtOpt(b.SigmaTheta)
}

func describe(o Observation) string {
	return fmt.Sprintf("speed %s direction %s flag %q", fmtOpt(o.Speed), fmtOpt(o.Direction), o.Flag)
}

// MergeMonitors adds monitors to existing by id: an identical monitor is
// skipped; the same id at a place more than 100 m away is a
// *ConflictError. A weather station that is also listed as an air monitor
// becomes Both.
func MergeMonitors(existing, ms []Monitor) ([]Monitor, error) {
	out := append([]Monitor(nil), existing...)
	idx := map[string]int{}
	for i, m := range out {
		idx[m.ID] = i
	}
	for _, m := range ms {
		i, ok := idx[m.ID]
		if !ok {
			idx[m.ID] = len(out)
			out = append(out, m)
			continue
		}
		old := &out[i]
		if d := crs.GeodesicDistance(old.Lon, old.Lat, m.Lon, m.Lat); d > 100 {
			return nil, &ConflictError{What: "monitor", Key: m.ID, Old: fmt.Sprintf("%s at %.6f, %.6f", old.Name, old.Lon, old.Lat),
				New: fmt.Sprintf("%s at %.6f, %.6f (%.0f m away)", m.Name, m.Lon, m.Lat, d)}
		}
		if old.Kind != m.Kind {
			old.Kind = Both
		}
	}
	return out, nil
}
