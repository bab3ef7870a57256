package datadir

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
)

const smell = "odour/smellpgh_v1/"

// pittsburgh writes the Smell Pittsburgh data as an envtrace data
// directory: the five ESDR monitor feeds (wind and pollutants), CREATE
// Lab's four HYSPLIT source points as facilities, and, when withReports,
// the smell reports of value 3 or more as petitions at their zip code's
// centre (the v1 data have no coordinates). It returns the directory.
func pittsburgh(t testing.TB, withReports bool) string {
	t.Helper()
	dir := t.TempDir()
	feeds, err := filepath.Glob(filepath.Join(realdata.Dir(t), smell, "esdr_raw", "*.csv"))
	if err != nil || len(feeds) != 5 {
		t.Fatalf("ESDR feeds: %v %v", feeds, err)
	}
	if _, err := ImportESDR(dir, "", feeds, nil); err != nil {
		t.Fatal(err)
	}
	sf, err := os.Open(realdata.Path(t, smell+"pgh_candidate_sources.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	rows, err := csv.NewReader(sf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var fac strings.Builder
	fac.WriteString("ems_no,fac_name,industry,lon,lat\n")
	for _, r := range rows[1:] {
		fmt.Fprintf(&fac, "%s,%s,steel and coke,%s,%s\n", r[0], r[0], r[2], r[1])
	}
	if err := os.WriteFile(filepath.Join(dir, model.FileFacilities), []byte(fac.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if withReports {
		writeReports(t, dir)
	}
	return dir
}

// writeReports turns smell reports of value ≥ 3 into generic "industrial"
// petitions at their zip code's centre, intensity = smell value.
func writeReports(t testing.TB, dir string) {
	t.Helper()
	zf, err := os.ReadFile(realdata.Path(t, smell+"zipcode_bound_info_allegany_county_PA.json"))
	if err != nil {
		t.Fatal(err)
	}
	var zips struct {
		Data map[string][]float64 `json:"data"`
	}
	if err := json.Unmarshal(zf, &zips); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(realdata.Path(t, smell+"smell_raw.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ps []odour.Petition
	for i, r := range rows[1:] {
		v, _ := strconv.Atoi(r[3])
		z, ok := zips.Data[r[4]]
		if v < 3 || !ok {
			continue
		}
		sec, _ := strconv.ParseInt(r[0], 10, 64)
		ps = append(ps, odour.Petition{ID: fmt.Sprintf("R%05d", i+1), Time: time.Unix(sec, 0).UTC(), Lon: z[4], Lat: z[5],
			Category: odour.Category{Group: "industrial"}, Intensity: v, Description: r[2], Channel: "Smell PGH"})
	}
	out, err := os.Create(filepath.Join(dir, model.FilePetitions))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := odour.WritePetitions(out, ps, nil); err != nil {
		t.Fatal(err)
	}
}

// TestPittsburghDirectory reads the converted directory back: the CPF
// computed from the files equals the one of the feeds (O-T1: Liberty H2S
// peaks in [200, 210) at 0.494, with Clairton in a high sector), and the
// wind of five monitors is cross-validated leave-one-out.
func TestPittsburghDirectory(t *testing.T) {
	d, err := Read(pittsburgh(t, false))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Monitors) != 5 || len(d.Water.Facilities) != 4 {
		t.Fatalf("%d monitors, %d facilities", len(d.Monitors), len(d.Water.Facilities))
	}
	res, err := d.CPF("28", "hydrogen sulfide", air.CPFOptions{MinSpeed: air.MPH, HasMinSpeed: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 15975 || res.Peak.FromDeg != 200 || math.Abs(*res.Peak.CPF-0.494) > 0.005 {
		t.Errorf("Liberty H2S from the directory: N %d, peak %+v", res.N, res.Peak)
	}
	var clairton bool
	for _, f := range res.Facilities {
		clairton = clairton || f.FacilityID == "Clairton"
	}
	if !clairton {
		t.Errorf("Clairton not in a high sector: %+v", res.Facilities)
	}
	for _, tc := range []struct{ monitor, param, want string }{
		{"999", "H2S", "does not exist"}, {"28", "PM10", "no PM10 readings"}, {"28", "COD", "water parameter"}, {"28", "kryptonite", "unknown parameter"},
	} {
		if _, err := d.CPF(tc.monitor, tc.param, air.CPFOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CPF(%s, %s): %v, want %q", tc.monitor, tc.param, err, tc.want)
		}
	}
}

// TestPittsburghEventDays is acceptance test O-T3 on real reports: for the
// two days with the most smell reports of value ≥ 3, the ranking lists
// for every candidate facility the supporting reports, their hours, the
// wind source and the angular offset, and the vote totals add up to the
// scores. The wind comes from the five ACHD monitors, interpolated and
// cross-validated.
func TestPittsburghEventDays(t *testing.T) {
	d, err := Read(pittsburgh(t, true))
	if err != nil {
		t.Fatal(err)
	}
	// 300 m cells keep the surface over the county's zip codes small.
	e, err := d.OdourEngine(odour.Options{CellM: 300})
	if err != nil {
		t.Fatal(err)
	}
	est := time.FixedZone("EST", -5*3600)
	perDay := map[time.Time]int{}
	for _, p := range d.Petitions {
		lt := p.Time.In(est)
		perDay[time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, est)]++
	}
	days := make([]time.Time, 0, len(perDay))
	for day := range perDay {
		days = append(days, day)
	}
	sort.Slice(days, func(i, j int) bool {
		return perDay[days[i]] > perDay[days[j]] || perDay[days[i]] == perDay[days[j]] && days[i].Before(days[j])
	})
	for _, day := range days[:2] {
		res, err := e.Rank(context.Background(), day, day.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d reports, %d candidates, confidence %s (%s), wind %s by %s", day.Format("2006-01-02"), res.Petitions, len(res.Candidates),
			res.Confidence.Level, res.Confidence.Reason, res.Confidence.Wind.Class, res.Confidence.Wind.Method)
		if res.Petitions != perDay[day] || len(res.Candidates) == 0 {
			t.Fatalf("%s: %d petitions and %d candidates", day, res.Petitions, len(res.Candidates))
		}
		if !strings.HasPrefix(res.Confidence.Wind.Method, "leave-one-out") {
			t.Errorf("wind confidence by %q, want leave-one-out over the five monitors", res.Confidence.Wind.Method)
		}
		for _, c := range res.Candidates {
			var sum float64
			for _, v := range c.Evidence.Votes {
				sum += v.Vote
				if v.PetitionID == "" || v.Time.IsZero() || !strings.Contains(v.WindSource, "inverse-distance") || v.OffsetDeg == nil {
					t.Fatalf("%s: vote without its report, hour, wind source or offset: %+v", c.FacilityID, v)
				}
			}
			if math.Abs(sum-c.Score) > 1e-9 {
				t.Errorf("%s %s: votes add up to %v, score %v", day.Format("2006-01-02"), c.FacilityID, sum, c.Score)
			}
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	}
}
