package air

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/atmos"
)

// MPH is one mile per hour in m/s (exact: 1609.344 m / 3600 s). ESDR feeds
// report wind speed in mph; it is converted as it is read.
const MPH = 0.44704

// ESDRFeed is one ESDR monitor file read: its monitor id, wind and
// pollutant readings.
type ESDRFeed struct {
	Monitor  string
	Wind     []atmos.Observation
	Readings []Reading
	// Skipped counts values left out because they were blank.
	Skipped int
}

// esdrColumn is "3.feed_<id>.<CHANNEL>", possibly two merged feeds joined
// by "..": the first feed names the monitor.
var esdrColumn = regexp.MustCompile(`^\d+\.feed_(\d+)\.([A-Za-z0-9]+?)_(PPM|PPB|UG_M3|DEG|MPH)(\.\..*)?$`)

// esdrParams maps ESDR channel names that are not tracing/param names.
var esdrParams = map[string]string{"OZONE": "O3", "PM25B": "PM2.5", "PM25T": "PM2.5", "PM10B": "PM10", "NOX": "NOx"}

var esdrUnits = map[string]string{"PPM": "ppm", "PPB": "ppb", "UG_M3": "µg/m³"}

// ReadESDR reads an ESDR feed export (EpochTime in UTC seconds, then one
// column per channel): SONICWD_DEG (wind from), SONICWS_MPH and
// SIGTHETA_DEG become wind observations, pollutant channels readings.
// Times are kept in UTC. Rows may come out of order; two rows at one
// instant are refused.
func ReadESDR(r io.Reader, name string) (*ESDRFeed, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("air: %s: header: %w", name, err)
	}
	if len(head) == 0 || strings.TrimPrefix(head[0], "\ufeff") != "EpochTime" {
		return nil, fmt.Errorf("air: %s: the first column must be EpochTime", name)
	}
	type channel struct {
		param, unit, wind string
	}
	chans := make([]channel, len(head))
	feed := &ESDRFeed{}
	for i, h := range head[1:] {
		m := esdrColumn.FindStringSubmatch(strings.TrimSpace(h))
		if m == nil {
			return nil, fmt.Errorf("air: %s: column %q is not an ESDR channel such as 3.feed_28.H2S_PPM", name, h)
		}
		if feed.Monitor == "" {
			feed.Monitor = m[1]
		}
		switch code := m[2] + "_" + m[3]; code {
		case "SONICWD_DEG", "SONICWS_MPH", "SIGTHETA_DEG":
			chans[i+1].wind = code
		default:
			p := m[2]
			if alias, ok := esdrParams[p]; ok {
				p = alias
			}
			chans[i+1] = channel{param: p, unit: esdrUnits[m[3]]}
		}
	}
	seen := map[int64]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("air: %s:%d: %w", name, line, err)
		}
		sec, err := strconv.ParseInt(strings.TrimSpace(rec[0]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("air: %s:%d: EpochTime %q is not a whole number of seconds", name, line, rec[0])
		}
		if first, dup := seen[sec]; dup {
			return nil, fmt.Errorf("air: %s:%d: a second row at EpochTime %d (first on line %d)", name, line, sec, first)
		}
		seen[sec] = line
		at := time.Unix(sec, 0).UTC()
		o := atmos.Observation{Station: feed.Monitor, Time: at, Speed: math.NaN(), Direction: math.NaN(), SigmaTheta: math.NaN()}
		for i, c := range chans[1:] {
			s := strings.TrimSpace(rec[i+1])
			if s == "" {
				feed.Skipped++
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("air: %s:%d: column %s: %q is not a number", name, line, head[i+1], s)
			}
			switch c.wind {
			case "SONICWD_DEG":
				o.Direction = v
			case "SONICWS_MPH":
				o.Speed = v * MPH
			case "SIGTHETA_DEG":
				o.SigmaTheta = v
			default:
				rd, err := NewReading(feed.Monitor, at, c.param, v, c.unit)
				if err != nil {
					return nil, fmt.Errorf("air: %s:%d: column %s: %w", name, line, head[i+1], err)
				}
				feed.Readings = append(feed.Readings, rd)
			}
		}
		if math.IsNaN(o.Speed) && math.IsNaN(o.Direction) {
			continue
		}
		if math.IsNaN(o.Speed) || math.IsNaN(o.Direction) {
			o.Flag = atmos.Missing
		}
		o = atmos.Classify(o)
		if err := atmos.Check(o); err != nil {
			return nil, fmt.Errorf("air: %s:%d: wind: %w", name, line, err)
		}
		feed.Wind = append(feed.Wind, o)
	}
	if feed.Monitor == "" {
		return nil, errors.New("air: " + name + ": no channels")
	}
	sort.SliceStable(feed.Wind, func(i, j int) bool { return feed.Wind[i].Time.Before(feed.Wind[j].Time) })
	return feed, nil
}

// ReadESDRMetadata reads ESDR's monitor list (a JSON array of {id, name,
// latitude, longitude}) as monitors of the given kind.
func ReadESDRMetadata(r io.Reader) ([]atmos.Monitor, error) {
	var list []struct {
		ID        json.Number `json:"id"`
		Name      string      `json:"name"`
		Latitude  float64     `json:"latitude"`
		Longitude float64     `json:"longitude"`
	}
	if err := json.NewDecoder(r).Decode(&list); err != nil {
		return nil, fmt.Errorf("air: ESDR metadata: %w", err)
	}
	out := make([]atmos.Monitor, 0, len(list))
	for _, m := range list {
		if math.Abs(m.Latitude) > 90 || math.Abs(m.Longitude) > 180 || m.ID == "" {
			return nil, fmt.Errorf("air: ESDR metadata: monitor %q has no valid id and position", m.ID)
		}
		out = append(out, atmos.Monitor{ID: m.ID.String(), Name: m.Name, Lon: m.Longitude, Lat: m.Latitude, Kind: atmos.Both, AltitudeM: math.NaN()})
	}
	return out, nil
}
