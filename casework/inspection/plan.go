package inspection

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/risk"
)

// Taipei is the zone of plan dates and time windows.
var Taipei = time.FixedZone("Asia/Taipei", 8*3600)

// Source is what rankings and plans are computed from: a data directory,
// the inspection records (the directory's inspections.csv and those kept
// in Repo), the water traces of the directory's readings, the dumping
// desk's reports and, when the directory has it, the land that names each
// site's county.
type Source struct {
	Dir     *datadir.Dir
	Records []*Record
	// Repo, when set, holds the records entered since (the store); they
	// join Records at every ranking, so new outcomes feed the model.
	Repo Repository
	// SelfReports, when set, keeps the facilities' self-reports and
	// corrective actions (the portal's).
	SelfReports SelfReports
	// Dumps, when set, is the dumping desk's repository: its reports feed
	// the dumping term at every ranking. Without it the term has no data.
	Dumps dumping.Repository
	Land  *dumping.Land
	// traces holds the directory's water traces, computed on the first
	// ranking and shared by copies of the Source.
	traces *traceCache
}

// ReadSource reads a data directory with its inspection records and land.
func ReadSource(dir string) (*Source, error) {
	d, err := datadir.Read(dir)
	if err != nil {
		return nil, err
	}
	return NewSource(d)
}

// NewSource adds to a data directory already read its inspection records
// (inspections.csv) and land (for areas).
func NewSource(d *datadir.Dir) (*Source, error) {
	recs, err := ReadDir(d.Path)
	if err != nil {
		return nil, err
	}
	land, err := dumping.ReadLand(d.Path) // nil without agencies.csv
	if err != nil {
		return nil, err
	}
	return &Source{Dir: d, Records: recs, Land: land, traces: &traceCache{}}, nil
}

// UseBasin traces the directory's readings on a basin the caller has
// already loaded (its dataset must be the directory's water data) instead
// of loading the directory's network again.
func (s *Source) UseBasin(b *basin.Basin) {
	s.traces = &traceCache{basin: b}
}

// input gathers the ranking's input: the file's records and the
// repository's (a repository record replaces a file record with its id).
func (s *Source) input(ctx context.Context) (risk.Input, error) {
	recs := s.Records
	if s.Repo != nil {
		stored, err := s.Repo.Inspections(ctx, "")
		if err != nil {
			return risk.Input{}, fmt.Errorf("inspection: records: %w", err)
		}
		ids := map[string]bool{}
		for _, r := range stored {
			ids[r.ID] = true
		}
		recs = append([]*Record{}, stored...)
		for _, r := range s.Records {
			if !ids[r.ID] {
				recs = append(recs, r)
			}
		}
	}
	traces, err := s.WaterTraces(ctx)
	if err != nil {
		return risk.Input{}, err
	}
	dumps, err := s.dumpingReports(ctx)
	if err != nil {
		return risk.Input{}, err
	}
	return risk.Input{Dir: s.Dir, Outcomes: Outcomes(recs), Traces: traces, Dumping: dumps}, nil
}

// Rank is `envtrace inspect rank` and GET /api/v1/inspect/rank: the
// model calibrated on the records before asOf, every facility scored.
func Rank(ctx context.Context, s *Source, asOf time.Time) (*risk.Ranking, error) {
	in, err := s.input(ctx)
	if err != nil {
		return nil, err
	}
	return risk.RankDir(ctx, in, asOf)
}

// PlanOptions shape a day's plan.
type PlanOptions struct {
	// Date is the day planned (its Taiwan date counts); the ranking is as
	// of its start.
	Date  time.Time
	Teams int
	// PerTeam is the inspections one team makes in a day (default 4).
	PerTeam int
	// RandomShare is the documented share of the budget drawn at random
	// among the facilities not targeted (default 0.2), so that
	// calibration keeps unbiased outcomes.
	RandomShare float64
	// Only, when set, limits the plan to the facilities it accepts: an
	// officer plans their own county's inspections, so the budget, the
	// random share and the routes are all spent there.
	Only func(facilityID string) bool
}

// Defaults of PlanOptions.
const (
	DefaultPerTeam     = 4
	DefaultRandomShare = 0.2
)

