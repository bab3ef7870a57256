package inspection

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/basin"

	"github.com/envtrace/envtrace/tracing/risk"
)

// What the portal shows of the surroundings: the public monitoring near
// the facility, reading by reading, never an analysis of it (no trace,
// no attribution, no petition).
const (
	// NearbyDownstreamKm is how far down the river from any of the
	// facility's outfalls a river station counts as nearby: the stations
	// its discharge reaches (main path, basin.StationsBelow).
	NearbyDownstreamKm = 12.0
	// NearbyStationRadiusM is the fallback for a facility with no outfall
	// on the river network (or data without a network): a river station
	// within this straight-line distance of its site or outfalls counts,
	// labelled BasisStraightLine.
	NearbyStationRadiusM = 5000.0
	// NearbyAirRadiusM is how far from the site a micro-sensor or an air
	// monitor counts as nearby.
	NearbyAirRadiusM = 3000.0
	// NearbyWindow is how far back before as-of a reading is recent.
	NearbyWindow = 30 * 24 * time.Hour
)

// Nearby is the monitoring near a facility.
type Nearby struct {
	StationDownstreamKm float64       `json:"station_downstream_km"`
	StationRadiusM      float64       `json:"station_radius_m"`
	AirRadiusM          float64       `json:"air_radius_m"`
	WindowDays          int           `json:"window_days"`
	Places              []NearbyPlace `json:"places"`
}

// NearbyPlace is a river station, micro-sensor or air monitor near the
// facility with its latest reading of each parameter in the window.
type NearbyPlace struct {
	// Kind is "river_station", "sensor" or "air_monitor".
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	River string `json:"river,omitempty"`
	// Basis says how a river station was chosen: BasisDownstream
	// (DistanceM is along the river from the nearest outfall above it) or
	// BasisStraightLine (the facility has no outfall on the network;
	// DistanceM is straight-line).
	Basis     string          `json:"basis,omitempty"`
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

// Bases of a river station in Nearby.
const (
	BasisDownstream   = "downstream"
	BasisStraightLine = "straight_line"
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

// nearby finds the monitoring near facility id as of asOf: the river
// stations downstream of its outfalls (riverStations) and the air
// monitoring around its site.
func (s *Source) nearby(ctx context.Context, id string, asOf time.Time) (Nearby, error) {
	ds := s.Dir.Water
	n := Nearby{StationDownstreamKm: NearbyDownstreamKm, StationRadiusM: NearbyStationRadiusM, AirRadiusM: NearbyAirRadiusM,
		WindowDays: int(NearbyWindow / (24 * time.Hour)), Places: []NearbyPlace{}}
	from := asOf.Add(-NearbyWindow)
	stations, err := s.riverStations(ctx, id)
	if err != nil {
		return Nearby{}, err
	}
	for _, p := range stations {
		if st, ok := ds.Station(p.ID); ok {
			p.Name, p.River = st.Name, st.River
		}
		l := latest{}
		for _, r := range ds.ReadingsAt(p.ID) {
			l.add(r.Parameter, r.Time, r.Value, r.Unit, r.Censored, from, asOf)
		}
		p.Readings = l.list()
		n.Places = append(n.Places, p)
	}
	f, _ := ds.Facility(id)
	if lon, lat, sited := f.Position(); sited {
		n.Places = append(n.Places, s.nearbyAir(lon, lat, from, asOf)...)
	}
	sort.SliceStable(n.Places, func(a, b int) bool { return n.Places[a].DistanceM < n.Places[b].DistanceM })
	return n, nil
}

// riverStations are the river stations within NearbyDownstreamKm
// downstream of facility id's outfalls on the network. A facility with no
// outfall on the network (none known, none placed, or no network) falls
// back to the stations within NearbyStationRadiusM in a straight line of
// its site or outfalls, labelled so.
func (s *Source) riverStations(ctx context.Context, id string) ([]NearbyPlace, error) {
	b, err := s.network(ctx)
	if err != nil {
		return nil, fmt.Errorf("inspection: stations below %s: %w", id, err)
	}
	if b != nil {
		var places []basin.Place
		for _, o := range b.OutfallsOf(id) {
			places = append(places, o.Place)
		}
		if len(places) > 0 {
			below, err := b.StationsBelow(ctx, places, NearbyDownstreamKm)
			if err != nil {
				return nil, fmt.Errorf("inspection: stations below %s: %w", id, err)
			}
			out := make([]NearbyPlace, len(below))
			for i, sb := range below {
				out[i] = NearbyPlace{Kind: PlaceRiverStation, ID: sb.Station, Basis: BasisDownstream, DistanceM: sb.DistanceKm * 1000}
			}
			return out, nil
		}
	}
	ds := s.Dir.Water
	var points [][2]float64
	f, _ := ds.Facility(id)
	if lon, lat, ok := f.Position(); ok {
		points = append(points, [2]float64{lon, lat})
	}
	for _, o := range ds.OutfallsOf(id) {
		olon, olat := o.Point.LonLat()
		points = append(points, [2]float64{olon, olat})
	}
	var out []NearbyPlace
	for _, st := range ds.Stations {
		slon, slat := st.Point.LonLat()
		best := -1.0
		for _, p := range points {
			if d := risk.Haversine(p[0], p[1], slon, slat); best < 0 || d < best {
				best = d
			}
		}
		if best >= 0 && best <= NearbyStationRadiusM {
			out = append(out, NearbyPlace{Kind: PlaceRiverStation, ID: st.ID, Basis: BasisStraightLine, DistanceM: best})
		}
	}
	return out, nil
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
