package inspection

import (
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/risk"
)

// What the portal shows of the surroundings: the public monitoring near
// the facility, reading by reading, never an analysis of it (no trace,
// no attribution, no petition).
const (
	// NearbyStationRadiusM is how far from the facility's site or any of
	// its outfalls a river station counts as nearby.
	NearbyStationRadiusM = 5000.0
	// NearbyAirRadiusM is how far from the site a micro-sensor or an air
	// monitor counts as nearby.
	NearbyAirRadiusM = 3000.0
	// NearbyWindow is how far back before as-of a reading is recent.
	NearbyWindow = 30 * 24 * time.Hour
)

// Nearby is the monitoring near a facility.
type Nearby struct {
	StationRadiusM float64       `json:"station_radius_m"`
	AirRadiusM     float64       `json:"air_radius_m"`
	WindowDays     int           `json:"window_days"`
	Places         []NearbyPlace `json:"places"`
}

// NearbyPlace is a river station, micro-sensor or air monitor near the
// facility with its latest reading of each parameter in the window.
type NearbyPlace struct {
	// Kind is "river_station", "sensor" or "air_monitor".
	Kind      string          `json:"kind"`
	ID        string          `json:"id"`
	Name      string          `json:"name,omitempty"`
	River     string          `json:"river,omitempty"`
	DistanceM float64         `json:"distance_m"`
	Readings  []NearbyReading `json:"readings"`
}

// NearbyReading is one reading with its time in Asia/Taipei and its unit.
type NearbyReading struct {
	Parameter string  `json:"parameter"`
	Time      string  `json:"time"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	// Censored marks a value below the detection limit ("<value").
	Censored bool `json:"censored,omitempty"`
}

// Place kinds of Nearby.
const (
	PlaceRiverStation = "river_station"
	PlaceSensor       = "sensor"
	PlaceAirMonitor   = "air_monitor"
)

// latest keeps the newest reading per parameter in (from, to).
type latest map[string]NearbyReading

func (l latest) add(p string, t time.Time, v float64, unit string, censored bool, from, to time.Time) {
	if !t.After(from) || !t.Before(to) {
		return
	}
	if old, ok := l[p]; ok && old.Time >= t.In(Taipei).Format(time.RFC3339) {
		return
	}
	l[p] = NearbyReading{Parameter: p, Time: t.In(Taipei).Format(time.RFC3339), Value: v, Unit: unit, Censored: censored}
}

func (l latest) list() []NearbyReading {
	out := make([]NearbyReading, 0, len(l))
	for _, r := range l {
		out = append(out, r)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Parameter < out[b].Parameter })
	return out
}

// nearby finds the monitoring near facility id as of asOf. A facility
// without a known site gets only the stations near its outfalls.
func (s *Source) nearby(id string, asOf time.Time) Nearby {
	ds := s.Dir.Water
	n := Nearby{StationRadiusM: NearbyStationRadiusM, AirRadiusM: NearbyAirRadiusM, WindowDays: int(NearbyWindow / (24 * time.Hour)), Places: []NearbyPlace{}}
	from := asOf.Add(-NearbyWindow)
	var points [][2]float64
	f, _ := ds.Facility(id)
	lon, lat, sited := f.Position()
	if sited {
		points = append(points, [2]float64{lon, lat})
	}
	for _, o := range ds.OutfallsOf(id) {
		olon, olat := o.Point.LonLat()
		points = append(points, [2]float64{olon, olat})
	}
	closest := func(lon, lat float64) float64 {
		best := -1.0
		for _, p := range points {
			if d := risk.Haversine(p[0], p[1], lon, lat); best < 0 || d < best {
				best = d
			}
		}
		return best
	}
	for _, st := range ds.Stations {
		slon, slat := st.Point.LonLat()
		d := closest(slon, slat)
		if d < 0 || d > NearbyStationRadiusM {
			continue
		}
		l := latest{}
		for _, r := range ds.ReadingsAt(st.ID) {
			l.add(r.Parameter, r.Time, r.Value, r.Unit, r.Censored, from, asOf)
		}
		n.Places = append(n.Places, NearbyPlace{Kind: PlaceRiverStation, ID: st.ID, Name: st.Name, River: st.River, DistanceM: d, Readings: l.list()})
	}
	if sited {
		n.Places = append(n.Places, s.nearbyAir(lon, lat, from, asOf)...)
	}
	sort.SliceStable(n.Places, func(a, b int) bool { return n.Places[a].DistanceM < n.Places[b].DistanceM })
	return n
}

// nearbyAir lists the micro-sensors and air monitors within
// NearbyAirRadiusM of the site with their latest readings.
func (s *Source) nearbyAir(lon, lat float64, from, to time.Time) []NearbyPlace {
	var out []NearbyPlace
	at := map[string]int{}
	if sd := s.Dir.Sensors; sd != nil {
		for _, sn := range sd.Sensors {
			if d := risk.Haversine(lon, lat, sn.Lon, sn.Lat); d <= NearbyAirRadiusM {
				at["s:"+sn.ID] = len(out)
				out = append(out, NearbyPlace{Kind: PlaceSensor, ID: sn.ID, DistanceM: d})
			}
		}
	}
	for _, m := range s.Dir.Monitors {
		if d := risk.Haversine(lon, lat, m.Lon, m.Lat); d <= NearbyAirRadiusM {
			at["m:"+m.ID] = len(out)
			out = append(out, NearbyPlace{Kind: PlaceAirMonitor, ID: m.ID, Name: m.Name, DistanceM: d})
		}
	}
	if len(out) == 0 {
		return nil
	}
	ls := make([]latest, len(out))
	for i := range ls {
		ls[i] = latest{}
	}
	if sd := s.Dir.Sensors; sd != nil {
		for _, r := range sd.Readings {
			if i, ok := at["s:"+r.Device]; ok {
				ls[i].add(r.Parameter, r.Time, r.Value, r.Unit, false, from, to)
			}
		}
	}
	for _, r := range s.Dir.AirReadings {
		if i, ok := at["m:"+r.Monitor]; ok {
			ls[i].add(r.Parameter, r.Time, r.Value, r.Unit, false, from, to)
		}
	}
	for i := range out {
		out[i].Readings = ls[i].list()
	}
	return out
}
