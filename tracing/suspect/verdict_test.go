package suspect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/suspect"
)

var taipei = time.FixedZone("CST", 8*3600)

func trace(t *testing.T, eng *suspect.Engine, station, parameter string, value float64, unit string, at time.Time) *suspect.Result {
	t.Helper()
	res, err := eng.Trace(context.Background(), suspect.Request{Station: station, Parameter: parameter, Value: value, Unit: unit, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestIssueExamples: the README's plating trace ranks the plating shop
// first; the WQ-M02 COD 7.2 reading that once ranked 14 firms names nobody.
func TestIssueExamples(t *testing.T) {
	eng := suspect.New(central(t), suspect.Options{})
	res := trace(t, eng, "WQ-C1-01", "Cu", 1.815, "mg/L", time.Date(2026, 8, 14, 4, 0, 0, 0, taipei))
	if res.Verdict != suspect.VerdictExplained || len(res.Suspects) == 0 || res.Suspects[0].FacilityID != "N1489153" {
		logResult(t, res)
		t.Fatalf("README plating trace: %s", res.Verdict)
	}
	res = trace(t, eng, "WQ-M02", "COD", 7.2, "mg/L", time.Date(2026, 9, 9, 9, 15, 0, 0, taipei))
	if res.Verdict != suspect.VerdictWithinNormalRange || len(res.Suspects) != 0 || len(res.Insufficient) != 0 || len(res.RuledOut) != 0 {
		logResult(t, res)
		t.Fatalf("WQ-M02 COD 7.2: %s", res.Verdict)
	}
	if res.Baseline.Upper == nil || !(7.2 < *res.Baseline.Upper) || res.Observation.Background != res.Baseline.Median || res.Baseline.N < 5 {
		t.Fatalf("the numbers behind the verdict: %+v", res.Baseline)
	}
}

// TestContractShape: lists are never nil, versions are set, the data
// version names the data, the JSON reads back.
func TestContractShape(t *testing.T) {
	b := central(t)
	eng := suspect.New(b, suspect.Options{})
	res := trace(t, eng, "WQ-M02", "COD", 7.2, "mg/L", time.Date(2026, 9, 9, 9, 15, 0, 0, taipei))
	if res.Suspects == nil || res.Insufficient == nil || res.RuledOut == nil || res.Upstream == nil || res.Warnings == nil {
		t.Fatal("nil lists")
	}
	if res.MethodVersion != suspect.MethodVersion || !strings.HasPrefix(res.DataVersion, "sha256:") {
		t.Fatalf("versions %q %q", res.MethodVersion, res.DataVersion)
	}
	again := trace(t, suspect.New(b, suspect.Options{}), "WQ-M02", "COD", 7.2, "mg/L", time.Date(2026, 9, 9, 9, 15, 0, 0, taipei))
	if again.DataVersion != res.DataVersion {
		t.Fatal("the same data gave another data version")
	}
	// A result reads back from its JSON unchanged (a case file keeps the
	// JSON and renders its report from it).
	plating := trace(t, eng, "WQ-C1-01", "Cu", 1.815, "mg/L", time.Date(2026, 8, 14, 4, 0, 0, 0, taipei))
	for _, r := range []*suspect.Result{res, plating} {
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back suspect.Result
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("%s: read back: %v", r.Verdict, err)
		}
		if again, _ := json.Marshal(&back); !bytes.Equal(again, raw) {
			t.Errorf("%s: the JSON changed on a round trip:\n%s\n%s", r.Verdict, raw, again)
		}
	}
	other := withDataset(t, b, func(ds *model.Dataset) {
		rs := slices.Clone(ds.CurrentReadings())
		rs[0].Value += 0.1
		ds.SetReadings(rs)
	})
	if trace(t, suspect.New(other, suspect.Options{}), "WQ-M02", "COD", 7.2, "mg/L", time.Date(2026, 9, 9, 9, 15, 0, 0, taipei)).DataVersion == res.DataVersion {
		t.Fatal("changed data kept the data version")
	}
}

// withDataset is the central basin over a modified copy of its dataset.
func withDataset(t *testing.T, b *basin.Basin, change func(*model.Dataset)) *basin.Basin {
	t.Helper()
	ds := *b.DS
	ds.Facilities = slices.Clone(ds.Facilities)
	ds.Stations = slices.Clone(ds.Stations)
	change(&ds)
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	nb, err := basin.New(b.Net, &ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// TestStandardWhenHistoryIsShort: the first reading of the year has no
// history; the class standard alone decides, and without one nobody can
// say.
func TestStandardWhenHistoryIsShort(t *testing.T) {
	eng := suspect.New(central(t), suspect.Options{})
	jan := time.Date(2026, 1, 14, 8, 30, 0, 0, taipei) // WQ-M01 (class 乙, DO ≥ 5.5) has no earlier reading
	low := trace(t, eng, "WQ-M01", "DO", 4.0, "mg/L", jan)
	if low.Baseline.Sufficient() || low.Standard == nil || !low.Standard.Violated || low.Verdict == suspect.VerdictWithinNormalRange ||
		low.Observation.Excess != 1.5 || !strings.Contains(low.Observation.Reference, "乙") {
		logResult(t, low)
		t.Fatalf("DO 4.0 against the 乙 standard: %s excess %v over %q", low.Verdict, low.Observation.Excess, low.Observation.Reference)
	}
	if ok := trace(t, eng, "WQ-M01", "DO", 7.0, "mg/L", jan); ok.Verdict != suspect.VerdictWithinNormalRange || len(ok.Suspects) != 0 {
		t.Fatalf("DO 7.0 meets the standard: %s", ok.Verdict)
	}
	if cod := trace(t, eng, "WQ-M01", "COD", 400, "mg/L", jan); cod.Verdict != suspect.VerdictNotTraceable || len(cod.Suspects) != 0 {
		t.Fatalf("COD without history or standard: %s", cod.Verdict)
	}
}

// TestDissolvedOxygen: DO is bad when low. A high DO is never pursued; a
// sag is traced to oxygen-demanding dischargers only.
func TestDissolvedOxygen(t *testing.T) {
	eng := suspect.New(central(t), suspect.Options{})
	at := time.Date(2026, 9, 9, 12, 0, 0, 0, taipei)
	if high := trace(t, eng, "WQ-M07", "DO", 12, "mg/L", at); high.Verdict != suspect.VerdictWithinNormalRange {
		t.Fatalf("DO 12 mg/L: %s", high.Verdict)
	}
	res := trace(t, eng, "WQ-M07", "DO", 0.5, "mg/L", at)
	logResult(t, res)
	if res.Method.String() != "oxygen_deficit" || res.Direction.String() != "low_is_bad" || res.Observation.Excess <= 0 ||
		(res.Verdict != suspect.VerdictExplained && res.Verdict != suspect.VerdictUnexplained) {
		t.Fatalf("DO 0.5: %s %s excess %v", res.Verdict, res.Method, res.Observation.Excess)
	}
	for _, s := range slices.Concat(res.Suspects, res.Insufficient) {
		if !s.Evidence.PermitCovers && !s.Evidence.ProfileCovers {
			t.Errorf("%s does not discharge oxygen demand but is listed", s.FacilityID)
		}
	}
	if len(res.Suspects)+len(res.Insufficient) == 0 {
		t.Fatal("no oxygen-demanding discharger weighed")
	}
}

// TestPH: pH is traced by timing and acid or alkali handling: an alkaline
// excursion below the dyeing plant points at it, an acid one at nobody
// there (dyeing, paper and food handle alkalis, not acids).
func TestPH(t *testing.T) {
	eng := suspect.New(central(t), suspect.Options{})
	at := time.Date(2026, 9, 9, 9, 10, 0, 0, taipei) // WQ-T2-02's September sample time
	alk := trace(t, eng, "WQ-T2-02", "pH", 11.5, "pH", at)
	if alk.Verdict != suspect.VerdictExplained || alk.Suspects[0].FacilityID != "N8791115" || !alk.Suspects[0].Evidence.HandlesAlkali {
		logResult(t, alk)
		t.Fatalf("alkaline: %s", alk.Verdict)
	}
	acid := trace(t, eng, "WQ-T2-02", "pH", 3.5, "pH", at)
	if acid.Verdict != suspect.VerdictUnexplained || len(acid.Suspects) != 0 {
		logResult(t, acid)
		t.Fatalf("acid: %s", acid.Verdict)
	}
	if normal := trace(t, eng, "WQ-T2-02", "pH", 7.6, "pH", at); normal.Verdict != suspect.VerdictWithinNormalRange {
		t.Fatalf("pH 7.6: %s", normal.Verdict)
	}
}

// TestConductivity: a conservative tracer, traced by mixing; the plating
// dump raised it with the copper.
func TestConductivity(t *testing.T) {
	eng := suspect.New(central(t), suspect.Options{})
	res := trace(t, eng, "WQ-C1-01", "COND", 596, "µS/cm", time.Date(2026, 8, 14, 4, 0, 0, 0, taipei))
	if res.Method.String() != "mixing" || res.Verdict != suspect.VerdictExplained || res.Suspects[0].FacilityID != "N1489153" {
		logResult(t, res)
		t.Fatalf("conductivity: %s", res.Verdict)
	}
}

// TestNotTraceable: a parameter the method cannot follow says why, even
// when abnormal.
func TestNotTraceable(t *testing.T) {
	eng := suspect.New(central(t), suspect.Options{})
	res := trace(t, eng, "WQ-T2-02", "SS", 900, "mg/L", time.Date(2026, 9, 9, 9, 10, 0, 0, taipei))
	if res.Verdict != suspect.VerdictNotTraceable || !strings.Contains(res.Reason, "settle") || len(res.Suspects) != 0 {
		t.Fatalf("SS: %s %s", res.Verdict, res.Reason)
	}
}

// TestTidalAndUnknownIndustry: a trace from the tidal river mouth is
// flagged; a facility of a category envtrace does not know is weighed
// with the generic profile and a warning.
func TestTidalAndUnknownIndustry(t *testing.T) {
	b := central(t)
	res := trace(t, suspect.New(b, suspect.Options{}), "WQ-M08", "COD", 7, "mg/L", time.Date(2026, 9, 9, 12, 0, 0, 0, taipei))
	if !res.Tidal || len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "tidal") {
		t.Fatalf("tidal: %v %v", res.Tidal, res.Warnings)
	}
	nb := withDataset(t, b, func(ds *model.Dataset) {
		for i := range ds.Facilities {
			if ds.Facilities[i].EmsNo == "N8791115" { // the dyeing plant of the COD scenario
				ds.Facilities[i].Industry = "蠶絲精練業"
			}
		}
	})
	res = trace(t, suspect.New(nb, suspect.Options{}), "WQ-T2-02", "COD", 28.6, "mg/L", time.Date(2026, 7, 15, 10, 40, 0, 0, taipei))
	var ev *suspect.Evidence
	for _, s := range slices.Concat(res.Suspects, res.Insufficient, res.RuledOut) {
		if s.FacilityID == "N8791115" {
			ev = &s.Evidence
		}
	}
	if ev == nil || ev.Profile != "generic" || !strings.Contains(ev.IndustryWarning, "蠶絲精練業") || !slices.Contains(res.Warnings, ev.IndustryWarning) {
		logResult(t, res)
		t.Fatalf("unknown industry: %+v", ev)
	}
}
