package atmos

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/internal/csvtab"
)

// TaipeiTime is Taiwan's time zone, UTC+8 without daylight saving since
// 1979. CODiS times are local; a fixed zone avoids depending on the
// system's time-zone database.
var TaipeiTime = time.FixedZone("+08", 8*3600)

// CODiSFile is one station's hourly file read from CWA CODiS.
type CODiSFile struct {
	Station string
	// Lon, Lat are the station coordinates the file repeats on each row.
	Lon, Lat float64
	Obs      []Observation
	// Flags counts the observations by flag (Good included).
	Flags map[Flag]int
}

// codisFlag maps a CODiS marker to a flag; ok is false for a number.
func codisFlag(s string) (Flag, bool) {
	switch strings.TrimSpace(s) {
	case "x", "X":
		return Fault, true
	case "V":
		return Variable, true
	case "/":
		return Unknown, true
	case "...", "…":
		return Missing, true
	}
	return "", false
}

// flagRank orders flags when speed and direction disagree: the worse one
// wins.
var flagRank = map[Flag]int{Good: 0, Variable: 1, Unknown: 2, Missing: 3, Fault: 4}

// ReadCODiS reads one CWA CODiS hourly station file (the columns Date,
// Station, ObsTime, WS, WD and, when present, Lon, Lat; others are
// ignored). ObsTime runs 1–24 in Taiwan time and names the end of the
// hour, so hour 24 is 00:00 of the next day. Markers become flags, never
// numbers (see the package documentation). name is used in errors. A file
// must hold one station.
func ReadCODiS(r io.Reader, name string) (*CODiSFile, error) {
	t := csvtab.Open(name, r, csvtab.Schema{Required: []string{"Date", "Station", "ObsTime", "WS", "WD"}, Optional: []string{"Lon", "Lat"}, Others: true})
	f := &CODiSFile{Flags: map[Flag]int{}, Lon: math.NaN(), Lat: math.NaN()}
	t.Rows(func(row *csvtab.Row) {
		o, col, err := codisRow(row.Str)
		if err == nil && f.Station != "" && o.Station != f.Station {
			col, err = "Station", fmt.Errorf("a CODiS file holds one station; this one started with %s", f.Station)
		}
		if err != nil {
			row.Fail(col, err)
			return
		}
		if f.Station == "" {
			f.Station = o.Station
			f.Lon, _ = row.Float("Lon")
			f.Lat, _ = row.Float("Lat")
		}
		f.Obs = append(f.Obs, o)
		f.Flags[o.Flag]++
	})
	if err := t.Err(); err != nil {
		return nil, err
	}
	if f.Station == "" {
		return nil, fmt.Errorf("atmos: %s: no observations", name)
	}
	return f, nil
}

// codisRow parses one row; an error names the column to blame.
func codisRow(get func(string) string) (Observation, string, error) {
	o := Observation{Station: get("Station"), SigmaTheta: math.NaN()}
	if o.Station == "" {
		return o, "Station", errors.New("required")
	}
	day, err := time.ParseInLocation("2006-01-02", get("Date"), TaipeiTime)
	if err != nil {
		return o, "Date", errors.New("not a date YYYY-MM-DD")
	}
	h, err := strconv.Atoi(get("ObsTime"))
	if err != nil || h < 1 || h > 24 {
		return o, "ObsTime", errors.New("must be an hour 1–24")
	}
	// ObsTime names the end of the hour: 24 is 00:00 of the next day.
	o.Time = day.Add(time.Duration(h) * time.Hour)
	o.Speed, o.Direction = math.NaN(), math.NaN()
	for _, c := range []string{"WS", "WD"} {
		s := get(c)
		if fl, ok := codisFlag(s); ok {
			if flagRank[fl] > flagRank[o.Flag] {
				o.Flag = fl
			}
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return o, c, errors.New("neither a number nor a CODiS marker (x, X, V, /, ...)")
		}
		if c == "WS" {
			o.Speed = v
		} else {
			o.Direction = v
		}
	}
	// The CWA writes north as 360 and a calm's missing direction as 0.
	if o.Direction == 0 {
		o.Direction = math.NaN()
	}
	o = Classify(o)
	if err := Check(o); err != nil {
		return o, "WS", err
	}
	return o, "", nil
}

// ReadCODiSMeta reads CODiS's station list (meta.csv: StationID,
// StationName, Altitude, City, Lon, Lat, Address, StartDate) into weather
// monitors.
func ReadCODiSMeta(r io.Reader, name string) ([]Monitor, error) {
	t := csvtab.Open(name, r, csvtab.Schema{
		Required: []string{"StationID", "StationName", "Lon", "Lat"},
		Optional: []string{"Altitude", "City", "Address", "StartDate"},
	})
	var out []Monitor
	t.Rows(func(row *csvtab.Row) {
		row.Required("StationID", "StationName")
		m := Monitor{ID: row.Str("StationID"), Name: row.Str("StationName"), Kind: Weather, AltitudeM: math.NaN(),
			Note: strings.TrimSpace(row.Str("City") + row.Str("Address"))}
		p, col, err := positionFrom("", "", row.Str("Lon"), row.Str("Lat"))
		if err != nil {
			row.Fail(map[string]string{"lon": "Lon", "x": "Lon"}[col], err)
		}
		m.Lon, m.Lat = p[0], p[1]
		if a, ok := row.Float("Altitude"); ok {
			m.AltitudeM = a
		}
		if !row.Bad() {
			out = append(out, m)
		}
	})
	return out, t.Err()
}
