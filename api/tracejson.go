package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// appendTraceJSON appends a trace result as encoding/json's Encoder writes
// it (HTML-escaped strings, ES6 numbers, RFC 3339 times, the struct tags'
// names, order and omitempty), byte for byte, and its final newline,
// without reflection: encoding a trace answer by reflection cost as much
// CPU as computing it. TestTraceJSONMatchesEncodingJSON holds the two
// encoders to the same bytes on every field of the result's types. It
// returns false for what it cannot write as encoding/json would not
// (a non-finite number, a year outside 0–9999): the caller then uses
// encoding/json, which says what is wrong.
func appendTraceJSON(b []byte, r *suspect.Result) ([]byte, bool) {
	e := jsonw{b: b, ok: true}
	e.raw(`{"station":`)
	e.str(r.Station)
	e.raw(`,"parameter":`)
	e.str(r.Parameter)
	e.raw(`,"verdict":`)
	e.str(string(r.Verdict))
	e.raw(`,"reason":`)
	e.str(r.Reason)
	e.raw(`,"method":`)
	e.str(r.Method.String())
	e.raw(`,"direction":`)
	e.str(r.Direction.String())
	e.raw(`,"observation":`)
	e.observation(&r.Observation)
	e.raw(`,"baseline":`)
	e.baseline(&r.Baseline)
	e.raw(`,"standard":`)
	e.standard(r.Standard)
	e.raw(`,"suspects":`)
	e.suspects(r.Suspects)
	e.raw(`,"insufficient":`)
	e.suspects(r.Insufficient)
	e.raw(`,"ruled_out":`)
	e.suspects(r.RuledOut)
	e.raw(`,"upstream_stations":`)
	e.stations(r.Upstream)
	e.raw(`,"unexplained":{"explained":`)
	e.boolean(r.Unexplained.Explained)
	e.raw(`,"reason":`)
	e.str(r.Unexplained.Reason)
	if len(r.Unexplained.Between) > 0 {
		e.raw(`,"between":`)
		e.strs(r.Unexplained.Between)
	}
	e.raw(`,"excess_load_kg_day":`)
	e.num(r.Unexplained.ExcessKg)
	e.raw(`},"tidal":`)
	e.boolean(r.Tidal)
	e.raw(`,"warnings":`)
	e.strs(r.Warnings)
	e.raw(`,"method_version":`)
	e.str(r.MethodVersion)
	e.raw(`,"data_version":`)
	e.str(r.DataVersion)
	e.raw("}\n")
	return e.b, e.ok
}

// jsonw appends JSON values as encoding/json writes them.
type jsonw struct {
	b  []byte
	ok bool
}

func (e *jsonw) raw(s string) { e.b = append(e.b, s...) }

func (e *jsonw) boolean(v bool) { e.b = strconv.AppendBool(e.b, v) }

func (e *jsonw) int(v int) { e.b = strconv.AppendInt(e.b, int64(v), 10) }

