// Package air holds air-quality monitor readings and the wind-sector
// statistics built on them: the air_readings.csv file, the reader of the
// ESDR monitor feeds (Allegheny County's monitors as Smell Pittsburgh
// publishes them), and the conditional probability function (CPF) of a
// pollutant by wind sector, with the facilities lying in the high sectors.
//
// # Readings
//
// A reading is converted to its parameter's canonical unit as it is read
// (ppb for gases, ppm for CO, µg/m³ for particles; see tracing/param). Real
// monitors report small negative values near zero (instrument noise around
// a zero baseline: −0.001 ppm of SO2, −2 µg/m³ of PM2.5 in the Pittsburgh
// data); they are kept, since dropping them would bias every statistic
// upwards, and flagged Negative. A value below −5 ppb for a gas, or −5
// µg/m³ for particles, is no longer noise and is refused.
//
// # CPF
//
// CPF (openair's percentileRose(method = "cpf")) is, for each wind sector
// θ, CPF_θ = m_θ / n_θ, where n_θ counts the hours whose wind blew from θ
// and m_θ those of them whose value was strictly above a percentile
// threshold. The hours are those with a reading and a wind direction at
// the same time and a wind speed of at least the minimum speed; the
// threshold is the percentile of those hours' values (linear interpolation
// between order statistics, R's type 7). Sectors are floor-binned from 0°:
// with 10° sectors, 205° falls in [200, 210). A sector is high when its
// CPF is at least twice the share of exceeding hours that a wind-blind
// source would give, 2·(1 − percentile/100), and facilities within the
// search radius whose bearing from the monitor falls in a high sector are
// listed with it.
package air

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// Flag qualifies a reading.
type Flag string

// The flags.
const (
	Good Flag = ""
	// Negative: a small negative value, kept (see the package
	// documentation).
	Negative Flag = "negative"
)

// Reading is one monitor's value of one pollutant.
type Reading struct {
	Monitor string
	// Time is when the averaging period ended, with its zone.
	Time time.Time
	// Parameter is a tracing/param id of an air parameter.
	Parameter string
	// Value is in Unit, the parameter's canonical unit.
	Value float64
	Unit  string
	Flag  Flag
}

// negativeFloor is the most negative value kept, in the base unit of each
// kind: 5 ppb of a gas, 5 µg/m³ of particles. Intensive air parameters
// (air temperature) may be negative.
var negativeFloor = map[param.Kind]struct {
	v    float64
	unit string
}{
	param.KindGas:      {-5, "ppb"},
	param.KindParticle: {-5, "µg/m³"},
}

// NewReading validates and converts one value as it enters: the parameter
// must be an air parameter, the unit must fit it, and the value must be
// finite and not implausibly negative.
func NewReading(monitor string, t time.Time, parameter string, value float64, unit string) (Reading, error) {
	p, err := param.Lookup(parameter)
	if err != nil {
		return Reading{}, err
	}
	if !p.Air() {
		return Reading{}, fmt.Errorf("%s is a water parameter; river readings belong in readings.csv", p.ID)
	}
	v, err := p.Canonical(value, unit)
	if err != nil {
		return Reading{}, err
	}
	r := Reading{Monitor: monitor, Time: t, Parameter: p.ID, Value: v, Unit: p.Unit}
	if floor, ok := negativeFloor[p.Kind]; ok && v < 0 {
		min, err := p.Canonical(floor.v, floor.unit)
		if err != nil {
			return Reading{}, err
		}
		if v < min {
			return Reading{}, fmt.Errorf("value %g %s is below %g %s: more negative than instrument noise", value, unit, floor.v, floor.unit)
		}
		r.Flag = Negative
	}
	return r, nil
}

var readingSchema = csvtab.Schema{Required: []string{"monitor_id", "time", "parameter", "value", "unit"}}

// ReadReadings reads air_readings.csv. Two readings of one monitor,
// parameter and time are refused.
func ReadReadings(r io.Reader) ([]Reading, error) {
	t := csvtab.Open(model.FileAirReadings, r, readingSchema)
	var out []Reading
	type key struct {
		id, p string
		at    int64
	}
	seen := map[key]int{}
	t.Rows(func(row *csvtab.Row) {
		row.Required("monitor_id", "parameter", "unit")
		at := row.Time("time")
		v, ok := row.Float("value")
		if !ok && !row.Bad() {
			row.Fail("value", fmt.Errorf("required"))
		}
		if row.Bad() {
			return
		}
		rd, err := NewReading(row.Str("monitor_id"), at, row.Str("parameter"), v, row.Str("unit"))
		if err != nil {
			row.Fail("value", err)
			return
		}
		k := key{rd.Monitor, rd.Parameter, at.Unix()}
		if first, dup := seen[k]; dup {
			row.Fail("time", fmt.Errorf("monitor %s already has %s at this time (line %d)", rd.Monitor, rd.Parameter, first))
			return
		}
		seen[k] = row.Line
		out = append(out, rd)
	})
	return out, t.Err()
}

// WriteReadings writes air_readings.csv sorted by monitor, parameter and
// time, in canonical units.
func WriteReadings(w io.Writer, rs []Reading) error {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b Reading) int {
		if c := strings.Compare(a.Monitor, b.Monitor); c != 0 {
			return c
		}
		if c := strings.Compare(a.Parameter, b.Parameter); c != 0 {
			return c
		}
		return a.Time.Compare(b.Time)
	})
	cw := csv.NewWriter(w)
	_ = cw.Write(readingSchema.Required)
	for _, r := range rs {
		_ = cw.Write([]string{r.Monitor, r.Time.Format(time.RFC3339), r.Parameter, strconv.FormatFloat(r.Value, 'g', -1, 64), r.Unit})
	}
	cw.Flush()
	return cw.Error()
}

// percentile is R's type-7 quantile of sorted values: linear
// interpolation between the order statistics at (n−1)·q.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := float64(len(sorted)-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}
