package odour

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
)

// Options tune attribution; zero values take the defaults (see the
// package documentation for what each rule does).
type Options struct {
	// DetectionRangeM is the downwind distance at which a reference
	// source's plume centreline is just detected (default 4 km): a
	// receptor that gets at least that concentration counts fully.
	DetectionRangeM float64
	// HeightM is the assumed effective release height (default 15 m).
	HeightM float64
	// MinSpreadDeg floors the wind-direction uncertainty that widens the
	// plume (default 15°); NoSpreadDeg is used when no estimate exists
	// (default 30°).
	MinSpreadDeg, NoSpreadDeg float64
	// MaxRangeM bounds how far from every petition a facility may be and
	// still be a candidate (default 8 km).
	MaxRangeM float64
	// TrajectoryHours is the back-trajectory length and the window of the
	// wind confidence (default 3 h).
	TrajectoryHours float64
	// CellM is the likelihood surface's cell size (default 100 m, grown
	// so that the grid has at most 40 000 cells).
	CellM float64
	// SupportVote is the vote from which a petition supports a facility
	// (default 0.5).
	SupportVote float64
	// MinSupport: a top score below this share of the petitions means no
	// candidate lies upwind, and the ranking abstains (default 0.1).
	MinSupport float64
	// MinShare: when the top candidate explains less than this share of
	// what a source at the surface maximum would, the ranking abstains
	// (default 0.7).
	MinShare float64
	// AmbiguityRatio: a runner-up scoring at least this share of the top
	// score makes the confidence low (default 0.8).
	AmbiguityRatio float64
	// SurfaceAgreementM: a surface maximum farther than this from the top
	// candidate makes the confidence low (default 1 km).
	SurfaceAgreementM float64
	// ExplainShare and ExplainZ are the explanation gate's limits
	// (Explanation): a ranking that would be named with medium or high
	// confidence becomes low when its top candidate explains less than
	// ExplainShare of what a source at the surface maximum would (default
	// 0.98), or when the petitions lie to one side of its plume by more
	// than ExplainZ standard errors of the wind direction (default 1.96).
	ExplainShare, ExplainZ float64
	// TierWindow is the repeat-tier window (default 30 days); TierA,
	// TierB, TierC the petition counts of tiers A, B and C (default 10, 5,
	// 3); AreaCellM the size of a receptor area (default 1 km).
	TierWindow          time.Duration
	TierA, TierB, TierC int
	AreaCellM           float64
	// AirPermits are the data directory's air-permit files: each
	// candidate's evidence lists its air permit and the air-permit
	// rationality findings (AirFindings, or airpermit.Check's when nil,
	// computed once per engine), which count in its compliance record.
	AirPermits  *airpermit.Data
	AirFindings []permits.Finding
}

func (o Options) withDefaults() Options {
	def := func(v *float64, d float64) {
		if *v <= 0 || math.IsNaN(*v) {
			*v = d
		}
	}
	def(&o.DetectionRangeM, 4000)
	def(&o.HeightM, 15)
	def(&o.MinSpreadDeg, 15)
	def(&o.NoSpreadDeg, 30)
	def(&o.MaxRangeM, 8000)
	def(&o.TrajectoryHours, 3)
	def(&o.CellM, 100)
	def(&o.SupportVote, 0.5)
	def(&o.MinSupport, 0.1)
	def(&o.MinShare, 0.7)
	def(&o.AmbiguityRatio, 0.8)
	def(&o.SurfaceAgreementM, 1000)
	def(&o.ExplainShare, 0.98)
	def(&o.ExplainZ, 1.96)
	def(&o.AreaCellM, 1000)
	if o.TierWindow <= 0 {
		o.TierWindow = 30 * 24 * time.Hour
	}
	if o.TierA <= 0 {
		o.TierA = 10
	}
	if o.TierB <= 0 {
		o.TierB = 5
	}
	if o.TierC <= 0 {
		o.TierC = 3
	}
	return o
}

// site is a facility placed on the grid.
type site struct {
	f          *model.Facility
	x, y       float64
	compliance Compliance
}

// pet is a petition placed on the grid, with the wind at it.
type pet struct {
	*Petition
	x, y float64
	// conf is the wind confidence over the trajectory window.
	conf atmos.Confidence
	// spread is the direction uncertainty (degrees) widening its plumes.
	spread float64
	// wind is the wind at the petition, which sets the travel time of
	// every coupling; hasWind is false when there was none.
	wind    atmos.Sample
	hasWind bool
	// sunUp decides the stability class of its plumes.
	sunUp bool
}

// Engine attributes odour petitions to facilities. Build it once per data
// snapshot with New; it is immutable and safe for concurrent use.
type Engine struct {
	ds        *model.Dataset
	grid      *crs.Planar
	field     *atmos.IDW
	sites     []site
	petitions []pet // by time
	byID      map[string]int
	plume     atmos.Plume
	opt       Options
	// basin and water link traced petitions to the river (WithBasin).
	basin *basin.Basin
	water WaterOptions
}

// ErrNoWindData is returned by New when the data hold no wind.
var ErrNoWindData = errors.New("odour: the data directory holds no wind observations (wind.csv)")