// num is encoding/json's float64 encoder: like %g, but 'f' between 1e-6
// and 1e21, and exponents without padding.
func (e *jsonw) num(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.ok = false
		e.b = append(e.b, '0')
		return
	}
	abs := math.Abs(f)
	if abs < 1e15 && f == math.Trunc(f) && (f != 0 || !math.Signbit(f)) {
		// A whole number (many of a trace's factors, counts and volumes):
		// its digits, as 'f' with the shortest precision writes them, at a
		// fraction of the cost; -0 keeps its sign below.
		e.b = strconv.AppendInt(e.b, int64(f), 10)
		return
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	if format == 'e' {
		if n := len(e.b); n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

func (e *jsonw) numPtr(f *float64) {
	if f == nil {
		e.raw("null")
		return
	}
	e.num(*f)
}

// time is time.Time's MarshalJSON: RFC 3339 with nanoseconds, quoted.
func (e *jsonw) time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 {
		e.ok = false
	}
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	e.b = append(e.b, '"')
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the ASCII bytes a JSON string carries as they are with
// HTML escaping on: every printable byte but '"', '\\', '<', '>' and '&'.
// One table load per byte instead of six comparisons: strings are the
// largest part of a trace answer.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// plainValid marks the bytes of valid UTF-8 that str copies as they are
// without a second look: plainASCII's, and every byte of a multi-byte rune
// but 0xE2, which starts U+2028 and U+2029. One table load a byte on the
// common path.
var plainValid = func() (t [256]bool) {
	copy(t[:], plainASCII[:])
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = c != 0xE2
	}
	return t
}()

// str is encoding/json's string encoder with HTML escaping on (as
// json.Encoder and echo's serializer use it).
func (e *jsonw) str(s string) {
	b := append(e.b, '"')
	start := 0
	// In valid UTF-8 the only multi-byte runes to escape are U+2028 and
	// U+2029 (E2 80 A8 and E2 80 A9), so other non-ASCII bytes are skipped
	// one at a time without decoding (Chinese names and reasons).
	valid := utf8.ValidString(s)
	for i := 0; i < len(s); {
		c := s[i]
		if valid && plainValid[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf && valid && (c != 0xE2 || i+2 >= len(s) || s[i+1] != 0x80 || s[i+2]&^1 != 0xA8) {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if plainASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	e.b = append(b, '"')
}

func (e *jsonw) strs(list []string) {
	if list == nil {
		e.raw("null")
		return
	}
	e.b = append(e.b, '[')
	for i, s := range list {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.str(s)
	}
	e.b = append(e.b, ']')
}

func (e *jsonw) window(w suspect.Window) {
	e.raw(`{"from":`)
	e.time(w.From)
	e.raw(`,"to":`)
	e.time(w.To)
	e.b = append(e.b, '}')
}

func (e *jsonw) observation(o *suspect.Observation) {
	e.raw(`{"value":`)
	e.num(o.Value)
	e.raw(`,"unit":`)
	e.str(o.Unit)
	e.raw(`,"time":`)
	e.time(o.Time)
	e.raw(`,"background":`)
	e.num(o.Background)
	e.raw(`,"excess":`)
	e.num(o.Excess)
	e.raw(`,"excess_over":`)
	e.str(o.Reference)
	e.raw(`,"flow_m3s":`)
	e.num(o.FlowM3s)
	e.raw(`,"flow_source":`)
	e.str(o.FlowSource)
	e.raw(`,"excess_load_kg_day":`)
	e.num(o.ExcessKgDay)
	e.raw(`,"temperature_c":`)
	e.num(o.TempC)
	e.raw(`,"reach":`)
	e.str(o.Reach)
	e.raw(`,"measure":`)
	e.num(o.Measure)
	e.raw(`,"conservative":`)
	e.boolean(o.Conservative)
	e.b = append(e.b, '}')
}

func (e *jsonw) baseline(bl *baseline.Baseline) {
	e.raw(`{"median":`)
	e.num(bl.Median)
	e.raw(`,"mad":`)
	e.num(bl.MAD)
	e.raw(`,"n":`)
	e.int(bl.N)
	e.raw(`,"lower":`)
	e.numPtr(bl.Lower)
	e.raw(`,"upper":`)
	e.numPtr(bl.Upper)
	e.raw(`,"spread":`)
	e.num(bl.Spread)
	e.raw(`,"window":`)
	e.str(string(bl.Window))
	e.raw(`,"by_hour":`)
	e.boolean(bl.ByHour)
	e.raw(`,"median_flow_m3s":`)
	e.num(bl.MedianFlowM3s)
	e.b = append(e.b, '}')
}

func (e *jsonw) standard(s *suspect.StandardCheck) {
	if s == nil {
		e.raw("null")
		return
	}
	e.raw(`{"class":`)
	e.str(string(s.Class))
	e.raw(`,"parameter":`)
	e.str(s.Parameter)
	if s.Min != 0 {
		e.raw(`,"min":`)
		e.num(s.Min)
	}
	if s.Max != 0 {
		e.raw(`,"max":`)
		e.num(s.Max)
	}
	e.raw(`,"unit":`)
	e.str(s.Unit)
	e.raw(`,"source":`)
	e.str(s.Source)
	e.raw(`,"violated":`)
	e.boolean(s.Violated)
	e.raw(`,"exceedance":`)
	e.num(s.Exceedance)
	e.b = append(e.b, '}')
}

func (e *jsonw) suspects(list []suspect.Suspect) {
	if list == nil {
		e.raw("null")
		return
	}
	e.b = append(e.b, '[')
	for i := range list {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.suspect(&list[i])
	}
	e.b = append(e.b, ']')
}

func (e *jsonw) suspect(s *suspect.Suspect) {
	e.raw(`{"facility_id":`)
	e.str(s.FacilityID)
	e.raw(`,"name":`)
	e.str(s.Name)
	if s.Rank != 0 {
		e.raw(`,"rank":`)
		e.int(s.Rank)
	}
	e.raw(`,"score":`)
	e.num(s.Score)
	e.raw(`,"distance_km":`)
	e.num(s.DistanceKm)
	e.raw(`,"travel_hours":`)
	e.num(s.TravelHours)
	e.raw(`,"evidence":`)
	e.evidence(&s.Evidence)
	e.b = append(e.b, '}')
}

// optStr and optNum write an omitempty field.
func (e *jsonw) optStr(key, v string) {
	if v != "" {
		e.raw(key)
		e.str(v)
	}
}

func (e *jsonw) optNum(key string, v float64) {
	if v != 0 {
		e.raw(key)
		e.num(v)
	}
}

func (e *jsonw) optBool(key string, v bool) {
	if v {
		e.raw(key)
		e.boolean(v)
	}
}

func (e *jsonw) evidence(v *suspect.Evidence) {
	e.raw(`{"outfall":`)
	e.str(v.Outfall)
	e.raw(`,"reach":`)
	e.str(v.Reach)
	e.raw(`,"industry":`)
	e.str(v.Industry)
	e.raw(`,"industry_profile":`)
	e.str(v.Profile)
	e.optStr(`,"industry_warning":`, v.IndustryWarning)
	e.raw(`,"discharge_window":`)
	e.window(v.DischargeWindow)
	e.optStr(`,"permit":`, v.Permit)
	e.raw(`,"permit_covers_parameter":`)
	e.boolean(v.PermitCovers)
	if v.PermitLimit != nil {
		e.raw(`,"permit_limit":`)
		e.num(*v.PermitLimit)
	}
	e.raw(`,"industry_profile_covers_parameter":`)
	e.boolean(v.ProfileCovers)
	e.optBool(`,"handles_acid":`, v.HandlesAcid)
	e.optBool(`,"handles_alkali":`, v.HandlesAlkali)
	e.raw(`,"decay_per_day":`)
	e.num(v.DecayPerDay)
	e.raw(`,"required_load_kg_day":`)
	e.num(v.RequiredLoadKgDay)
	e.raw(`,"permitted_load_kg_day":`)
	e.num(v.PermittedLoadKgDay)
	e.raw(`,"max_load_kg_day":`)
	e.num(v.MaxLoadKgDay)
	e.raw(`,"max_volume_m3_day":`)
	e.num(v.MaxVolumeM3Day)
	e.optStr(`,"volume_source":`, v.VolumeSource)
	e.optNum(`,"required_to_permitted_ratio":`, v.LoadRatio)
	e.optNum(`,"required_to_capacity_ratio":`, v.CapacityRatio)
	e.raw(`,"can_carry":`)
	e.boolean(v.CanCarry)
	e.raw(`,"required_effluent_conc":`)
	e.num(v.RequiredConcMgL)
	e.raw(`,"plausible_max_conc":`)
	e.num(v.PlausibleMaxConc)
	e.raw(`,"past_exceedances_of_parameter":`)
	e.int(v.ExceedancesParam)
	e.raw(`,"past_exceedances_other":`)
	e.int(v.ExceedancesOther)
	if len(v.ExceedancePeriods) > 0 {
		e.raw(`,"exceedance_periods":`)
		e.strs(v.ExceedancePeriods)
	}
	e.optStr(`,"bracketing":`, v.Bracketing)
	e.optNum(`,"bracketing_weight":`, v.BracketingWeight)
	if len(v.BracketingBy) > 0 {
		e.raw(`,"bracketing_by":[`)
		for i := range v.BracketingBy {
			n := &v.BracketingBy[i]
			if i > 0 {
				e.raw(",")
			}
			e.raw(`{"kind":`)
			e.str(n.Kind)
			e.raw(`,"station":`)
			e.str(n.Station)
			e.raw(`,"time":`)
			e.time(n.Time)
			e.raw(`,"weight":`)
			e.num(n.Weight)
			e.raw("}")
		}
		e.raw("]")
	}
	e.optStr(`,"reason":`, v.Reason)
	f := &v.Factors
	e.raw(`,"factors":{"coverage":`)
	e.num(f.Coverage)
	e.raw(`,"load_ratio":`)
	e.num(f.LoadRatio)
	e.raw(`,"history":`)
	e.num(f.History)
	e.raw(`,"proximity":`)
	e.num(f.Proximity)
	e.raw(`,"bracketing":`)
	e.num(f.Bracketing)
	e.raw("}}")
}

func (e *jsonw) stations(list []suspect.StationCheck) {
	if list == nil {
		e.raw("null")
		return
	}
	e.b = append(e.b, '[')
	for i := range list {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		c := &list[i]
		e.raw(`{"station":`)
		e.str(c.Station)
		e.raw(`,"travel_hours":`)
		e.num(c.TravelHours)
		e.raw(`,"expected_time":`)
		e.time(c.Expected)
		e.raw(`,"window":`)
		e.window(c.Window)
		e.raw(`,"time":`)
		e.time(c.Time)
		e.raw(`,"value":`)
		e.num(c.Value)
		e.raw(`,"background":`)
		e.num(c.Background)
		e.raw(`,"weight":`)
		e.num(c.Weight)
		e.raw(`,"verdict":`)
		e.str(c.Verdict)
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, ']')
}

// traceBufs recycles the buffers trace answers are written into.
var traceBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// writeTraceJSON sends the trace answer as encoding/json would (an
// application/json body ending in a newline): by appendTraceJSON, or by
// encoding/json where that declines. kept, when set, sees the body
// before it is sent (the answer cache copies it).
func writeTraceJSON(c echo.Context, r *suspect.Result, kept func([]byte)) error {
	buf := traceBufs.Get().(*[]byte)
	b, ok := appendTraceJSON((*buf)[:0], r)
	if !ok {
		j, err := json.Marshal(r)
		if err != nil {
			traceBufs.Put(buf)
			return err
		}
		b = append(append(b[:0], j...), '\n')
	}
	if kept != nil {
		kept(b)
	}
	err := c.JSONBlob(http.StatusOK, b) // written through before it returns
	if cap(b) <= 1<<20 {
		*buf = b[:0]
		traceBufs.Put(buf)
	}
	return err
}
