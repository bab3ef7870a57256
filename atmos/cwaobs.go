package atmos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// CWAObsProduct is the CWA open-data platform's id of the automatic
// weather stations' observations (自動氣象站-氣象觀測資料), the product
// ReadCWAObs reads.
const CWAObsProduct = "O-A0001-001"

// CWAObsFile is one download of O-A0001-001 in its JSON form: each
// station's latest observation, with the station as the file describes it.
type CWAObsFile struct {
	// Monitors are the file's stations, in file order: id, name, WGS84
	// position, altitude, and county and town as the note.
	Monitors []Monitor
	// Obs holds one observation a station, in file order.
	Obs []Observation
	// Flags counts the observations by flag (Good included).
	Flags map[Flag]int
}

// cwaNoData are the values the platform writes for "no data" in a numeric
// element (-99, and -990 in some elements): they become gaps, never
// numbers.
var cwaNoData = []float64{-99, -990}

// cwaNum is a numeric element as the platform writes it: a JSON number in
// one form of the product, a string in the other. raw keeps the text for
// errors; set is false when the element is absent or null.
type cwaNum struct {
	raw string
	set bool
}

// UnmarshalJSON keeps the number or string as text, to be parsed where
// the element's meaning is known.
func (n *cwaNum) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n.raw, n.set = strings.TrimSpace(s), true
		return nil
	}
	var f json.Number
	if err := json.Unmarshal(b, &f); err != nil {
		// A type error: the decoder adds the field's path to it.
		return &json.UnmarshalTypeError{Value: "neither a number nor a string", Type: reflect.TypeFor[float64]()}
	}
	n.raw, n.set = f.String(), true
	return nil
}

// value parses the element: ok is false for a no-data value; an absent
// element is an error, as is text that is not a finite number.
func (n cwaNum) value() (v float64, ok bool, err error) {
	if !n.set || n.raw == "" {
		return math.NaN(), false, errors.New("missing")
	}
	v, err = strconv.ParseFloat(n.raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return math.NaN(), false, fmt.Errorf("%q is not a number", n.raw)
	}
	for _, nd := range cwaNoData {
		if v == nd {
			return math.NaN(), false, nil
		}
	}
	return v, true, nil
}

// cwaStation is one element of O-A0001-001's Station list, with the
// fields the wind needs.
type cwaStation struct {
	StationName string
	StationID   string `json:"StationId"`
	ObsTime     struct {
		DateTime string
	}
	GeoInfo struct {
		Coordinates []struct {
			CoordinateName   string
			StationLatitude  cwaNum
			StationLongitude cwaNum
		}
		StationAltitude cwaNum
		CountyName      string
		TownName        string
	}
	WeatherElement struct {
		WindDirection cwaNum
		WindSpeed     cwaNum
	}
}

// cwaEnvelope holds both forms of the product: the data-store API's
// {"records": {"Station": [...]}} and the file download's
// {"cwaopendata": {"dataset": {"Station": [...]}}}.
type cwaEnvelope struct {
	Records *struct {
		Station []json.RawMessage
	}
	CWAOpenData *struct {
		DataID  string `json:"dataid"`
		Dataset struct {
			Station []json.RawMessage
		} `json:"dataset"`
	} `json:"cwaopendata"`
}

// ReadCWAObs reads one download of O-A0001-001 in JSON, in either form
// the open-data platform serves (the data-store API's records.Station or
// the file download's cwaopendata.dataset.Station). Of each station it
// reads StationId, StationName, ObsTime.DateTime (kept in Taiwan time; a
// time without a zone is Taiwan time), the WGS84 entry of
// GeoInfo.Coordinates, StationAltitude, CountyName and TownName, and
// WeatherElement.WindSpeed (m/s, as the platform gives it: nothing to
// convert) and WindDirection (degrees, from). A no-data value (-99 or
// -990) in either wind element makes the hour Missing, a gap; as in CODiS
// a direction of 0 is a calm's missing direction and 360 is north. An
// error names the file, the station and the field. name is used in
// errors.
func ReadCWAObs(r io.Reader, name string) (*CWAObsFile, error) {
	var env cwaEnvelope
	if err := json.NewDecoder(r).Decode(&env); err != nil {
		return nil, fmt.Errorf("atmos: %s: not %s JSON: %w", name, CWAObsProduct, err)
	}
	var raw []json.RawMessage
	switch {
	case env.Records != nil:
		raw = env.Records.Station
	case env.CWAOpenData != nil:
		if id := env.CWAOpenData.DataID; id != "" && id != CWAObsProduct {
			return nil, fmt.Errorf("atmos: %s: the file is CWA product %s, not %s", name, id, CWAObsProduct)
		}
		raw = env.CWAOpenData.Dataset.Station
	default:
		return nil, fmt.Errorf("atmos: %s: not %s JSON: neither records.Station nor cwaopendata.dataset.Station", name, CWAObsProduct)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("atmos: %s: no stations", name)
	}
	f := &CWAObsFile{Flags: map[Flag]int{}}
	seen := map[string]int{}
	for i, msg := range raw {
		var s cwaStation
		if err := json.Unmarshal(msg, &s); err != nil {
			return nil, fmt.Errorf("atmos: %s: station %d of %d: %w", name, i+1, len(raw), err)
		}
		m, o, field, err := cwaStationObs(s)
		if err == nil {
			if first, dup := seen[m.ID]; dup {
				field, err = "StationId", fmt.Errorf("the station is already station %d of the file", first)
			}
		}
		if err != nil {
			who := s.StationID
			if who == "" {
				who = fmt.Sprintf("%d of %d", i+1, len(raw))
			}
			return nil, fmt.Errorf("atmos: %s: station %s: %s: %w", name, who, field, err)
		}
		seen[m.ID] = i + 1
		f.Monitors, f.Obs = append(f.Monitors, m), append(f.Obs, o)
		f.Flags[o.Flag]++
	}
	return f, nil
}

