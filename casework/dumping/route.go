package dumping

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/spatial"
	"github.com/envtrace/envtrace/tracing/model"
)

// DefaultBoundaryM is how close to a parcel boundary a point must be for
// the neighbouring parcel to become a candidate: 5 m, about the accuracy of
// a phone's GPS in the open and of digitised parcel boundaries.
const DefaultBoundaryM = 5

// Rule names the routing rule that decided, so a reader of the answer
// knows why the report went where it went.
type Rule string

// Routing rules, in the order Route tries them (see the package doc).
const (
	RuleParcel            Rule = "parcel"             // the parcel's manager
	RulePrivateLand       Rule = "private-land"       // private parcel: the local environmental bureau
	RuleTownshipFallback  Rule = "township-fallback"  // outside every parcel, in a county: the township office
	RuleMunicipalFallback Rule = "municipal-fallback" // outside every parcel, in a special municipality: the city's bureau
	RuleCentre            Rule = "centre"             // nothing decides: the centre routes by hand
)

// Candidate is one parcel the point may be on.
type Candidate struct {
	AgencyID  string  `json:"agency_id"`
	ParcelID  string  `json:"parcel_id"`
	DistanceM float64 `json:"distance_m"`
}

// Decision is the answer of Route. Its first four fields are the JSON the
// route command and GET /api/v1/dumping/route print.
type Decision struct {
	AgencyID   string      `json:"agency_id"`
	Agency     string      `json:"agency"`
	ParcelID   string      `json:"parcel_id"`
	Candidates []Candidate `json:"candidates"`
	// Rule says which rule decided; Ambiguous that more than one parcel
	// lies within the boundary distance (a point on or near a shared
	// boundary), so the first candidate is asked first and the others are
	// named.
	Rule      Rule `json:"rule"`
	Ambiguous bool `json:"ambiguous"`
	// PublicLand is false on private land: still a case, but not one for
	// a public land manager.
	PublicLand bool `json:"public_land"`
	// Manager is the parcel's manager value, Owner its recorded owner.
	Manager string `json:"manager,omitempty"`
	Owner   string `json:"owner,omitempty"`
	// Jurisdiction is the township or district id, "" outside all.
	Jurisdiction string `json:"jurisdiction,omitempty"`
	// Section, LandNo identify the parcel in the cadastre when known.
	Section string `json:"section,omitempty"`
	LandNo  string `json:"land_no,omitempty"`
	// X, Y are the point in EPSG:3826 metres.
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Router routes points to agencies over one Land. It is read-only after
// NewRouter and safe for concurrent use.
type Router struct {
	land     *Land
	parcels  *spatial.PolygonIndex
	juris    *spatial.PolygonIndex
	agencies map[string]*Agency
	alias    map[string]string
	centre   *Agency
	// BoundaryM is the candidate distance (DefaultBoundaryM when 0).
	boundaryM float64
}

// NewRouter indexes land; boundaryM ≤ 0 means DefaultBoundaryM. The land
// must be valid (Land.Validate).
func NewRouter(land *Land, boundaryM float64) (*Router, error) {
	if err := land.Validate(); err != nil {
		return nil, err
	}
	if boundaryM <= 0 || math.IsNaN(boundaryM) || math.IsInf(boundaryM, 0) {
		boundaryM = DefaultBoundaryM
	}
	r := &Router{land: land, agencies: map[string]*Agency{}, alias: map[string]string{}, boundaryM: boundaryM}
	for i := range land.Agencies {
		a := &land.Agencies[i]
		r.agencies[a.ID] = a
		if a.Kind == KindCentre {
			r.centre = a
		}
		for _, m := range a.Manages {
			r.alias[m] = a.ID
		}
	}
	pg := make([]orb.Geometry, len(land.Parcels))
	for i, p := range land.Parcels {
		pg[i] = p.Geometry
	}
	r.parcels = spatial.NewPolygonIndex(pg)
	jg := make([]orb.Geometry, len(land.Jurisdictions))
	for i, j := range land.Jurisdictions {
		jg[i] = j.Geometry
	}
	r.juris = spatial.NewPolygonIndex(jg)
	return r, nil
}

// Land returns the land the router was built on.
func (r *Router) Land() *Land { return r.land }

// BoundaryM returns the candidate distance in metres.
func (r *Router) BoundaryM() float64 { return r.boundaryM }

// Centre returns the centre agency.
func (r *Router) Centre() Agency { return *r.centre }

// Agency returns the agency with id.
func (r *Router) Agency(id string) (Agency, bool) {
	a, ok := r.agencies[id]
	if !ok {
		return Agency{}, false
	}
	return *a, true
}

// PointError says a point cannot be routed (not finite, or not a position
// in its CRS).
type PointError struct {
	X, Y float64
	CRS  crs.Code
	Err  error
}

// Error names the point.
func (e *PointError) Error() string {
	return fmt.Sprintf("point %g,%g in %s: %v", e.X, e.Y, e.CRS, e.Err)
}

// Unwrap exposes the cause.
func (e *PointError) Unwrap() error { return e.Err }

// ToTWD97 converts a point given in c to EPSG:3826, the one place where
// report coordinates enter.
func ToTWD97(p orb.Point, c crs.Code) (orb.Point, error) {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		return p, &PointError{X: p[0], Y: p[1], CRS: c, Err: fmt.Errorf("coordinates must be finite")}
	}
	if c.IsGeographic() && (p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
		return p, &PointError{X: p[0], Y: p[1], CRS: c, Err: fmt.Errorf("not a longitude,latitude (the order is lon,lat)")}
	}
	q, err := crs.Transform(c, crs.TWD97TM2, p)
	if err != nil {
		return p, &PointError{X: p[0], Y: p[1], CRS: c, Err: err}
	}
	return q, nil
}

