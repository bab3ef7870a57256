package dumping

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/tracing/hotspot"
	"github.com/paulmach/orb"
)

// PublicReport is what anyone may see of a report: no contact, the
// location moved by privacy.Fuzzer (within ±FuzzM metres on each axis,
// the same point for every report from one place), and the agency's
// replies in full.
type PublicReport struct {
	ID          string     `json:"id"`
	ServiceCode string     `json:"service_code"`
	Description string     `json:"description"`
	State       State      `json:"state"`
	StateLabel  string     `json:"state_label"`
	AgencyID    string     `json:"agency_id"`
	Agency      string     `json:"agency"`
	Lon         float64    `json:"lon"`
	Lat         float64    `json:"lat"`
	FuzzM       int        `json:"fuzz_m"` // the fuzzing box's half-width (m)
	RequestedAt time.Time  `json:"requested_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DueAt       *time.Time `json:"due_at,omitempty"`
	DuplicateOf string     `json:"duplicate_of,omitempty"`
	Replies     []Reply    `json:"replies"`
	Photos      []string   `json:"photos,omitempty"`
}

// Public returns the public summary of r.
func (d *Desk) Public(r *Report) PublicReport {
	lon, lat, err := d.fuzz.Fuzz(r.Lon, r.Lat)
	if err != nil { // intake validated the location: not reached
		lon, lat = 0, 0
	}
	a, _ := d.router.Agency(r.AgencyID)
	return PublicReport{ID: r.ID, ServiceCode: r.ServiceCode, Description: r.Description, State: r.State, StateLabel: r.State.Label(),
		AgencyID: r.AgencyID, Agency: a.Name, Lon: round7(lon), Lat: round7(lat), FuzzM: int(math.Round(privacy.FuzzBoxM)),
		RequestedAt: r.RequestedAt, UpdatedAt: r.UpdatedAt, DueAt: r.DueAt, DuplicateOf: r.DuplicateOf,
		Replies: slices.Clone(r.Replies), Photos: slices.Clone(r.Photos)}
}

// PublicReports lists public summaries requested in [from, to).
func (d *Desk) PublicReports(ctx context.Context, f Filter) ([]PublicReport, error) {
	rs, err := d.repo.Reports(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]PublicReport, len(rs))
	for i, r := range rs {
		out[i] = d.Public(r)
	}
	return out, nil
}

// PublicReport returns one public summary.
func (d *Desk) PublicReport(ctx context.Context, id string) (PublicReport, error) {
	r, err := d.repo.Report(ctx, id)
	if err != nil {
		return PublicReport{}, err
	}
	return d.Public(r), nil
}

// AgencyLoad is one agency's line of the service-level dashboard.
type AgencyLoad struct {
	AgencyID string `json:"agency_id"`
	Agency   string `json:"agency"`
	Open     int    `json:"open"`
	Overdue  int    `json:"overdue"`
	// ByState counts open reports per state.
	ByState map[State]int `json:"by_state"`
	Closed  int           `json:"closed"`
	// Referred counts "not responsible" answers the agency gave.
	Referred int `json:"referred_away"`
	// OldestOverdue is the earliest due time passed, nil when none.
	OldestOverdue *time.Time `json:"oldest_overdue,omitempty"`
}

// Dashboard is the centre's service-level view at At.
type Dashboard struct {
	At       time.Time    `json:"at"`
	Agencies []AgencyLoad `json:"agencies"`
	Open     int          `json:"open"`
	Overdue  int          `json:"overdue"`
}

// Dashboard counts open, overdue and closed reports per agency: the
// centre only.
func (d *Desk) Dashboard(ctx context.Context, v Viewer) (Dashboard, error) {
	if v.Role != RoleCentre {
		return Dashboard{}, &ForbiddenError{v, "see the service-level dashboard"}
	}
	rs, err := d.repo.Reports(ctx, Filter{})
	if err != nil {
		return Dashboard{}, err
	}
	now := d.cfg.Now()
	by := map[string]*AgencyLoad{}
	get := func(id string) *AgencyLoad {
		if l, ok := by[id]; ok {
			return l
		}
		a, _ := d.router.Agency(id)
		l := &AgencyLoad{AgencyID: id, Agency: a.Name, ByState: map[State]int{}}
		by[id] = l
		return l
	}
	db := Dashboard{At: now.UTC()}
	for _, r := range rs {
		for i, e := range r.History {
			if e.To == StateReferred && i > 0 {
				get(r.History[i-1].AgencyID).Referred++
			}
		}
		if r.State == StateDuplicate {
			continue
		}
		l := get(r.AgencyID)
		if !r.State.Open() {
			l.Closed++
			continue
		}
		l.Open++
		db.Open++
		l.ByState[r.State]++
		if r.Overdue(now) {
			l.Overdue++
			db.Overdue++
			if l.OldestOverdue == nil || r.DueAt.Before(*l.OldestOverdue) {
				t := *r.DueAt
				l.OldestOverdue = &t
			}
		}
	}
	for _, l := range by {
		if l.AgencyID != "" {
			db.Agencies = append(db.Agencies, *l)
		}
	}
	slices.SortFunc(db.Agencies, func(a, b AgencyLoad) int {
		if a.Overdue != b.Overdue {
			return b.Overdue - a.Overdue
		}
		return strings.Compare(a.AgencyID, b.AgencyID)
	})
	return db, nil
}

// Site is a place reported more than once: the hotspot list of repeat
// dumping. Reports gather into a site when they lie within the duplicate
// radius of its first report.
type Site struct {
	ID       string    `json:"site_id"`
	X        float64   `json:"x"`
	Y        float64   `json:"y"`
	AgencyID string    `json:"agency_id"`
	Reports  []string  `json:"reports"`
	Years    []int     `json:"years"`
	Repeat   bool      `json:"repeat"`
	First    time.Time `json:"first_reported"`
	Last     time.Time `json:"last_reported"`
	Measures []Measure `json:"measures"`
	// GiZ and GiP are the site's Getis–Ord Gi* z-score and two-sided
	// p-value of its report count among every site's within the hotspot
	// band; absent when fewer than three sites leave nothing to test or
	// all sites have the same count.
	GiZ *float64 `json:"gi_z,omitempty"`
	GiP *float64 `json:"gi_p,omitempty"`
	// Hotspot marks a hot spot: Gi* positive and significant under the
	// Benjamini–Hochberg false discovery rate of 5 %.
	Hotspot bool `json:"hotspot"`
}

// Sites lists sites with more than one report (duplicates excluded), the
// most reported first: where patrols, cameras and fences pay. The centre
// sees all; an agency the sites whose latest report it handles.
func (d *Desk) Sites(ctx context.Context, v Viewer) ([]Site, error) {
	if v.Role == RolePublic {
		return nil, &ForbiddenError{v, "list dumping sites"}
	}
	rs, err := d.repo.Reports(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	ms, err := d.repo.Measures(ctx)
	if err != nil {
		return nil, err
	}
	sortOldest(rs)
	by := map[string]*Site{}
	var order []string
	for _, r := range rs {
		if r.State == StateDuplicate {
			continue
		}
		s, ok := by[r.SiteID]
		if !ok {
			s = &Site{ID: r.SiteID, X: r.X, Y: r.Y, First: r.RequestedAt, Measures: []Measure{}}
			by[r.SiteID] = s
			order = append(order, r.SiteID)
		}
		s.Reports = append(s.Reports, r.ID)
		s.Last, s.AgencyID = r.RequestedAt, r.AgencyID
		if y := r.RequestedAt.In(Taipei).Year(); !slices.Contains(s.Years, y) {
			s.Years = append(s.Years, y)
		}
	}
	for _, m := range ms {
		if s, ok := by[m.SiteID]; ok {
			s.Measures = append(s.Measures, m)
		}
	}
	all := make([]*Site, len(order))
	for i, id := range order {
		all[i] = by[id]
	}
	scoreSites(all, d.cfg.HotspotBandM)
	var out []Site
	for _, id := range order {
		s := by[id]
		s.Repeat = len(s.Years) > 1
		if len(s.Reports) < 2 || v.Role == RoleAgency && s.AgencyID != v.Agency {
			continue
		}
		out = append(out, *s)
	}
	slices.SortStableFunc(out, bySiteRank)
	return out, nil
}

// siteAlpha is the false discovery rate of the site hot spot test.
const siteAlpha = 0.05

// scoreSites gives every site (single reports included, so that quiet
// places count as low values) the Gi* z-score of its report count within
// band metres, as the air inspection's hot spot analysis does for
// sensors, and marks the significant hot ones.
func scoreSites(sites []*Site, band float64) {
	if len(sites) < 3 {
		return
	}
	units := make([]hotspot.Unit, len(sites))
	y := make([]float64, len(sites))
	for i, s := range sites {
		units[i] = hotspot.Unit{ID: s.ID, X: s.X, Y: s.Y}
		y[i] = float64(len(s.Reports))
	}
	z, p, sig := hotspot.GiStarTest(y, hotspot.DistanceBand(units, band), siteAlpha)
	for i, s := range sites {
		if math.IsNaN(z[i]) || math.IsInf(z[i], 0) {
			continue
		}
		zi, pi := z[i], p[i]
		s.GiZ, s.GiP, s.Hotspot = &zi, &pi, sig[i] && zi > 0
	}
}

// bySiteRank puts hot spots first, then the most reported sites, then the
// higher Gi* z-score.
func bySiteRank(a, b Site) int {
	if a.Hotspot != b.Hotspot {
		if a.Hotspot {
			return -1
		}
		return 1
	}
	if n := len(b.Reports) - len(a.Reports); n != 0 {
		return n
	}
	za, zb := math.Inf(-1), math.Inf(-1)
	if a.GiZ != nil {
		za = *a.GiZ
	}
	if b.GiZ != nil {
		zb = *b.GiZ
	}
	return cmp.Compare(zb, za)
}

// AddMeasure records a prevention measure at a site by the agency that
// handles it (or the centre).
func (d *Desk) AddMeasure(ctx context.Context, v Viewer, m Measure) (Measure, error) {
	if !slices.Contains(MeasureKinds, m.Kind) {
		return Measure{}, &InputError{"kind", fmt.Sprintf("want one of %s", strings.Join(MeasureKinds, ", "))}
	}
	if m.InstalledAt.IsZero() {
		m.InstalledAt = d.cfg.Now().UTC()
	}
	err := d.repo.Update(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.Report(ctx, m.SiteID)
		if err != nil {
			return &InputError{"site_id", fmt.Sprintf("no site %q (a site id is the id of its first report)", m.SiteID)}
		}
		if !canHandle(v, r) {
			return &ForbiddenError{v, "add measures at site " + m.SiteID}
		}
		m.AgencyID = r.AgencyID
		m.ID = fmt.Sprintf("%s.M%d", m.SiteID, m.InstalledAt.UnixNano())
		if err := tx.Audit(ctx, AuditRecord{At: d.cfg.Now().UTC(), Actor: v.String(), Action: "measure", ReportID: m.SiteID, Detail: m.Kind + " " + m.Note}); err != nil {
			return err
		}
		return tx.AddMeasure(ctx, m)
	})
	return m, err
}

// AddPatrol records a patrol in the agency's log; the agency's own staff
// only, or the centre for it.
func (d *Desk) AddPatrol(ctx context.Context, v Viewer, p Patrol) (Patrol, error) {
	if v.Role == RoleAgency {
		p.AgencyID = v.Agency
	}
	if v.Role == RolePublic || p.AgencyID == "" {
		return Patrol{}, &ForbiddenError{v, "write a patrol log"}
	}
	if _, ok := d.router.Agency(p.AgencyID); !ok {
		return Patrol{}, &InputError{"agency_id", fmt.Sprintf("no agency %q", p.AgencyID)}
	}
	if strings.TrimSpace(p.Finding) == "" || !utf8.ValidString(p.Finding) {
		return Patrol{}, &InputError{"finding", "say what the patrol found (nothing is a finding too)"}
	}
	if p.At.IsZero() {
		p.At = d.cfg.Now().UTC()
	}
	if p.At.After(d.cfg.Now().Add(time.Hour)) {
		return Patrol{}, &InputError{"at", "a patrol cannot be in the future"}
	}
	route := d.router.Route(orb.Point{p.X, p.Y})
	p.ParcelID = route.ParcelID
	p.ID = fmt.Sprintf("%s.P%d", p.AgencyID, p.At.UnixNano())
	err := d.repo.Update(ctx, func(ctx context.Context, tx Tx) error { return tx.AddPatrol(ctx, p) })
	return p, err
}

// Patrols returns an agency's patrol log: its own staff or the centre.
func (d *Desk) Patrols(ctx context.Context, v Viewer, agency string) ([]Patrol, error) {
	if !(v.Role == RoleCentre || v.Role == RoleAgency && v.Agency == agency) {
		return nil, &ForbiddenError{v, "read the patrol log of " + agency}
	}
	return d.repo.Patrols(ctx, agency)
}

// Audit returns a report's audit trail: the centre only.
func (d *Desk) Audit(ctx context.Context, v Viewer, id string) ([]AuditRecord, error) {
	if v.Role != RoleCentre {
		return nil, &ForbiddenError{v, "read the audit trail"}
	}
	return d.repo.Audit(ctx, id)
}
