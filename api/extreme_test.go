package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// extremes are the values thrown at every endpoint that takes a number.
var extremes = []float64{0, 5e-324, 1e-300, 1e-9, 0.5, 7, 14, 14.01, 25, 25.1, 4e5, 4.1e5, 1e6, 1e7, 1e300, 1e308, math.MaxFloat64, -1, -1e308}

// TestExtremeValuesNeverBreakJSON posts and traces extreme values of every
// kind of parameter, then balances: each answer is a valid JSON document
// with a 2xx or a 4xx status (never a 500), and no infinity or NaN reaches
// it.
func TestExtremeValuesNeverBreakJSON(t *testing.T) {
	s, _ := centralServer(t)
	h := s.Handler()
	check := func(what string, code int, body string) {
		t.Helper()
		if code >= 500 {
			t.Errorf("%s: status %d: %s", what, code, body)
		}
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Errorf("%s: not JSON (%v): %s", what, err, body)
		}
		for _, bad := range []string{"Inf", "NaN"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: %s in the answer: %s", what, bad, body)
			}
		}
	}
	units := map[string]string{"Cu": "mg/L", "COD": "mg/L", "NH3-N": "mg/L", "DO": "mg/L", "pH": "pH", "COND": "µS/cm", "TEMP": "°C"}
	// Traces first, on one data snapshot; then ingests, each its own.
	for p, unit := range units {
		for _, v := range extremes {
			vs := strconv.FormatFloat(v, 'g', -1, 64)
			q := url.Values{"station": {"WQ-C1-01"}, "parameter": {p}, "value": {vs}, "unit": {unit}, "time": {"2026-08-14T04:00:00+08:00"}}
			rec := get(t, h, "/api/v1/trace?"+q.Encode())
			check("trace "+p+" "+vs, rec.Code, rec.Body.String())
			q.Set("value", "0.02")
			q.Set("flow", vs)
			rec = get(t, h, "/api/v1/trace?"+q.Encode())
			check("trace flow "+vs, rec.Code, rec.Body.String())
		}
	}
	day := 0
	for p, unit := range units {
		for _, v := range extremes {
			vs := strconv.FormatFloat(v, 'g', -1, 64)
			day++
			at := fmt.Sprintf("2026-10-%02dT%02d:00:00+08:00", 1+day/24, day%24)
			body := fmt.Sprintf(`[{"station":"WQ-M04","time":%q,"parameter":%q,"value":%s,"unit":%q,"flow":%s,"flow_unit":"m³/s"}]`, at, p, vs, unit, vs)
			rec := do(t, h, http.MethodPost, "/api/v1/readings", body)
			check("ingest "+p+" "+vs, rec.Code, rec.Body.String())
		}
	}
	for p := range units {
		rec := get(t, h, "/api/v1/balance?parameter="+url.QueryEscape(p)+"&from=2026-09-30T00:00:00%2B08:00&to=2026-11-01T00:00:00%2B08:00")
		check("balance "+p, rec.Code, rec.Body.String())
	}
	// What was accepted is plausible, and traces over it stay finite.
	for p, unit := range units {
		q := url.Values{"station": {"WQ-M04"}, "parameter": {p}, "value": {"1"}, "unit": {unit}, "time": {"2026-10-20T12:00:00+08:00"}, "flow": {"3"}}
		rec := get(t, h, "/api/v1/trace?"+q.Encode())
		check("trace after ingest "+p, rec.Code, rec.Body.String())
	}
}