// Window is when an inspection happens.
type Window struct {
	Name  string    `json:"name"` // day or night
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Entry is one inspection of the plan.
type Entry struct {
	Order       int     `json:"order"`
	FacilityID  string  `json:"facility_id"`
	Name        string  `json:"name"`
	Industry    string  `json:"industry"`
	Area        string  `json:"area"`
	Lon         float64 `json:"lon"`
	Lat         float64 `json:"lat"`
	Rank        int     `json:"rank"`
	Score       float64 `json:"score"`
	Probability float64 `json:"probability"`
	// Selection is risk (targeted by rank) or random (the random share);
	// Propensity the probability the facility was chosen with, to record
	// on the inspection.
	Selection  string  `json:"selection"`
	Propensity float64 `json:"propensity"`
	Window     Window  `json:"window"`
	// Why says why it is on the list (the largest positive terms, or the
	// random draw), in Traditional Chinese and English.
	Why   []string `json:"why"`
	WhyEN []string `json:"why_en"`
}

// Route is one team's ordered inspections in one window.
type Route struct {
	Team       int     `json:"team"`
	Window     string  `json:"window"`
	DistanceKm float64 `json:"distance_km"`
	Entries    []Entry `json:"entries"`
}

// Plan is `envtrace inspect plan --json` and GET /api/v1/inspect/plan.
type Plan struct {
	Date        string  `json:"date"`
	AsOf        string  `json:"as_of"`
	Teams       int     `json:"teams"`
	Budget      int     `json:"budget"`
	RandomShare float64 `json:"random_share"`
	Calibration string  `json:"calibration"`
	// CalibrationZH says the same in Traditional Chinese, for the
	// printable plan.
	CalibrationZH string  `json:"calibration_zh"`
	Heuristic     string  `json:"heuristic"`
	Routes        []Route `json:"routes"`
}

// Heuristic is the documented routing rule, printed on every plan.
const Heuristic = "budget = teams × per-team; targeted by rank with area quotas (largest remainders), random share drawn uniformly among the rest; " +
	"night dischargers get a night window (22:00–04:00); each window's entries are swept by angle around their centroid and cut into " +
	"equal consecutive groups, one per team, and each group is ordered nearest-neighbour from the entry closest to the centroid"

// ErrPlan is wrapped by invalid plan options.
var ErrPlan = errors.New("inspection: invalid plan options")

// BuildPlan makes a day's plan: the ranking as of the day's start,
// allocated to the budget and grouped into routes.
func BuildPlan(ctx context.Context, s *Source, opt PlanOptions) (*Plan, error) {
	if opt.PerTeam == 0 {
		opt.PerTeam = DefaultPerTeam
	}
	if opt.RandomShare == 0 {
		opt.RandomShare = DefaultRandomShare
	}
	switch {
	case opt.Teams < 1 || opt.Teams > 100:
		return nil, fmt.Errorf("%w: teams %d must be 1–100", ErrPlan, opt.Teams)
	case opt.PerTeam < 1 || opt.PerTeam > 20:
		return nil, fmt.Errorf("%w: per-team %d must be 1–20", ErrPlan, opt.PerTeam)
	case opt.RandomShare < 0 || opt.RandomShare > 1:
		return nil, fmt.Errorf("%w: random share %v must be 0–1", ErrPlan, opt.RandomShare)
	}
	d := opt.Date.In(Taipei)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Taipei)
	in, err := s.input(ctx)
	if err != nil {
		return nil, err
	}
	m, err := risk.Calibrate(ctx, in, day)
	if err != nil {
		return nil, err
	}
	fs, err := risk.Compute(ctx, in, day)
	if err != nil {
		return nil, err
	}
	ranking := m.Rank(day, fs)
	sites, areas := s.sites()
	ranked := make([]string, 0, len(ranking.Facilities))
	byID := map[string]risk.Scored{}
	for _, f := range ranking.Facilities {
		if opt.Only != nil && !opt.Only(f.FacilityID) {
			continue
		}
		if _, ok := sites[f.FacilityID]; ok { // a plan needs a place to go
			ranked = append(ranked, f.FacilityID)
			byID[f.FacilityID] = f
		}
	}
	budget := opt.Teams * opt.PerTeam
	alloc, err := risk.Allocate(ranked, budget, risk.Constraints{RandomShare: opt.RandomShare, Area: areas}, rand.New(rand.NewPCG(seedOf(day), 0)))
	if err != nil {
		return nil, err
	}
	night := s.nightDischargers(day)
	var entries []Entry
	add := func(id, sel string) {
		f, _ := s.Dir.Water.Facility(id)
		sc := byID[id]
		lon, lat, _ := f.Position()
		e := Entry{FacilityID: id, Name: f.Name, Industry: f.Industry, Area: areas[id], Lon: lon, Lat: lat,
			Rank: sc.Rank, Score: sc.Score, Probability: sc.Probability, Selection: sel, Propensity: alloc.Probability[id]}
		e.Why, e.WhyEN = why(sc, sel, night[id])
		e.Window = window(day, night[id].zh != "")
		entries = append(entries, e)
	}
	for _, id := range alloc.Targeted {
		add(id, risk.SelectRisk)
	}
	for _, id := range alloc.Random {
		add(id, risk.SelectRandom)
	}
	p := &Plan{Date: day.Format(time.DateOnly), AsOf: ranking.AsOf, Teams: opt.Teams, Budget: budget,
		RandomShare: opt.RandomShare, Heuristic: Heuristic, Routes: []Route{}}
	p.Calibration, p.CalibrationZH = calibration(m)
	for _, w := range []string{"day", "night"} {
		var in []Entry
		for _, e := range entries {
			if e.Window.Name == w {
				in = append(in, e)
			}
		}
		p.Routes = append(p.Routes, routes(in, sites, opt.Teams, w)...)
	}
	return p, nil
}

