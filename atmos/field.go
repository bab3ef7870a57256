package atmos

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

// Field gives the wind anywhere on the grid at any time: interpolated from
// stations (IDW) or, in tests, a synthetic field. Implementations must be
// safe for concurrent use.
type Field interface {
	// At returns the wind at grid position (x, y) metres and time t. It
	// returns an error wrapping ErrNoWind when no observation covers t.
	At(x, y float64, t time.Time) (Sample, error)
}

// ErrNoWind is wrapped when a field has no wind for the place and time
// asked (outside the record, or in a gap longer than MaxGap).
var ErrNoWind = errors.New("no wind observation covers the time")

// NoWindError says which time had no wind.
type NoWindError struct {
	Time time.Time
}

// Error names the time.
func (e *NoWindError) Error() string {
	return fmt.Sprintf("no wind observation covers %s", e.Time.Format(time.RFC3339))
}

// Unwrap makes errors.Is(err, ErrNoWind) true.
func (e *NoWindError) Unwrap() error { return ErrNoWind }

// minIDWDistance floors the distance in the inverse-distance weights, so a
// point at a station takes (almost) only that station's wind without a
// division by zero.
const minIDWDistance = 100.0

// IDW interpolates stations' series in space by inverse-distance weighting
// (weights 1/d², d floored at 100 m) of the u and v components, the speed
// and σθ, using at each time the stations that have wind then. It is
// immutable and safe for concurrent use.
type IDW struct {
	series []*Series
}

// NewIDW builds the field over the given station series (at least one).
func NewIDW(series ...*Series) (*IDW, error) {
	if len(series) == 0 {
		return nil, errors.New("atmos: a wind field needs at least one station")
	}
	return &IDW{series: series}, nil
}

// Stations returns the field's series.
func (f *IDW) Stations() []*Series { return f.series }

// At implements Field.
func (f *IDW) At(x, y float64, t time.Time) (Sample, error) {
	return f.at(x, y, t, nil)
}

// at interpolates from every series except skip (for leave-one-out).
func (f *IDW) at(x, y float64, t time.Time, skip *Series) (Sample, error) {
	var sw, su, sv, ss, sst, swt float64
	var used []string
	for _, s := range f.series {
		if s == skip {
			continue
		}
		smp, ok := s.At(t)
		if !ok {
			continue
		}
		d := math.Max(math.Hypot(x-s.X, y-s.Y), minIDWDistance)
		w := 1 / (d * d)
		sw += w
		su += w * smp.U
		sv += w * smp.V
		ss += w * smp.Speed
		if !math.IsNaN(smp.SigmaTheta) {
			sst += w * smp.SigmaTheta
			swt += w
		}
		used = append(used, s.Station)
	}
	if sw == 0 {
		return Sample{}, &NoWindError{Time: t}
	}
	out := Sample{U: su / sw, V: sv / sw, Speed: ss / sw, SigmaTheta: math.NaN()}
	if swt > 0 {
		out.SigmaTheta = sst / swt
	}
	out.Calm = math.Hypot(out.U, out.V) < CalmSpeed
	if len(used) == 1 {
		out.Source = used[0]
	} else {
		out.Source = "inverse-distance interpolation of " + strings.Join(used, ", ")
	}
	return out, nil
}

// NewField builds the IDW field of the given observations on grid p: one
// series per monitor that has observations. An observation of a monitor
// not in monitors is an error, as is a monitor whose kind does not
// include wind.
func NewField(p *crs.Planar, monitors []Monitor, obs []Observation) (*IDW, error) {
	byID := map[string]*Monitor{}
	for i := range monitors {
		byID[monitors[i].ID] = &monitors[i]
	}
	groups := map[string][]Observation{}
	var order []string
	for _, o := range obs {
		m, ok := byID[o.Station]
		if !ok {
			return nil, fmt.Errorf("atmos: wind observation of monitor %q, which is not in %s", o.Station, FileMonitors)
		}
		if !m.Kind.MeasuresWind() {
			return nil, fmt.Errorf("atmos: monitor %q has wind observations but kind %q (use weather or both)", o.Station, m.Kind)
		}
		if _, seen := groups[o.Station]; !seen {
			order = append(order, o.Station)
		}
		groups[o.Station] = append(groups[o.Station], o)
	}
	var series []*Series
	for _, id := range order {
		m := byID[id]
		x, y := p.Forward(m.Lon, m.Lat)
		s, err := NewSeries(id, x, y, groups[id])
		if err != nil {
			return nil, err
		}
		series = append(series, s)
	}
	return NewIDW(series...)
}

// Bound returns the lon/lat bound of the monitors, for crs.PlanarFor.
func Bound(ms []Monitor) orb.Bound {
	var b orb.Bound
	for i, m := range ms {
		p := orb.Point{m.Lon, m.Lat}
		if i == 0 {
			b = orb.Bound{Min: p, Max: p}
			continue
		}
		b = b.Extend(p)
	}
	return b
}
