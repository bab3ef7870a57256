package air

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/gis/crs"
)

// CPFOptions are the CPF's settings; zero values take the defaults.
type CPFOptions struct {
	// Percentile of the threshold, (0, 100); default 90.
	Percentile float64
	// SectorDeg is the sector width; it must divide 360. Default 10.
	SectorDeg float64
	// MinSpeed in m/s: slower hours are left out. Default CalmSpeed
	// (0.5 m/s); give 0.44704 for openair's and the wave-2 reference's
	// 1 mph.
	MinSpeed float64
	// HasMinSpeed says MinSpeed was given (so 0 means no minimum).
	HasMinSpeed bool
	// SearchRadiusM bounds the facilities listed in high sectors; default
	// 10 km.
	SearchRadiusM float64
}

// ErrBadOption is wrapped by option errors.
var ErrBadOption = errors.New("invalid CPF option")

func (o CPFOptions) withDefaults() (CPFOptions, error) {
	if o.Percentile == 0 {
		o.Percentile = 90
	}
	if o.SectorDeg == 0 {
		o.SectorDeg = 10
	}
	if !o.HasMinSpeed {
		o.MinSpeed = atmos.CalmSpeed
	}
	if o.SearchRadiusM == 0 {
		o.SearchRadiusM = 10_000
	}
	switch {
	case !(o.Percentile > 0 && o.Percentile < 100):
		return o, fmt.Errorf("%w: percentile %g must be between 0 and 100", ErrBadOption, o.Percentile)
	case !(o.SectorDeg > 0 && o.SectorDeg <= 180) || math.Abs(math.Remainder(360, o.SectorDeg)) > 1e-9:
		return o, fmt.Errorf("%w: sector width %g° must divide 360°", ErrBadOption, o.SectorDeg)
	case !(o.MinSpeed >= 0) || o.MinSpeed > atmos.MaxPlausibleSpeed:
		return o, fmt.Errorf("%w: minimum speed %g m/s must be between 0 and %g", ErrBadOption, o.MinSpeed, atmos.MaxPlausibleSpeed)
	case !(o.SearchRadiusM > 0):
		return o, fmt.Errorf("%w: search radius %g m must be positive", ErrBadOption, o.SearchRadiusM)
	}
	return o, nil
}

// Sector is one wind sector of a CPF.
type Sector struct {
	FromDeg float64 `json:"from_deg"`
	ToDeg   float64 `json:"to_deg"`
	// N counts the hours from the sector; Exceed those above the threshold.
	N      int `json:"n"`
	Exceed int `json:"exceed"`
	// CPF is Exceed/N, null when N is 0.
	CPF *float64 `json:"cpf"`
	// High marks a sector at least twice the wind-blind share.
	High bool `json:"high"`
}

// Site is a facility to look for in the high sectors.
type Site struct {
	ID, Name string
	Lon, Lat float64
}

// SiteInSector is a facility lying in a high sector.
type SiteInSector struct {
	FacilityID string  `json:"facility_id"`
	Name       string  `json:"name"`
	BearingDeg float64 `json:"bearing_deg"`
	DistanceM  float64 `json:"distance_m"`
	SectorFrom float64 `json:"sector_from_deg"`
	CPF        float64 `json:"cpf"`
}

// CPFResult is the answer of `envtrace air cpf` and GET /api/v1/air/cpf.
type CPFResult struct {
	Monitor string `json:"monitor"`
	// Lon and Lat are the monitor's position (WGS84), so that a map can
	// draw the polar plot there without a second request.
	Lon        float64 `json:"lon"`
	Lat        float64 `json:"lat"`
	Parameter  string  `json:"parameter"`
	Unit       string  `json:"unit"`
	Percentile float64 `json:"percentile"`
	// Threshold is the percentile of the hours' values, in Unit.
	Threshold float64 `json:"threshold"`
	SectorDeg float64 `json:"sector_deg"`
	MinSpeed  float64 `json:"min_speed"`
	// N counts the hours used; Exceed those above the threshold.
	N       int      `json:"n"`
	Exceed  int      `json:"exceed"`
	Sectors []Sector `json:"sectors"`
	// Peak is the sector with the highest CPF (ties: the first).
	Peak *Sector `json:"peak"`
	// Facilities lie in high sectors within the search radius, highest CPF
	// first.
	Facilities []SiteInSector `json:"facilities"`
}