func calibration(m *risk.Model) (en, zh string) {
	if m.Calibrated == "prior" {
		return "prior weights (no inspection outcomes before the date)", "先驗權重（該日前無稽查結果）"
	}
	d := m.CalibratedOn.In(Taipei).Format(time.DateOnly)
	return fmt.Sprintf("fitted on %d outcomes up to %s", m.Outcomes, d), fmt.Sprintf("以 %s 前 %d 筆稽查結果校正", d, m.Outcomes)
}

// seedOf makes the random draw reproducible for a date.
func seedOf(day time.Time) uint64 {
	h := fnv.New64a()
	h.Write([]byte(day.Format(time.DateOnly)))
	return h.Sum64()
}

// sites are the facilities' TWD97 positions and their areas (county
// names when the directory has jurisdictions, else one area).
func (s *Source) sites() (map[string]orb.Point, map[string]string) {
	pts, areas := map[string]orb.Point{}, map[string]string{}
	var router *dumping.Router
	if s.Land != nil {
		router, _ = dumping.NewRouter(s.Land, 0)
	}
	names := map[string]string{}
	if s.Land != nil {
		for _, j := range s.Land.Jurisdictions {
			names[j.ID] = j.County
		}
	}
	for _, f := range s.Dir.Water.Facilities {
		if f.Location == nil {
			continue
		}
		p := orb.Point{f.Location.X, f.Location.Y}
		pts[f.EmsNo] = p
		areas[f.EmsNo] = "全區"
		if router != nil {
			if j := router.Route(p).Jurisdiction; j != "" {
				areas[f.EmsNo] = names[j]
			}
		}
	}
	return pts, areas
}

// NightShare: a facility is a night discharger when at least this share
// (and at least NightMin) of the petitions within 2 km of it in the year
// before were made between 22:00 and 06:00, or when the air-permit rules
// found a stealth emission (night, weekend or rain excess) at it.
const (
	NightShare = 0.5
	NightMin   = 3
)

// reason is a reason in Traditional Chinese and English.
type reason struct{ zh, en string }

// nightDischargers returns the facilities to inspect at night, with the
// reason.
func (s *Source) nightDischargers(day time.Time) map[string]reason {
	out := map[string]reason{}
	if s.Dir.AirPermits != nil {
		for _, f := range airpermit.Check(s.Dir.AirPermits).Findings {
			if f.Check == airpermit.RuleStealth {
				out[f.Facility] = reason{"空污許可：夜間、假日或雨天排放偏高", "air permit: stealth emission at night, at weekends or in the rain"}
			}
		}
	}
	for _, f := range s.Dir.Water.Facilities {
		lon, lat, ok := f.Position()
		if !ok {
			continue
		}
		n, atNight := 0, 0
		for _, p := range s.Dir.Petitions {
			if !p.Time.Before(day) || p.Time.Before(day.Add(-risk.PetitionWindow)) || risk.Haversine(lon, lat, p.Lon, p.Lat) > risk.PetitionRadiusM {
				continue
			}
			n++
			if h := p.Time.In(Taipei).Hour(); h >= 22 || h < 6 {
				atNight++
			}
		}
		if atNight >= NightMin && float64(atNight) >= NightShare*float64(n) {
			out[f.EmsNo] = reason{fmt.Sprintf("附近陳情 %d 件中 %d 件在夜間", n, atNight), fmt.Sprintf("%d of %d nearby petitions at night", atNight, n)}
		}
	}
	return out
}

func window(day time.Time, night bool) Window {
	if night {
		return Window{Name: "night", Start: day.Add(22 * time.Hour), End: day.Add(28 * time.Hour)}
	}
	return Window{Name: "day", Start: day.Add(9 * time.Hour), End: day.Add(17 * time.Hour)}
}

