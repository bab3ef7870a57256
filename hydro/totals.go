package hydro

import "fmt"

// Totals are the whole-basin figures of an unlimited UT navigation: how
// many reaches drain to a reach and their total length. TotalsIndex
// computes them from the upstream index spans, so a national basin of a
// million reaches costs as much as a small one.
type Totals struct {
	Reaches  int     `json:"reaches"`
	LengthKm float64 `json:"length_km"`
	// Spans is the number of index intervals the basin is made of: 1
	// without divergences into it, more with canals and braids. The work
	// of the answer is proportional to it.
	Spans int `json:"spans"`
}

// TotalsIndex answers Totals without enumerating the basin: it keeps the
// running sum of reach lengths in index order (8 bytes a reach), so the
// length of a span is one subtraction. Build it once per network with
// NewTotalsIndex; it is safe for concurrent use.
type TotalsIndex struct {
	net *Network
	// cumKm[i] is the total length of reaches 0..i-1.
	cumKm []float64
}

// NewTotalsIndex builds the running length sum of n in one pass.
func NewTotalsIndex(n *Network) *TotalsIndex {
	cum := make([]float64, n.n+1)
	for i := int32(0); i < n.n; i++ {
		cum[i+1] = cum[i] + n.lenKm.at(i)
	}
	return &TotalsIndex{net: n, cumKm: cum}
}

// Upstream returns the totals of UT from start without limits, skipping
// minor divergences when skipMinor is set (as Query.SkipMinor does), and
// the spans it read, reusing buf. A coastline start wraps ErrNotNavigable,
// as Navigate does.
func (x *TotalsIndex) Upstream(start int32, skipMinor bool, buf []Span) (Totals, []Span, error) {
	q := Query{Mode: UT, Start: start, SkipMinor: skipMinor}
	if err := x.net.validate(q); err != nil {
		return Totals{}, buf[:0], fmt.Errorf("basin totals: %w", err)
	}
	spans := x.net.upstreamSpans(q, buf)
	t := Totals{Spans: len(spans)}
	for _, s := range spans {
		t.Reaches += int(s.hi - s.lo)
		t.LengthKm += x.cumKm[s.hi] - x.cumKm[s.lo]
	}
	return t, spans, nil
}