// ErrNoHours is returned when no hour has both a reading and a usable wind.
var ErrNoHours = errors.New("no hour has both a reading and a wind direction at the minimum speed")

// CPF computes the conditional probability function of one monitor's
// readings of one parameter against the wind measured at the monitor (see
// the package documentation). wind and readings must be the monitor's and
// the parameter's; they are paired by instant. sites are the facilities to
// place in the high sectors, from monitor (its lon/lat).
func CPF(monitor atmos.Monitor, wind []atmos.Observation, readings []Reading, sites []Site, opt CPFOptions) (*CPFResult, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(readings) == 0 {
		return nil, ErrNoHours
	}
	byTime := make(map[int64]atmos.Observation, len(wind))
	for _, o := range wind {
		byTime[o.Time.Unix()] = o
	}
	type hour struct{ dir, v float64 }
	var hours []hour
	for _, r := range readings {
		o, ok := byTime[r.Time.Unix()]
		// The tolerance keeps 1 mph converted to m/s from dropping hours
		// of exactly 1 mph to rounding.
		if !ok || math.IsNaN(o.Direction) || math.IsNaN(o.Speed) || o.Speed < opt.MinSpeed-1e-9 {
			continue
		}
		hours = append(hours, hour{o.Direction, r.Value})
	}
	if len(hours) == 0 {
		return nil, ErrNoHours
	}
	vals := make([]float64, len(hours))
	for i, h := range hours {
		vals[i] = h.v
	}
	sort.Float64s(vals)
	res := &CPFResult{Monitor: monitor.ID, Lon: monitor.Lon, Lat: monitor.Lat, Parameter: readings[0].Parameter, Unit: readings[0].Unit, Percentile: opt.Percentile,
		Threshold: percentile(vals, opt.Percentile/100), SectorDeg: opt.SectorDeg, MinSpeed: opt.MinSpeed, N: len(hours)}
	ns := int(math.Round(360 / opt.SectorDeg))
	res.Sectors = make([]Sector, ns)
	for i := range res.Sectors {
		res.Sectors[i].FromDeg, res.Sectors[i].ToDeg = float64(i)*opt.SectorDeg, float64(i+1)*opt.SectorDeg
	}
	for _, h := range hours {
		s := &res.Sectors[sectorOf(h.dir, opt.SectorDeg, ns)]
		s.N++
		if h.v > res.Threshold {
			s.Exceed++
			res.Exceed++
		}
	}
	highAt := 2 * (1 - opt.Percentile/100)
	for i := range res.Sectors {
		s := &res.Sectors[i]
		if s.N == 0 {
			continue
		}
		c := float64(s.Exceed) / float64(s.N)
		s.CPF = &c
		s.High = c >= highAt
		if res.Peak == nil || c > *res.Peak.CPF {
			res.Peak = s
		}
	}
	res.Facilities, err = sitesInHighSectors(monitor, sites, res, opt)
	return res, err
}

func sectorOf(dir, width float64, n int) int {
	return int(math.Floor(math.Mod(dir+360, 360)/width)) % n
}

func sitesInHighSectors(m atmos.Monitor, sites []Site, res *CPFResult, opt CPFOptions) ([]SiteInSector, error) {
	if len(sites) == 0 {
		return []SiteInSector{}, nil
	}
	b := atmos.Bound([]atmos.Monitor{m})
	for _, s := range sites {
		b = b.Extend([2]float64{s.Lon, s.Lat})
	}
	grid, err := crs.PlanarFor(b)
	if err != nil {
		return nil, err
	}
	mx, my := grid.Forward(m.Lon, m.Lat)
	out := []SiteInSector{}
	for _, s := range sites {
		x, y := grid.Forward(s.Lon, s.Lat)
		d := math.Hypot(x-mx, y-my)
		if d > opt.SearchRadiusM || d == 0 {
			continue
		}
		brg := atmos.Bearing(x-mx, y-my)
		sec := res.Sectors[sectorOf(brg, opt.SectorDeg, len(res.Sectors))]
		if !sec.High {
			continue
		}
		out = append(out, SiteInSector{FacilityID: s.ID, Name: s.Name, BearingDeg: math.Round(brg*10) / 10, DistanceM: math.Round(d), SectorFrom: sec.FromDeg, CPF: *sec.CPF})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CPF > out[j].CPF })
	return out, nil
}