// termZH names the terms in Traditional Chinese.
var termZH = map[string]string{
	risk.TermIndustry:        "高風險行業",
	risk.TermWaterPermit:     "水污許可合理性異常",
	risk.TermAirPermit:       "空污許可合理性異常",
	risk.TermWaterTrace:      "水質溯源嫌疑",
	risk.TermOdourAir:        "異味／空品溯源指向",
	risk.TermPetitions:       "附近陳情",
	risk.TermDumping:         "附近棄置通報",
	risk.TermCompliance:      "近12季違規季數",
	risk.TermSinceInspection: "距上次稽查年數",
}

// why lists the reasons an entry is on the list: the random draw, the
// night window and the three largest positive contributions.
func why(sc risk.Scored, sel string, night reason) (zh, en []string) {
	if sel == risk.SelectRandom {
		zh = append(zh, "隨機抽查（校正模型用）")
		en = append(en, "random draw (keeps calibration unbiased)")
	}
	if night.zh != "" {
		zh = append(zh, "夜間稽查："+night.zh)
		en = append(en, "night inspection: "+night.en)
	}
	terms := append([]risk.Term{}, sc.Terms[1:]...)
	sort.SliceStable(terms, func(a, b int) bool { return terms[a].Contribution > terms[b].Contribution })
	for _, t := range terms[:min(3, len(terms))] {
		if t.Contribution <= 0 {
			break
		}
		date := "無日期"
		if t.DataDate != nil {
			date = *t.DataDate
		}
		zh = append(zh, fmt.Sprintf("%s %.3g（+%.2f，資料日期 %s）", termZH[t.Name], t.Value, t.Contribution, date))
		en = append(en, fmt.Sprintf("%s %.3g (+%.2f log-odds, data %s): %s", t.Name, t.Value, t.Contribution, date, t.Note))
	}
	return zh, en
}

// routes splits a window's entries among the teams by the documented
// sweep and orders each route nearest-neighbour.
func routes(in []Entry, sites map[string]orb.Point, teams int, win string) []Route {
	if len(in) == 0 {
		return nil
	}
	var cx, cy float64
	for _, e := range in {
		p := sites[e.FacilityID]
		cx, cy = cx+p[0], cy+p[1]
	}
	c := orb.Point{cx / float64(len(in)), cy / float64(len(in))}
	angle := func(e Entry) float64 { p := sites[e.FacilityID]; return math.Atan2(p[1]-c[1], p[0]-c[0]) }
	sort.SliceStable(in, func(a, b int) bool { return angle(in[a]) < angle(in[b]) })
	groups := min(teams, len(in))
	var out []Route
	for g := range groups {
		lo, hi := g*len(in)/groups, (g+1)*len(in)/groups
		r := Route{Team: g + 1, Window: win, Entries: nearestNeighbour(in[lo:hi], sites, c)}
		for i := range r.Entries {
			r.Entries[i].Order = i + 1
			if i > 0 {
				r.DistanceKm += dist(sites[r.Entries[i-1].FacilityID], sites[r.Entries[i].FacilityID]) / 1000
			}
		}
		r.DistanceKm = math.Round(r.DistanceKm*100) / 100
		out = append(out, r)
	}
	return out
}

func nearestNeighbour(es []Entry, sites map[string]orb.Point, from orb.Point) []Entry {
	left := append([]Entry{}, es...)
	var out []Entry
	at := from
	for len(left) > 0 {
		best := 0
		for i := range left {
			if dist(at, sites[left[i].FacilityID]) < dist(at, sites[left[best].FacilityID]) {
				best = i
			}
		}
		out = append(out, left[best])
		at = sites[left[best].FacilityID]
		left = append(left[:best], left[best+1:]...)
	}
	return out
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// ParseAsOf reads an as-of time: RFC 3339 with a zone, or a date
// (YYYY-MM-DD), which means its start in Taiwan.
func ParseAsOf(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := ParseDate(s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 with a zone (2026-09-01T00:00:00+08:00) or a date (2026-09-01)", s)
}

// ParseDate reads a plan date, YYYY-MM-DD, as its start in Taiwan.
func ParseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, Taipei)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want a date YYYY-MM-DD", s)
	}
	return t, nil
}

// TopTerms names a score's n largest positive contributions, for text
// reports.
func TopTerms(sc risk.Scored, n int) string {
	_, en := why(sc, risk.SelectRisk, reason{})
	if len(en) > n {
		en = en[:n]
	}
	out := ""
	for i, s := range en {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}
