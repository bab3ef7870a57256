package odour

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
)

func TestParseCategory(t *testing.T) {
	tests := []struct {
		in, want string
		generic  bool
		err      string
	}{
		{"industrial", "industrial", true, ""},
		{"Industrial/Sulphur", "industrial/sulphur", false, ""},
		{"工業/硫磺味", "industrial/sulphur", false, ""},
		{"industrial/I don't know", "industrial/other", true, ""},
		{"溶劑味", "industrial/solvent", false, ""},
		{"agriculture/manure", "agriculture/manure", false, ""},
		{"畜牧", "agriculture", true, ""},
		{"rotten eggs", "", false, "several groups"},
		{"industrial/roses", "", false, "not in group industrial"},
		{"smells", "", false, "unknown odour category"},
		{"", "", false, "empty"},
	}
	for _, tt := range tests {
		c, err := ParseCategory(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseCategory(%q) = %v, %v; want an error with %q", tt.in, c, err, tt.err)
			}
			continue
		}
		if err != nil || c.String() != tt.want || c.Generic() != tt.generic {
			t.Errorf("ParseCategory(%q) = %v (generic %v), %v; want %s (generic %v)", tt.in, c, c.Generic(), err, tt.want, tt.generic)
		}
	}
}

// TestMatchIndustry checks the profile rule of the contract: a specific
// odour matches the industries it is typical of and drops the others; a
// generic category matches every industry, its own group's higher, and
// never drops a candidate.
func TestMatchIndustry(t *testing.T) {
	cat := func(s string) Category {
		c, err := ParseCategory(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		category, industry string
		want               float64
	}{
		{"agriculture/manure", "畜牧業", 1},
		{"agriculture/manure", "electroplating", 0},
		{"industrial/sulphur", "造紙業", 1},
		{"industrial/sulphur", "rendering", 0.6},
		{"industrial", "petrochemical", groupWeight},
		{"industrial", "food", GenericWeight},
		{"industrial", "an industry nobody listed", GenericWeight},
		{"other", "livestock", GenericWeight},
		{"nice/flowers", "food", 0},
		{"urban/traffic", "petrochemical", 0},
	}
	for _, tt := range tests {
		if m := MatchIndustry(cat(tt.category), tt.industry); m.Weight != tt.want || m.Reason == "" {
			t.Errorf("MatchIndustry(%s, %s) = %+v, want weight %v", tt.category, tt.industry, m, tt.want)
		}
	}
	for _, e := range Taxonomy() {
		c := cat(e.Category)
		for _, ind := range []string{"food", "chemical", "no such industry"} {
			if c.Generic() && c.IsComplaint() && MatchIndustry(c, ind).Weight < GenericWeight {
				t.Errorf("generic %s drops %s", e.Category, ind)
			}
		}
	}
}

func TestPetitionsFile(t *testing.T) {
	const file = "petition_id,time,lon,lat,category,intensity,hedonic,duration,channel,description,contact_name,contact_phone,contact_email,address\n" +
		"P1,2024-05-01T21:30:00+08:00,120.55,24.21,industrial/sulphur,4,-3,continuous-hour,1999,臭蛋味很重,王小明,0912345678,a@b.tw,臺中市梧棲區\n" +
		"P2,2024-05-01T22:00:00+08:00,120.56,24.22,畜牧,2,,,web,,,,,\n"
	ps, contacts, err := ReadPetitions(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Category.String() != "industrial/sulphur" || *ps[0].Hedonic != -3 || ps[0].Duration != ContinuousHour || ps[1].Category.String() != "agriculture" {
		t.Fatalf("petitions %+v", ps)
	}
	if len(contacts) != 1 || contacts["P1"].Phone != "0912345678" || contacts["P1"].Address != "臺中市梧棲區" {
		t.Fatalf("contacts %+v", contacts)
	}
	// Analytic JSON never carries the exact location or the contact.
	out, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	for _, private := range []string{"120.55", "24.21", "0912345678", "王小明", "梧棲區", "lon", "lat"} {
		if bytes.Contains(out, []byte(private)) {
			t.Errorf("petition JSON %s reveals %q", out, private)
		}
	}
	if _, err := json.Marshal(contacts); !errors.Is(err, ErrPrivate) {
		t.Errorf("contacts marshalled: %v", err)
	}
	if _, err := json.Marshal(struct{ C Contact }{contacts["P1"]}); !errors.Is(err, ErrPrivate) {
		t.Errorf("a contact inside a struct marshalled: %v", err)
	}
	var buf bytes.Buffer
	if err := WritePetitions(&buf, ps, contacts); err != nil {
		t.Fatal(err)
	}
	back, bc, err := ReadPetitions(&buf)
	if err != nil || len(back) != 2 || bc["P1"] != contacts["P1"] || back[1].Lat != 24.22 {
		t.Errorf("round trip: %+v %+v %v", back, bc, err)
	}
}

func TestPetitionsErrors(t *testing.T) {
	const head = "petition_id,time,lon,lat,category,intensity\n"
	for body, want := range map[string]string{
		"P1,2024-05-01 21:30,120.5,24.2,industrial,3\n":                                                                "no zone offset",
		"P1,2024-05-01T21:30:00+08:00,120.5,24.2,smells,3\n":                                                           "unknown odour category",
		"P1,2024-05-01T21:30:00+08:00,120.5,24.2,industrial,7\n":                                                       "between 0 and 6",
		"P1,2024-05-01T21:30:00+08:00,,,industrial,3\n":                                                                "no position",
		"P1,2024-05-01T21:30:00+08:00,216829,2671419,industrial,3\n":                                                   "not a longitude",
		"P1,2024-05-01T21:30:00+08:00,120.5,24.2,industrial,3\nP1,2024-05-01T22:30:00+08:00,120.5,24.2,industrial,3\n": "duplicate petition id",
	} {
		if _, _, err := ReadPetitions(strings.NewReader(head + body)); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "petitions.csv:") {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

// scene is a small world on Taiwan's grid: a steady wind from fromDeg at
// 3 m/s for two days, facilities at offsets (metres) from a centre, and
// petitions at offsets.
type scene struct {
	grid  *crs.Planar
	field *atmos.IDW
	cx    float64
	cy    float64
	start time.Time
}

func newScene(t *testing.T, fromDeg float64, hourly func(h int) (dir, speed float64)) *scene {
	t.Helper()
	grid, err := crs.PlanarFor(orbBound(120.5, 24.2))
	if err != nil {
		t.Fatal(err)
	}
	sc := &scene{grid: grid, start: time.Date(2024, 1, 10, 0, 0, 0, 0, atmos.TaipeiTime)}
	sc.cx, sc.cy = grid.Forward(120.55, 24.22)
	var obs []atmos.Observation
	for h := 0; h <= 48; h++ {
		d, v := fromDeg, 3.0
		if hourly != nil {
			d, v = hourly(h)
		}
		obs = append(obs, atmos.Classify(atmos.Observation{Station: "W", Time: sc.start.Add(time.Duration(h) * time.Hour), Speed: v, Direction: d, SigmaTheta: math.NaN()}))
	}
	s, err := atmos.NewSeries("W", sc.cx, sc.cy+5000, obs)
	if err != nil {
		t.Fatal(err)
	}
	if sc.field, err = atmos.NewIDW(s); err != nil {
		t.Fatal(err)
	}
	return sc
}

func (sc *scene) facility(id, industry string, dx, dy float64) model.Facility {
	p := model.Point{X: sc.cx + dx, Y: sc.cy + dy}
	return model.Facility{EmsNo: id, Name: id + " plant", Industry: industry, Location: &p}
}

func (sc *scene) petition(id string, h float64, dx, dy float64, category string, intensity int) Petition {
	lon, lat := sc.grid.Inverse(sc.cx+dx, sc.cy+dy)
	c, _ := ParseCategory(category)
	return Petition{ID: id, Time: sc.start.Add(time.Duration(h * float64(time.Hour))), Lon: lon, Lat: lat, Category: c, Intensity: intensity}
}

func (sc *scene) engine(t *testing.T, fs []model.Facility, ps []Petition) *Engine {
	t.Helper()
	ds := &model.Dataset{Facilities: fs}
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	e, err := NewWithField(ds, ps, sc.grid, sc.field, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRankWithTurningWind: the wind turns from north-east to south-east
// over the day, so petitions south-west and north-west of factory A cross
// at A. A ranks first; a factory on the petitions' side and a factory
// upwind of only some petitions rank below it; the evidence adds up; the
// surface maximum lies at A; the no-wind baseline picks the factory
// nearest the petitions instead.
func TestRankWithTurningWind(t *testing.T) {
	sc := newScene(t, 0, func(h int) (float64, float64) {
		if h < 12 {
			return 45, 3
		}
		return 135, 3
	})
	fs := []model.Facility{
		sc.facility("A", "petrochemical", 0, 0),
		sc.facility("B", "chemical", -2500, 0),      // west, between the two groups of petitions; its profile fits better
		sc.facility("C", "coating", 2000, 1800),     // upwind of the morning petitions only
		sc.facility("D", "livestock", -1200, -1200), // wrong profile for a chemical odour
	}
	var ps []Petition
	for i, off := range [][2]float64{{-1500, -1600}, {-2100, -1900}, {-1000, -1200}} { // SW of A, wind from NE
		ps = append(ps, sc.petition("M"+string(rune('1'+i)), 6+float64(i), off[0], off[1], "industrial/chemical", 3))
	}
	for i, off := range [][2]float64{{-1400, 1500}, {-2000, 2100}, {-900, 1000}} { // NW of A, wind from SE
		ps = append(ps, sc.petition("E"+string(rune('1'+i)), 16+float64(i), off[0], off[1], "industrial/chemical", 3))
	}
	e := sc.engine(t, fs, ps)
	res, err := e.Rank(context.Background(), sc.start, sc.start.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res.Petitions != 6 || len(res.Candidates) != 3 {
		t.Fatalf("%d petitions, candidates %+v", res.Petitions, res.Candidates)
	}
	if res.Candidates[0].FacilityID != "A" || res.Candidates[0].Rank != 1 {
		t.Fatalf("ranking %v, want A first", ids(res.Candidates))
	}
	checkVotesAddUp(t, res)
	if res.SurfaceMax == nil || res.SurfaceMax.NearestFacilityID != "A" || res.SurfaceMax.DistanceM > 400 {
		t.Errorf("surface max %+v, want within 400 m of A", res.SurfaceMax)
	}
	checkSurfaceCells(t, res)
	if res.Baseline.FacilityID == "A" {
		t.Errorf("the no-wind baseline also picks A: %+v (the scene should fool it)", res.Baseline)
	}
	if c := res.Confidence; c.Level == LevelAbstain || c.Level == LevelLow {
		t.Errorf("confidence %+v", c)
	}
	v := res.Candidates[0].Evidence.Votes[0]
	if v.WindSource != "W" || v.OffsetDeg == nil || *v.OffsetDeg > 30 || v.Profile != 0.8 || v.TravelMinutes <= 0 {
		t.Errorf("a vote for A: %+v", v)
	}
	// Without A, nobody explains the crossing petitions: abstain.
	e2 := sc.engine(t, fs[1:], ps)
	res2, err := e2.Rank(context.Background(), sc.start, sc.start.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res2.Confidence.Level != LevelAbstain && res2.Confidence.Level != LevelLow {
		t.Errorf("without the source: %+v", res2.Confidence)
	}
	if res2.Confidence.Level == LevelAbstain && res2.Candidates[0].Rank != 0 {
		t.Errorf("an abstaining result ranks %+v", res2.Candidates[0])
	}
}

func ids(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.FacilityID)
	}
	return out
}

// checkVotesAddUp is acceptance check O-T3: the vote totals in the
// evidence add up to the scores, and every vote says which petition,
// when, with what wind and at what angle.
func checkVotesAddUp(t *testing.T, res *Result) {
	t.Helper()
	for _, c := range res.Candidates {
		var sum float64
		for _, v := range c.Evidence.Votes {
			sum += v.Vote
			if v.PetitionID == "" || v.Time.IsZero() || v.WindSource == "" || v.WindClass == "" {
				t.Errorf("%s: incomplete vote %+v", c.FacilityID, v)
			}
			if math.Abs(v.Vote-round(v.Plume*v.Profile*v.Compliance, 4)) > 1e-4 {
				t.Errorf("%s: vote %v is not plume × profile × compliance (%v × %v × %v)", c.FacilityID, v.Vote, v.Plume, v.Profile, v.Compliance)
			}
		}
		if math.Abs(sum-c.Score) > 1e-9 {
			t.Errorf("%s: votes add up to %v, score %v", c.FacilityID, sum, c.Score)
		}
	}
}

func TestRankAbstains(t *testing.T) {
	sc := newScene(t, 0, nil)
	fs := []model.Facility{sc.facility("A", "petrochemical", 0, 0)}
	ctx := context.Background()
	day := sc.start.Add(24 * time.Hour)
	tests := []struct {
		name string
		ps   []Petition
		want string
		code string
	}{
		{"no petitions", nil, "no traceable petition", ReasonNoPetition},
		{"nice odours only", []Petition{sc.petition("N", 5, 0, -1000, "nice/flowers", 3)}, "no traceable petition", ReasonNoPetition},
		{"profile matches nobody", []Petition{sc.petition("T", 5, 0, -1000, "agriculture/manure", 3)}, "no facility within 8 km", ReasonNoMatch},
		{"upwind of the factory", []Petition{sc.petition("U", 5, 0, 1500, "industrial", 3), sc.petition("U2", 6, 200, 1700, "industrial", 3)}, "no candidate lies upwind of the petitions: the best, A,", ReasonNothingUpwind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := sc.engine(t, fs, tt.ps).Rank(ctx, sc.start, day)
			if err != nil {
				t.Fatal(err)
			}
			if res.Confidence.Level != LevelAbstain || !strings.Contains(res.Confidence.Reason, tt.want) || res.Confidence.Code != tt.code {
				t.Errorf("confidence %+v, want abstain: %s %q", res.Confidence, tt.code, tt.want)
			}
			if strings.Contains(res.Confidence.Reason, "{") {
				t.Errorf("reason %q has an unfilled placeholder (params %v)", res.Confidence.Reason, res.Confidence.Params)
			}
			for _, c := range res.Candidates {
				if c.Rank != 0 {
					t.Errorf("abstaining but ranked %+v", c)
				}
			}
			if _, err := json.Marshal(res); err != nil {
				t.Errorf("result does not marshal: %v", err)
			}
		})
	}
	if _, err := sc.engine(t, fs, nil).Rank(ctx, day, sc.start); err == nil {
		t.Error("a window ending before it starts was accepted")
	}
}

// TestRankAbstainsOnUncertainWind: a wind that swings 90° and between 1
// and 5 m/s every hour has persistence errors far above 30° and 1 m/s,
// class Low: the ranking abstains.
func TestRankAbstainsOnUncertainWind(t *testing.T) {
	sc := newScene(t, 0, func(h int) (float64, float64) { return float64((h * 90) % 360), float64(1 + 4*(h%2)) })
	fs := []model.Facility{sc.facility("A", "petrochemical", 0, 0)}
	ps := []Petition{sc.petition("P", 10, 0, -1000, "industrial", 3)}
	res, err := sc.engine(t, fs, ps).Rank(context.Background(), sc.start, sc.start.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res.Confidence.Level != LevelAbstain || res.Confidence.Wind.Class != atmos.Low || !strings.Contains(res.Confidence.Reason, "too uncertain") {
		t.Errorf("confidence %+v", res.Confidence)
	}
}

// TestTrace traces one petition downwind of factory A: the trajectory runs
// north (the wind is from the north) and passes A within one spread, A is
// the candidate, the other factory's odour profile does not match, and the
// confidence is at most medium.
func TestTrace(t *testing.T) {
	sc := newScene(t, 0, nil)
	fs := []model.Facility{sc.facility("A", "livestock", 0, 0), sc.facility("B", "livestock", 1500, 0), sc.facility("C", "electroplating", 0, 500)}
	ps := []Petition{sc.petition("P1", 10, 0, -1500, "agriculture/manure", 4), sc.petition("P0", 3, 50, -1800, "agriculture/manure", 3)}
	e := sc.engine(t, fs, ps)
	res, err := e.Trace(context.Background(), "P1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Petition != "P1" || len(res.Candidates) != 2 || res.Candidates[0].FacilityID != "A" || res.Confidence.Level != LevelMedium {
		t.Fatalf("trace: %v, confidence %+v", ids(res.Candidates), res.Confidence)
	}
	tr := res.Candidates[0].Evidence.Trajectory
	if tr == nil || tr.ClosestSigmas > 1 || tr.MinutesBefore < 5 || tr.MinutesBefore > 15 {
		t.Errorf("trajectory evidence %+v: A is 1.5 km upwind, 8 min at 3 m/s", tr)
	}
	if len(res.Trajectory) != 37 || res.Trajectory[len(res.Trajectory)-1].Lat <= res.Trajectory[0].Lat {
		t.Errorf("trajectory of %d points does not run north", len(res.Trajectory))
	}
	if a := res.Candidates[0]; a.Evidence.PriorPetitions != 1 {
		t.Errorf("A's prior petitions %d, want 1 (P0, seven hours earlier)", a.Evidence.PriorPetitions)
	}
	checkVotesAddUp(t, res)
	if _, err := e.Trace(context.Background(), "nope"); !errors.Is(err, ErrUnknownPetition) {
		t.Errorf("unknown petition: %v", err)
	}
	// A ranking over a window holding P1 alone rests on one receptor as
	// the trace does: A is named, but not with high confidence.
	one, err := e.Rank(context.Background(), sc.start.Add(9*time.Hour), sc.start.Add(11*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if one.Petitions != 1 || one.Candidates[0].FacilityID != "A" || one.Confidence.Level != LevelMedium || one.Confidence.Code != ReasonSinglePetition {
		t.Errorf("ranking of one petition: %v, confidence %+v", ids(one.Candidates), one.Confidence)
	}
}

// TestRepeatTiers: with default thresholds (A 10, B 5, C 3 petitions in 30
// days), 10 petitions downwind of one factory make it tier A and their
// 1 km square tier A; a factory supported by nothing has no tier.
func TestRepeatTiers(t *testing.T) {
	sc := newScene(t, 0, nil)
	fs := []model.Facility{sc.facility("A", "petrochemical", 0, 0), sc.facility("Z", "petrochemical", 5000, 0)}
	var ps []Petition
	for i := range 10 {
		ps = append(ps, sc.petition("P"+string(rune('a'+i)), 1+float64(i)*4, 100+float64(i*20), -1200, "industrial", 3))
	}
	res, err := sc.engine(t, fs, ps).Rank(context.Background(), sc.start.Add(40*time.Hour), sc.start.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Repeat
	if len(rep.Facilities) != 1 || rep.Facilities[0].FacilityID != "A" || rep.Facilities[0].Tier != "A" || rep.Facilities[0].Petitions != 10 || rep.Facilities[0].Days != 2 {
		t.Errorf("facility tiers %+v", rep.Facilities)
	}
	if len(rep.Areas) != 1 || rep.Areas[0].Tier != "A" || rep.Areas[0].SizeM != 1000 {
		t.Errorf("area tiers %+v", rep.Areas)
	}
	for _, c := range res.Candidates {
		if c.FacilityID == "A" && (c.Evidence.Tier != "A" || c.Evidence.PriorPetitions != 10) {
			t.Errorf("A's evidence: tier %q, prior %d", c.Evidence.Tier, c.Evidence.PriorPetitions)
		}
	}
}

func orbBound(lon, lat float64) orb.Bound {
	return orb.Bound{Min: orb.Point{lon - 0.1, lat - 0.1}, Max: orb.Point{lon + 0.1, lat + 0.1}}
}

// TestTaxonomyDocumented keeps docs/odour.md's taxonomy table in step with
// the code: every category the code knows is listed there.
func TestTaxonomyDocumented(t *testing.T) {
	root, err := realdata.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "odour.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range Taxonomy() {
		if !bytes.Contains(doc, []byte("| `"+e.Category+"` | "+e.Name+" | "+e.NameZH+" |")) {
			t.Errorf("docs/odour.md does not list %s (%s, %s)", e.Category, e.Name, e.NameZH)
		}
	}
}

// checkSurfaceCells: the map's cells hold the surface maximum (a block
// keeps its largest value), leave out cells below 5 % of it, stay within
// the cap, and their size is a multiple of the surface's cell.
func checkSurfaceCells(t *testing.T, res *Result) {
	t.Helper()
	m := res.SurfaceMax
	if len(res.Surface) == 0 || len(res.Surface) > maxShownCells {
		t.Fatalf("%d surface cells", len(res.Surface))
	}
	top := 0.0
	for _, c := range res.Surface {
		top = math.Max(top, c.Value)
		if c.Value < shownShare*m.Value-1e-3 {
			t.Errorf("cell %+v below %.0f %% of the maximum %v", c, shownShare*100, m.Value)
		}
	}
	if math.Abs(top-m.Value) > 1e-3 {
		t.Errorf("largest cell %v, surface maximum %v", top, m.Value)
	}
	if k := m.SurfaceCellM / m.CellM; k < 1 || math.Abs(k-math.Round(k)) > 0.01 {
		t.Errorf("shown cells of %v m over a %v m grid", m.SurfaceCellM, m.CellM)
	}
}

// TestCandidateAirPermits: a candidate's compliance record carries its air
// permit (air_permits.csv) and the air-permit rationality findings on it,
// which count in its multiplier; a candidate without an air permit has
// none. The air permits are the sample directory of tracing/airpermit,
// whose E0001 is permitted 10.6 times its boiler's potential.
func TestCandidateAirPermits(t *testing.T) {
	air, err := airpermit.ReadDir("../airpermit/testdata/sample")
	if err != nil {
		t.Fatal(err)
	}
	sc := newScene(t, 0, nil)
	fs := []model.Facility{sc.facility("E0001", "dyeing", 0, 0), sc.facility("B", "dyeing", 1500, 0)}
	ps := []Petition{sc.petition("P1", 10, 0, -1500, "industrial/chemical", 4)}
	ds := &model.Dataset{Facilities: fs}
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	e, err := NewWithField(ds, ps, sc.grid, sc.field, Options{AirPermits: air})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Trace(context.Background(), "P1")
	if err != nil {
		t.Fatal(err)
	}
	var want []permits.Finding
	for _, f := range airpermit.Check(air).Findings {
		if f.Facility == "E0001" {
			want = append(want, f)
		}
	}
	if len(want) == 0 {
		t.Fatal("the sample's E0001 has no air-permit finding")
	}
	for _, c := range res.Candidates {
		cm := c.Evidence.Compliance
		switch c.FacilityID {
		case "E0001":
			if len(cm.AirPermits) != 1 || cm.AirPermits[0].PerNo != "府環空操證字第1001號" || cm.AirPermits[0].Pollutant != "SO2" || cm.AirPermits[0].PermittedKgH != 100 {
				t.Errorf("E0001's air permits %+v", cm.AirPermits)
			}
			if len(cm.AirFindings) != len(want) || cm.AirFindings[0].Check != want[0].Check {
				t.Errorf("E0001's air findings %+v, want %+v", cm.AirFindings, want)
			}
			if cm.High+cm.Medium == 0 || cm.Multiplier <= 1 {
				t.Errorf("E0001's findings do not count: %+v", cm)
			}
		case "B":
			if len(cm.AirPermits) != 0 || len(cm.AirFindings) != 0 || cm.Multiplier != 1 {
				t.Errorf("B has no air permit, yet %+v", cm)
			}
		}
	}
	if len(res.Candidates) != 2 {
		t.Fatalf("candidates %v", ids(res.Candidates))
	}
	checkVotesAddUp(t, res)
}