// New places facilities, petitions and wind monitors on one planar grid
// (crs.PlanarFor: TWD97 / TM2 in Taiwan, a local Transverse Mercator
// elsewhere) and builds the wind field.
func New(ds *model.Dataset, petitions []Petition, monitors []atmos.Monitor, wind []atmos.Observation, opt Options) (*Engine, error) {
	if len(wind) == 0 {
		return nil, ErrNoWindData
	}
	var pts []orb.Point
	for i := range ds.Facilities {
		if lon, lat, ok := ds.Facilities[i].Position(); ok {
			pts = append(pts, orb.Point{lon, lat})
		}
	}
	for _, p := range petitions {
		pts = append(pts, orb.Point{p.Lon, p.Lat})
	}
	for _, m := range monitors {
		pts = append(pts, orb.Point{m.Lon, m.Lat})
	}
	grid, err := crs.PlanarFor(orb.MultiPoint(pts).Bound())
	if err != nil {
		return nil, err
	}
	field, err := atmos.NewField(grid, monitors, wind)
	if err != nil {
		return nil, err
	}
	return NewWithField(ds, petitions, grid, field, opt)
}

// NewWithField is New with a grid and wind field built by the caller (a
// synthetic field in tests, one field shared by several engines).
func NewWithField(ds *model.Dataset, petitions []Petition, grid *crs.Planar, field *atmos.IDW, opt Options) (*Engine, error) {
	e := &Engine{ds: ds, grid: grid, field: field, byID: map[string]int{}, opt: opt.withDefaults()}
	e.plume = atmos.Plume{HeightM: e.opt.HeightM, ReceptorM: 1.5}
	checks := permits.Check(ds)
	air := newAirRecord(e.opt.AirPermits, e.opt.AirFindings)
	for i := range ds.Facilities {
		f := &ds.Facilities[i]
		lon, lat, ok := f.Position()
		if !ok {
			continue
		}
		x, y := grid.Forward(lon, lat)
		e.sites = append(e.sites, site{f: f, x: x, y: y, compliance: complianceOf(ds, f, checks.ForFacility(f.EmsNo), air)})
	}
	ps := append([]Petition(nil), petitions...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Time.Before(ps[j].Time) })
	e.petitions = make([]pet, len(ps))
	for i := range ps {
		p := &ps[i]
		if _, dup := e.byID[p.ID]; dup {
			return nil, fmt.Errorf("odour: two petitions with id %q", p.ID)
		}
		e.byID[p.ID] = i
		x, y := grid.Forward(p.Lon, p.Lat)
		c := field.Confidence(x, y, p.Time.Add(-time.Duration(e.opt.TrajectoryHours*float64(time.Hour))), p.Time)
		spread := c.DirectionErrorDeg
		if math.IsNaN(spread) {
			spread = e.opt.NoSpreadDeg
		}
		w, err := field.At(x, y, p.Time)
		e.petitions[i] = pet{Petition: p, x: x, y: y, conf: c, spread: math.Max(spread, e.opt.MinSpreadDeg),
			wind: w, hasWind: err == nil, sunUp: atmos.SunUp(p.Lon, p.Lat, p.Time)}
	}
	return e, nil
}

// Grid returns the engine's planar grid.
func (e *Engine) Grid() *crs.Planar { return e.grid }

// coupling is the plume link between a source and a petition.
type coupling struct {
	// ratio is the plume concentration at the petition over the reference
	// centreline concentration at the detection range, capped at 1.
	ratio float64
	// wind is the wind used; ok is false when there was none.
	wind atmos.Sample
	ok   bool
}

// couple evaluates the Gaussian plume from (sx, sy) to petition p. The
// travel time is the distance over the wind speed at the petition; the
// wind is taken at the midpoint half that time before the petition, the
// stability class from that wind and whether the sun was up at the
// petition, and the plume is widened by p's direction uncertainty.
func (e *Engine) couple(p *pet, sx, sy float64) coupling {
	if !p.hasWind {
		return coupling{}
	}
	dx, dy := p.x-sx, p.y-sy
	tau := math.Hypot(dx, dy) / math.Max(p.wind.Speed, atmos.MinPlumeSpeed)
	w, err := e.field.At((p.x+sx)/2, (p.y+sy)/2, p.Time.Add(-time.Duration(tau/2*float64(time.Second))))
	if err != nil {
		return coupling{}
	}
	class := atmos.StabilityClass(w.Speed, p.sunUp)
	r := e.plume.Ratio(dx, dy, w, class, p.spread, e.opt.DetectionRangeM)
	return coupling{ratio: math.Min(1, r), wind: w, ok: true}
}

// window returns the traceable petitions with from ≤ time < to.
func (e *Engine) window(from, to time.Time) []*pet {
	var out []*pet
	for i := range e.petitions {
		p := &e.petitions[i]
		if !p.Time.Before(from) && p.Time.Before(to) && p.Traceable() {
			out = append(out, p)
		}
	}
	return out
}

// candidates are the facilities within MaxRangeM of at least one of the
// petitions whose industry matches at least one petition's category.
func (e *Engine) candidates(ps []*pet) []*site {
	var out []*site
	for i := range e.sites {
		s := &e.sites[i]
		for _, p := range ps {
			if math.Hypot(p.x-s.x, p.y-s.y) <= e.opt.MaxRangeM && MatchIndustry(p.Category, s.f.Industry).Weight > 0 {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
