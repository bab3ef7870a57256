package anomaly_test

import (
	"encoding/csv"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/anomaly"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/permits"
)

type plantSeries struct {
	dates  []time.Time
	values map[string][]float64 // by parameter id
}

// readIDB reads the IDB industrial-park effluent file: date (YYYYMMDD),
// plant name, then one column per parameter whose header is the Chinese
// name followed by the unit in parentheses.
func readIDB(t *testing.T) map[string]*plantSeries {
	t.Helper()
	f, err := os.Open(realdata.Path(t, "taiwan/idb_industrial_wwtp_effluent_daily.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	ids := make([]string, len(head))
	for i := 2; i < len(head); i++ {
		name, _, _ := strings.Cut(head[i], "(")
		p, err := param.Lookup(name)
		if err != nil {
			t.Fatalf("column %q: %v", head[i], err)
		}
		ids[i] = p.ID
	}
	type row struct {
		d time.Time
		v []float64
	}
	rows := map[string][]row{}
	for _, r := range recs[1:] {
		d, err := time.Parse("20060102", r[0])
		if err != nil {
			t.Fatal(err)
		}
		v := make([]float64, len(r))
		for i := 2; i < len(r); i++ {
			if v[i], err = strconv.ParseFloat(r[i], 64); err != nil {
				t.Fatal(err)
			}
		}
		rows[r[1]] = append(rows[r[1]], row{d, v})
	}
	out := map[string]*plantSeries{}
	for plant, rs := range rows {
		sort.Slice(rs, func(i, j int) bool { return rs[i].d.Before(rs[j].d) })
		ps := &plantSeries{values: map[string][]float64{}}
		for _, r := range rs {
			ps.dates = append(ps.dates, r.d)
			for i := 2; i < len(head); i++ {
				ps.values[ids[i]] = append(ps.values[ids[i]], r.v[i])
			}
		}
		out[plant] = ps
	}
	return out
}

func screen(t *testing.T, id string, xs []float64) []anomaly.Flag {
	t.Helper()
	c, err := anomaly.ForParameter(id)
	if err != nil {
		t.Fatal(err)
	}
	flags, err := anomaly.Screen(xs, c)
	if err != nil {
		t.Fatal(err)
	}
	return flags
}

func flagAt(flags []anomaly.Flag, i int, kinds ...anomaly.Kind) bool {
	for _, f := range flags {
		for _, k := range kinds {
			if f.Kind == k && (f.Index == i || (f.Kind == anomaly.Stuck && i >= f.Index && i < f.Index+f.Len)) {
				return true
			}
		}
	}
	return false
}

// TestIDBEffluent screens the 36 IDB industrial-park plants' daily pH,
// temperature and conductivity.
func TestIDBEffluent(t *testing.T) {
	plants := readIDB(t)
	if len(plants) != 36 {
		t.Fatalf("%d plants, want 36", len(plants))
	}
	// 1. Every physically implausible reading in the file is flagged, by
	// the range check or as a spike: pH below 2 (effluent of a treatment
	// plant; the file has pH 0.00–1.68 from failing probes), water
	// temperature ≥ 60 °C or < 5 °C (subtropical effluent), zero
	// conductivity.
	implausible, caught := 0, 0
	for name, ps := range plants {
		for _, id := range []string{"pH", "TEMP", "COND"} {
			xs := ps.values[id]
			flags := screen(t, id, xs)
			for i, x := range xs {
				bad := (id == "pH" && (x < 2 || x > 14)) || (id == "TEMP" && (x >= 60 || x < 5)) || (id == "COND" && x <= 0)
				if !bad {
					continue
				}
				implausible++
				if flagAt(flags, i, anomaly.Impossible, anomaly.Spike) {
					caught++
				} else {
					t.Errorf("%s %s %s = %v not flagged", name, ps.dates[i].Format(time.DateOnly), id, x)
				}
			}
		}
	}
	t.Logf("implausible readings: %d, flagged: %d", implausible, caught)
	if implausible < 15 {
		t.Fatalf("only %d implausible readings found; the file has at least 15", implausible)
	}

	// 2. The flagged fraction stays small for every plant and parameter.
	worst, total, flagged := 0.0, 0, 0
	for name, ps := range plants {
		for _, id := range []string{"pH", "TEMP", "COND"} {
			xs := ps.values[id]
			flags := screen(t, id, xs)
			pts := 0
			for _, f := range flags {
				if f.Kind == anomaly.Spike || f.Kind == anomaly.Impossible {
					pts++
				}
			}
			frac := float64(pts) / float64(len(xs))
			worst = math.Max(worst, frac)
			total += len(xs)
			flagged += pts
			if frac > 0.06 {
				t.Errorf("%s %s: %d of %d points flagged (%.1f%%)", name, id, pts, len(xs), 100*frac)
			}
		}
	}
	t.Logf("flagged %d of %d points (%.2f%%), worst series %.1f%%", flagged, total, 100*float64(flagged)/float64(total), 100*worst)
	if float64(flagged)/float64(total) > 0.02 {
		t.Errorf("overall flagged fraction %.2f%% > 2%%", 100*float64(flagged)/float64(total))
	}
}

// TestIDBKnownShift checks the level shift visible in the Yunlin
// Technology industrial park (雲林科技) series: until 2019-12-04 the plant
// reported pH ≈ 3.5, temperature ≈ 15 °C and conductivity ≈ 1,400 µS/cm;
// from 2019-12-05 on pH ≈ 6.7, temperature ≈ 27 °C and conductivity
// ≈ 3,000 µS/cm (most likely a monitor replaced or recalibrated; the two
// isolated "post-shift-like" days in October 2019 are spikes). The shift
// must be found on 2019-12-05 in pH and temperature; conductivity ramps
// over a few days, so it must be found within 3 days.
func TestIDBKnownShift(t *testing.T) {
	ps := readIDB(t)["雲林科技"]
	if ps == nil {
		t.Fatal("plant 雲林科技 missing")
	}
	want := time.Date(2019, 12, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		id    string
		slack time.Duration
	}{{"pH", 0}, {"TEMP", 0}, {"COND", 3 * 24 * time.Hour}} {
		flags := screen(t, tc.id, ps.values[tc.id])
		found := false
		for _, f := range flags {
			if f.Kind != anomaly.Shift {
				continue
			}
			d := ps.dates[f.Index].Sub(want)
			t.Logf("%s shift on %s: %.2f → %.2f (score %.1f)", tc.id, ps.dates[f.Index].Format(time.DateOnly), f.Expected, f.Value, f.Score)
			if d >= -tc.slack && d <= tc.slack {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: shift on %s not detected", tc.id, want.Format(time.DateOnly))
		}
	}
	// The two October 2019 days that look like the later regime are spikes.
	pH := screen(t, "pH", ps.values["pH"])
	for _, day := range []string{"2019-10-19", "2019-10-27"} {
		d, _ := time.Parse(time.DateOnly, day)
		i := sort.Search(len(ps.dates), func(i int) bool { return !ps.dates[i].Before(d) })
		if !flagAt(pH, i, anomaly.Spike) {
			t.Errorf("pH spike on %s not flagged", day)
		}
	}
}

// TestIDBStuckTemperature checks the flat temperature record of the Douliu
// plant (斗六): 25.10 °C from 2020-02-09 for weeks, then 25.00 ± 0.01 °C.
func TestIDBStuckTemperature(t *testing.T) {
	ps := readIDB(t)["斗六"]
	flags := screen(t, "TEMP", ps.values["TEMP"])
	d, _ := time.Parse(time.DateOnly, "2020-02-15")
	i := sort.Search(len(ps.dates), func(i int) bool { return !ps.dates[i].Before(d) })
	if !flagAt(flags, i, anomaly.Stuck) {
		t.Errorf("flat temperature around %s not flagged; flags %+v", d.Format(time.DateOnly), flags)
	}
	long := 0
	for _, f := range flags {
		if f.Kind == anomaly.Stuck {
			t.Logf("stuck from %s for %d values at %.2f", ps.dates[f.Index].Format(time.DateOnly), f.Len, f.Value)
			long = max(long, f.Len)
		}
	}
	if long < 14 {
		t.Errorf("longest stuck run %d values, want ≥ 14", long)
	}
}

// idbDataset turns the IDB plants into a data directory's dataset: each
// plant a facility (its name as the control number), each daily value an
// online effluent monitoring reading stamped at Taiwan midnight, so the
// permit checks screen them as they screen a facility's effluent.csv.
func idbDataset(t *testing.T, plants map[string]*plantSeries) *model.Dataset {
	t.Helper()
	taipei := time.FixedZone("Asia/Taipei", 8*3600)
	units := map[string]string{"pH": "pH", "TEMP": "°C", "COND": "µS/cm"}
	ds := &model.Dataset{}
	for _, name := range slices.Sorted(maps.Keys(plants)) {
		ps := plants[name]
		ds.Facilities = append(ds.Facilities, model.Facility{EmsNo: name, Name: name, Industry: "industrial-park wastewater plant"})
		for i, d := range ps.dates {
			at := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, taipei)
			for _, id := range []string{"pH", "TEMP", "COND"} {
				ds.Effluent = append(ds.Effluent, model.EffluentReading{Facility: name, Time: at, Parameter: id,
					Value: ps.values[id][i], Unit: units[id]})
			}
		}
	}
	if err := ds.Index(); err != nil {
		t.Fatalf("the IDB series as a dataset: %v", err)
	}
	return ds
}

// TestIDBPermitChecks runs the permit checks over the real IDB effluent
// series: the Yunlin Technology park's December 2019 shift, the Douliu
// plant's flat temperature and every implausible reading become findings
// of their facility, with their numbers and dates.
func TestIDBPermitChecks(t *testing.T) {
	plants := readIDB(t)
	rep := permits.Check(idbDataset(t, plants))
	find := func(ems, check, param string, match func(permits.Finding) bool) *permits.Finding {
		for i := range rep.Findings {
			f := &rep.Findings[i]
			if f.Facility == ems && f.Check == check && f.Parameter == param && match(*f) {
				return f
			}
		}
		return nil
	}
	shift := find("雲林科技", permits.CheckEffluentShift, "pH", func(f permits.Finding) bool { return f.Period == "2019-12-05" })
	if shift == nil {
		t.Fatal("雲林科技 pH shift on 2019-12-05 not reported")
	}
	if b, v := shift.Numbers["before"], shift.Numbers["value"]; b < 3 || b > 4 || v < 6.3 || v > 7.1 || shift.Numbers["score"] < 6 {
		t.Errorf("雲林科技 pH shift numbers %v, want before ≈ 3.5 and after ≈ 6.7", shift.Numbers)
	}
	if find("雲林科技", permits.CheckEffluentShift, "TEMP", func(f permits.Finding) bool { return f.Period == "2019-12-05" }) == nil {
		t.Error("雲林科技 temperature shift on 2019-12-05 not reported")
	}
	stuck := find("斗六", permits.CheckEffluentStuck, "TEMP", func(f permits.Finding) bool {
		return f.Period <= "2020-02-15" && f.Numbers["values"] >= 14
	})
	if stuck == nil {
		t.Fatal("斗六's flat temperature from February 2020 not reported")
	}
	t.Logf("斗六: %s", stuck.Message)

	// Every reading the plain test above calls implausible is a spike or
	// an impossible-value finding of its plant on its day.
	missed, total := 0, 0
	for name, ps := range plants {
		for _, id := range []string{"pH", "TEMP", "COND"} {
			for i, x := range ps.values[id] {
				if !((id == "pH" && (x < 2 || x > 14)) || (id == "TEMP" && (x >= 60 || x < 5)) || (id == "COND" && x <= 0)) {
					continue
				}
				total++
				day := ps.dates[i].Format(time.DateOnly)
				if find(name, permits.CheckEffluentSpike, id, func(f permits.Finding) bool { return f.Period == day }) == nil &&
					find(name, permits.CheckEffluentImpossible, id, func(f permits.Finding) bool { return f.Period == day }) == nil {
					missed++
					t.Errorf("%s %s %s = %v: no finding", name, day, id, x)
				}
			}
		}
	}
	counts := map[string]int{}
	for _, f := range rep.Findings {
		counts[f.Check]++
	}
	t.Logf("%d implausible readings, %d missed; findings by check: %v", total, missed, counts)
}