// Route decides who handles a report at p (EPSG:3826), by the rules of the
// package doc.
func (r *Router) Route(p orb.Point) Decision {
	d := Decision{X: p[0], Y: p[1], Candidates: []Candidate{}, PublicLand: true}
	j := r.jurisdiction(p)
	if j != nil {
		d.Jurisdiction = j.ID
	}
	hits := r.parcels.Near(p, r.boundaryM)
	for _, h := range hits {
		pc := &r.land.Parcels[h.Item]
		aid, _ := r.resolve(pc.Manager, j)
		d.Candidates = append(d.Candidates, Candidate{AgencyID: aid, ParcelID: pc.ID, DistanceM: roundCm(h.Distance)})
	}
	d.Ambiguous = len(hits) > 1
	if len(hits) > 0 && hits[0].Distance == 0 {
		pc := &r.land.Parcels[hits[0].Item]
		d.ParcelID, d.Manager, d.Owner, d.Section, d.LandNo = pc.ID, pc.Manager, pc.Owner, pc.Section, pc.LandNo
		aid, rule := r.resolve(pc.Manager, j)
		d.AgencyID, d.Rule = aid, rule
		d.PublicLand = pc.Manager != RolePrivate
		return r.named(d)
	}
	switch {
	case j == nil:
		d.AgencyID, d.Rule = r.centre.ID, RuleCentre
	case j.Municipality:
		d.AgencyID, d.Rule = j.Bureau, RuleMunicipalFallback
	default:
		d.AgencyID, d.Rule = j.Office, RuleTownshipFallback
	}
	return r.named(d)
}

func (r *Router) named(d Decision) Decision {
	if a, ok := r.agencies[d.AgencyID]; ok {
		d.Agency = a.Name
	}
	return d
}

// resolve turns a manager value into an agency id in jurisdiction j.
func (r *Router) resolve(manager string, j *Jurisdiction) (string, Rule) {
	if _, ok := r.agencies[manager]; ok {
		return manager, RuleParcel
	}
	if id, ok := r.alias[manager]; ok {
		return id, RuleParcel
	}
	if j == nil {
		return r.centre.ID, RuleCentre
	}
	switch manager {
	case RoleCounty:
		return j.Government, RuleParcel
	case RoleTownship:
		if j.Municipality || j.Office == "" {
			return j.Bureau, RuleParcel
		}
		return j.Office, RuleParcel
	case RolePrivate:
		return j.Bureau, RulePrivateLand
	}
	return r.centre.ID, RuleCentre
}

// jurisdiction returns the township or district containing p (the first
// by file order where boundaries overlap), nil outside all.
func (r *Router) jurisdiction(p orb.Point) *Jurisdiction {
	in := r.juris.Containing(p)
	if len(in) == 0 {
		return nil
	}
	return &r.land.Jurisdictions[in[0]]
}

func roundCm(v float64) float64 { return math.Round(v*100) / 100 }

// County returns the county code (access.CountyCode) of the jurisdiction
// containing p (EPSG:3826), "" outside every jurisdiction or when the
// jurisdiction's county is not a known one. Data without a county column
// (stations, petitions) get their county here, point in polygon, as
// reports get their route.
func (r *Router) County(p orb.Point) string {
	j := r.jurisdiction(p)
	if j == nil {
		return ""
	}
	if code, ok := access.CountyCode(j.County); ok {
		return code
	}
	code, _ := access.CountyCode(strings.SplitN(j.ID, "-", 2)[0])
	return code
}

// CountyAt is County for a WGS84 longitude and latitude; "" when the point
// is not one.
func (r *Router) CountyAt(lon, lat float64) string {
	p, err := ToTWD97(orb.Point{lon, lat}, crs.WGS84)
	if err != nil {
		return ""
	}
	return r.County(p)
}

// LocateStations gives every station without a county (no county column
// in its file) the county of the jurisdiction it lies in, point in
// polygon; a station outside every jurisdiction keeps "". It returns how
// many stations it located.
func (r *Router) LocateStations(stations []model.Station) int {
	n := 0
	for i := range stations {
		s := &stations[i]
		if s.County != "" {
			continue
		}
		if s.County = r.County(orb.Point{s.Point.X, s.Point.Y}); s.County != "" {
			n++
		}
	}
	return n
}
