package api

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/suspect"
)

// TestTraceJSONMatchesEncodingJSON fills every field of suspect.Result,
// nested types included, by reflection with seeded values (strings that
// need escaping, HTML, invalid UTF-8 and U+2028; numbers at encoding/json's
// format cut-offs; times in several zones with and without nanoseconds;
// nil, empty and full slices and pointers; zero values, which omitempty
// drops) and checks that appendTraceJSON writes exactly what
// json.Encoder writes. A field added to the result and not to the encoder
// fails here.
func TestTraceJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 7))
	for k := range 3000 {
		var r suspect.Result
		fill(rng, reflect.ValueOf(&r).Elem())
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(&r); err != nil {
			t.Fatal(err)
		}
		got, ok := appendTraceJSON(nil, &r)
		if !ok {
			t.Fatalf("case %d: appendTraceJSON declined a result encoding/json writes", k)
		}
		if !bytes.Equal(got, want.Bytes()) {
			i := 0
			for i < len(got) && i < want.Len() && got[i] == want.Bytes()[i] {
				i++
			}
			t.Fatalf("case %d differs at byte %d:\n got  %s\n want %s", k, i, tail(got, i), tail(want.Bytes(), i))
		}
	}
}

func tail(b []byte, i int) string {
	lo, hi := max(i-60, 0), min(i+60, len(b))
	return string(b[lo:hi])
}

var (
	fillStrings = []string{"", "WQ-C1-01", "電鍍廠 <A&B> \"q\" \\", "tab\tnl\ncr\r\b\f\x01\x1f", "bad \xff utf8", "sep \u2028 \u2029 é 😀", "mg/L", "\u2029", "cut \xe2\x80", "\xe2\x80\xa8x\xe2\x81\xa8"}
	fillFloats  = []float64{0, 1, -2.5, 1.815, 1e-6, 9.99e-7, 1e-7, 1.5e-300, 1e21, 9.9e20, 123456789.125, -0.000123, 5e-324, 1e300,
		-7, 530, 1e15, 1e15 - 1, 1 << 52, 1e20, -1e14, math.Copysign(0, -1)}
	fillZones = []*time.Location{time.UTC, time.FixedZone("", 8*3600), time.FixedZone("", -5*3600-30*60)}
)

// fill sets v (and everything in it) from rng.
func fill(rng *rand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		t := time.Date(2000+rng.IntN(40), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, fillZones[rng.IntN(len(fillZones))])
		if rng.IntN(3) == 0 {
			t = t.Add(time.Duration(rng.IntN(1e9)))
		}
		if rng.IntN(8) == 0 {
			t = time.Time{}
		}
		v.Set(reflect.ValueOf(t))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fillStrings[rng.IntN(len(fillStrings))])
	case reflect.Float64:
		f := fillFloats[rng.IntN(len(fillFloats))]
		if rng.IntN(2) == 0 {
			f = (rng.Float64() - 0.5) * []float64{1e-5, 1, 1e4, 1e22}[rng.IntN(4)]
		}
		v.SetFloat(f)
	case reflect.Int:
		v.SetInt(int64([]int{0, 0, 1, 7, -3, 1 << 40}[rng.IntN(6)]))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Pointer:
		if rng.IntN(3) == 0 {
			return // nil
		}
		p := reflect.New(v.Type().Elem())
		fill(rng, p.Elem())
		v.Set(p)
	case reflect.Slice:
		switch rng.IntN(4) {
		case 0:
			return // nil
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1+rng.IntN(3), 3)
		for i := range s.Len() {
			fill(rng, s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rng, v.Field(i))
			}
		}
	default:
		panic("fill: no case for " + v.Type().String())
	}
}

// BenchmarkTraceJSON encodes 200 seeded results (the test's fill: escapes,
// Chinese text, invalid UTF-8, numbers at the cut-offs) with
// appendTraceJSON, against json.Encoder on the same results in the same
// run as the baseline.
func BenchmarkTraceJSON(b *testing.B) {
	rng := rand.New(rand.NewPCG(16, 8))
	results := make([]suspect.Result, 200)
	for i := range results {
		fill(rng, reflect.ValueOf(&results[i]).Elem())
	}
	var size int
	for i := range results {
		out, _ := appendTraceJSON(nil, &results[i])
		size += len(out)
	}
	buf := make([]byte, 0, 64<<10)
	for b.Loop() {
		for i := range results {
			buf, _ = appendTraceJSON(buf[:0], &results[i])
		}
	}
	elapsed, n := b.Elapsed(), b.N // b.Loop stopped the timer
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	start := time.Now()
	for range n {
		for i := range results {
			out.Reset()
			if err := enc.Encode(&results[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	baseline := time.Since(start)
	per := float64(elapsed.Nanoseconds()) / float64(n*len(results))
	basePer := float64(baseline.Nanoseconds()) / float64(n*len(results))
	b.ReportMetric(per, "ns/answer")
	b.ReportMetric(float64(size)/float64(len(results)), "B/answer")
	b.ReportMetric(basePer/per, "x-faster-than-encoding/json")
	b.Logf("appendTraceJSON %.0f ns an answer of %d B on average; encoding/json %.0f ns (%.1fx)", per, size/len(results), basePer, basePer/per)
}
