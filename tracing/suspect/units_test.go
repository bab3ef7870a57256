package suspect_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/balance"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// metals are written in µg/L in the converted copy.
var metals = map[string]bool{"Cu": true, "Ni": true, "Zn": true, "Cr": true, "Cr6+": true, "Cd": true, "Pb": true, "Hg": true, "As": true, "CN": true}

// TestUnitsConvertOnce rewrites the fixture with every metal in µg/L and
// flows in L/s and CMD (alternately), and checks that traces and balances
// are the same as from the original: units are converted once, where the
// data enter, and nowhere else.
func TestUnitsConvertOnce(t *testing.T) {
	ctx := context.Background()
	orig := t.TempDir()
	if err := fixtures.WriteCentral(orig); err != nil {
		t.Fatal(err)
	}
	conv := t.TempDir()
	if err := fixtures.WriteCentral(conv); err != nil {
		t.Fatal(err)
	}
	rewrite(t, filepath.Join(conv, model.FileReadings), "flow", "flow_unit", "m³/s")
	rewrite(t, filepath.Join(conv, model.FileReports), "flow", "flow_unit", "m³/day")
	rewrite(t, filepath.Join(conv, model.FileLimits), "", "", "")
	a, b := loadDir(t, orig), loadDir(t, conv)
	ea, eb := suspect.New(a, suspect.Options{}), suspect.New(b, suspect.Options{})

	// The scenario readings, traced in the units each copy writes them in.
	scs, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sc := range scs {
		v, unit := sc.Value, sc.Unit
		if metals[sc.Parameter] {
			v, unit = sc.Value*1000, "µg/L"
		}
		same(t, "trace "+sc.ID, traceJSON(t, ea, sc.Station, sc.Parameter, sc.Value, sc.Unit, sc.Time), traceJSON(t, eb, sc.Station, sc.Parameter, v, unit, sc.Time))
		n++
	}
	// A sample of every kind of reading.
	for i := 0; i < a.DS.NumReadings(); i += 97 {
		r := a.DS.Reading(i)
		v, unit := r.Value, r.Unit
		if metals[r.Parameter] {
			v, unit = r.Value*1000, "µg/L"
		}
		same(t, fmt.Sprintf("trace %s %s %s", r.Station, r.Parameter, r.Time.Format(time.RFC3339)),
			traceJSON(t, ea, r.Station, r.Parameter, r.Value, r.Unit, r.Time), traceJSON(t, eb, r.Station, r.Parameter, v, unit, r.Time))
		n++
	}
	for _, p := range []string{"Cu", "NH3-N", "COD"} {
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, taipei)
		ra, err := balance.Compute(ctx, a, p, from, from.AddDate(0, 9, 0))
		if err != nil {
			t.Fatal(err)
		}
		rb, err := balance.Compute(ctx, b, p, from, from.AddDate(0, 9, 0))
		if err != nil {
			t.Fatal(err)
		}
		same(t, "balance "+p, asJSON(t, ra), asJSON(t, rb))
	}
	t.Logf("%d traces and 3 balances agree", n)
}

// rewrite converts a CSV of the fixture in place: metal values to µg/L,
// and the flow column (when named) alternately to L/s and CMD from unit.
func rewrite(t *testing.T, path, flowCol, flowUnitCol, from string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for k, row := range rows[1:] {
		if metals[row[col["parameter"]]] && row[col["value"]] != "" {
			v := row[col["value"]]
			cens := strings.HasPrefix(v, "<")
			x, err := strconv.ParseFloat(strings.TrimPrefix(v, "<"), 64)
			if err != nil {
				t.Fatal(err)
			}
			v = strconv.FormatFloat(x*1000, 'g', -1, 64)
			if cens {
				v = "<" + v
			}
			row[col["value"]], row[col["unit"]] = v, "µg/L"
		}
		if flowCol == "" || row[col[flowCol]] == "" {
			continue
		}
		q, err := strconv.ParseFloat(row[col[flowCol]], 64)
		if err != nil {
			t.Fatal(err)
		}
		m3s := q // m³/s
		if from == "m³/day" {
			m3s = q / 86400
		}
		if k%2 == 0 {
			row[col[flowCol]], row[col[flowUnitCol]] = strconv.FormatFloat(m3s*1000, 'g', -1, 64), "L/s"
		} else {
			row[col[flowCol]], row[col[flowUnitCol]] = strconv.FormatFloat(m3s*86400, 'g', -1, 64), "CMD"
		}
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

func loadDir(t *testing.T, dir string) *basin.Basin {
	t.Helper()
	ds, err := model.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := hydro.Load(context.Background(), ds.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := basin.New(net, ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func traceJSON(t *testing.T, eng *suspect.Engine, st, p string, v float64, unit string, at time.Time) any {
	t.Helper()
	res, err := eng.Trace(context.Background(), suspect.Request{Station: st, Parameter: p, Value: v, Unit: unit, Time: at})
	if err != nil {
		t.Fatalf("%s %s %g %s: %v", st, p, v, unit, err)
	}
	res.DataVersion = "" // the copies hold the same data in other units
	return asJSON(t, res)
}

func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// same compares two decoded JSON values, numbers to a relative 10⁻⁶ (a
// value converted to µg/L and back differs in its last bits, which can
// move a rounded figure by one unit in its last place).
func same(t *testing.T, what string, a, b any) {
	t.Helper()
	if path := differ(a, b, ""); path != "" {
		t.Errorf("%s differs at %s", what, path)
	}
}

func differ(a, b any, at string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return at
		}
		for k := range x {
			if p := differ(x[k], y[k], at+"."+k); p != "" {
				return p
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return at
		}
		for i := range x {
			if p := differ(x[i], y[i], fmt.Sprintf("%s[%d]", at, i)); p != "" {
				return p
			}
		}
	case float64:
		y, ok := b.(float64)
		if !ok || math.Abs(x-y) > 1e-6*math.Max(math.Abs(x), math.Abs(y))+1e-9 {
			return fmt.Sprintf("%s (%v vs %v)", at, a, b)
		}
	default:
		if a != b {
			return fmt.Sprintf("%s (%v vs %v)", at, a, b)
		}
	}
	return ""
}