// cwaStationObs turns one station into its monitor and observation; an
// error names the field to blame.
func cwaStationObs(s cwaStation) (Monitor, Observation, string, error) {
	id := strings.TrimSpace(s.StationID)
	m := Monitor{ID: id, Name: strings.TrimSpace(s.StationName), Kind: Weather, AltitudeM: math.NaN(),
		Note: strings.TrimSpace(s.GeoInfo.CountyName + s.GeoInfo.TownName)}
	o := Observation{Station: id, SigmaTheta: math.NaN()}
	if id == "" {
		return m, o, "StationId", errors.New("required")
	}
	if m.Name == "" {
		m.Name = id
	}
	t, err := cwaTime(s.ObsTime.DateTime)
	if err != nil {
		return m, o, "ObsTime.DateTime", err
	}
	o.Time = t
	lon, lat, field, err := cwaWGS84(s)
	if err != nil {
		return m, o, field, err
	}
	m.Lon, m.Lat = lon, lat
	if a, ok, err := s.GeoInfo.StationAltitude.value(); err == nil && ok {
		m.AltitudeM = a
	}
	speed, hasS, err := s.WeatherElement.WindSpeed.value()
	if err != nil {
		return m, o, "WeatherElement.WindSpeed", err
	}
	dir, hasD, err := s.WeatherElement.WindDirection.value()
	if err != nil {
		return m, o, "WeatherElement.WindDirection", err
	}
	if hasD && (dir < 0 || dir > 360) {
		return m, o, "WeatherElement.WindDirection", fmt.Errorf("%g° is outside 0–360", dir)
	}
	o.Speed, o.Direction = speed, dir
	if !hasS || !hasD {
		o.Flag = Missing
	}
	// The CWA writes north as 360 and a calm's missing direction as 0.
	if o.Direction == 0 {
		o.Direction = math.NaN()
	}
	o = Classify(o)
	if err := Check(o); err != nil {
		return m, o, "WeatherElement.WindSpeed", err
	}
	return m, o, "", nil
}

// cwaWGS84 finds the station's WGS84 position among its coordinates (the
// file also gives TWD67, which is not used).
func cwaWGS84(s cwaStation) (lon, lat float64, field string, err error) {
	for _, c := range s.GeoInfo.Coordinates {
		if !strings.EqualFold(strings.TrimSpace(c.CoordinateName), "WGS84") {
			continue
		}
		lon, okLon, err := c.StationLongitude.value()
		if err != nil {
			return 0, 0, "GeoInfo.Coordinates[WGS84].StationLongitude", err
		}
		lat, okLat, err := c.StationLatitude.value()
		if err != nil {
			return 0, 0, "GeoInfo.Coordinates[WGS84].StationLatitude", err
		}
		switch {
		case !okLon || !okLat:
			return 0, 0, "GeoInfo.Coordinates[WGS84]", errors.New("no data (-99): the station has no position")
		case math.Abs(lon) > 180 || math.Abs(lat) > 90:
			return 0, 0, "GeoInfo.Coordinates[WGS84]", fmt.Errorf("(%g, %g) is not a longitude and latitude in degrees", lon, lat)
		}
		return lon, lat, "", nil
	}
	return 0, 0, "GeoInfo.Coordinates", errors.New("no WGS84 entry")
}

// cwaTime parses ObsTime.DateTime: ISO 8601 with its offset, or without
// one in Taiwan time; the result is in Taiwan time.
func cwaTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("required")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(TaipeiTime), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, TaipeiTime); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time like 2024-01-18T14:00:00+08:00", s)
}
