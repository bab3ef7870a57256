package hydro

import (
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
)

// reachCols is the builder's input: the reaches of a source in columns.
// A Reach is a struct of about 200 bytes whatever the source has; here a
// column exists only once a reach has a value for it, and id-like text
// that is a canonical integer is kept as an int64. A topology-only id →
// toid network holds an id, a toid and a length: 24 bytes a reach, where
// []Reach held over 200 (docs/performance.md, "Peak memory while
// loading"). The network readers fill it row by row (add); Build converts
// its []Reach into it the same way, so every source reaches the build
// stages through this one type.
type reachCols struct {
	n    int
	hint int // expected reaches: the capacity of columns allocated late

	ids textCol
	// to is each reach's first downstream id ("" none); toMore lists the
	// rest, by reach, as CSR offsets toMoreOff (n+1 of them, nil while no
	// reach lists more than one) into toMore.
	to        textCol
	toMoreOff []int32
	toMore    []string
	hasTo     bool // some reach lists downstream ids (id → toid source)

	fromNode, toNode textCol

	// nhd is nil until a reach has NHDPlus attributes; nhdCount says how
	// many have them.
	nhd      []*NHDAttrs
	nhdCount int

	lenKm  []float64
	velFps []float64 // nil: every velocity Missing
	order  []int     // nil: no stream orders
	totDA  []float64 // nil: every drainage area Missing
	div    []int     // nil: no divergence codes
	names  []string  // nil: no names
	codes  []reachCode
	geom   []orb.LineString
}

// newReachCols makes an empty input expecting about hint reaches.
func newReachCols(hint int) *reachCols {
	c := &reachCols{hint: hint, lenKm: make([]float64, 0, hint)}
	c.ids.num = make([]int64, 0, hint)
	return c
}

// reachColsOf converts reaches into the builder's input.
func reachColsOf(reaches []Reach) *reachCols {
	c := newReachCols(len(reaches))
	for i := range reaches {
		c.add(&reaches[i])
	}
	return c
}

// add appends a reach. Its values are copied: the caller may reuse r.
func (c *reachCols) add(r *Reach) {
	i, h := c.n, c.hint
	c.ids.add(i, r.ID, h)
	first := ""
	if len(r.ToIDs) > 0 {
		c.hasTo = true
		first = r.ToIDs[0]
	}
	c.to.add(i, first, h)
	if c.toMoreOff != nil || len(r.ToIDs) > 1 {
		if c.toMoreOff == nil {
			c.toMoreOff = make([]int32, i+1, max(h, i)+1)
		}
		if len(r.ToIDs) > 1 {
			c.toMore = append(c.toMore, r.ToIDs[1:]...)
		}
		c.toMoreOff = append(c.toMoreOff, int32(len(c.toMore)))
	}
	c.fromNode.add(i, r.FromNode, h)
	c.toNode.add(i, r.ToNode, h)
	if r.NHD != nil {
		c.nhdCount++
	}
	c.nhd = addOpt(c.nhd, i, h, r.NHD, r.NHD == nil, nil)
	c.lenKm = append(c.lenKm, r.LengthKm)
	c.velFps = addOpt(c.velFps, i, h, r.VelocityFps, math.IsNaN(r.VelocityFps), Missing)
	c.order = addOpt(c.order, i, h, r.StreamOrder, r.StreamOrder == 0, 0)
	c.totDA = addOpt(c.totDA, i, h, r.TotDASqKm, math.IsNaN(r.TotDASqKm), Missing)
	c.div = addOpt(c.div, i, h, r.Divergence, r.Divergence == 0, 0)
	c.names = addOpt(c.names, i, h, r.Name, r.Name == "", "")
	c.codes = addOpt(c.codes, i, h, reachCode{r.ReachCode, r.FromMeas, r.ToMeas}, r.ReachCode == "", noCode)
	c.geom = addOpt(c.geom, i, h, r.Geometry, r.Geometry == nil, nil)
	c.n++
}

// noCode is a reach without a reach code, as reachCodeOf gives it.
var noCode = reachCode{"", Missing, Missing}

// addOpt appends v to a column that is allocated only when its first value
// other than the default arrives (isDef false); until then it is nil and
// every earlier reach has def.
func addOpt[T any](col []T, n, hint int, v T, isDef bool, def T) []T {
	if col == nil {
		if isDef {
			return nil
		}
		col = make([]T, n, max(hint, n+1))
		for k := range col {
			col[k] = def
		}
	}
	return append(col, v)
}

// optAt reads reach i of an optional column, def when it is nil.
func optAt[T any](col []T, i int, def T) T {
	if col == nil {
		return def
	}
	return col[i]
}

// reach gives reach i back as a Reach.
func (c *reachCols) reach(i int) Reach {
	r := Reach{
		ID:          c.ids.at(i),
		Name:        optAt(c.names, i, ""),
		FromNode:    c.fromNode.at(i),
		ToNode:      c.toNode.at(i),
		NHD:         optAt(c.nhd, i, nil),
		LengthKm:    c.lenKm[i],
		VelocityFps: optAt(c.velFps, i, Missing),
		StreamOrder: optAt(c.order, i, 0),
		TotDASqKm:   optAt(c.totDA, i, Missing),
		Divergence:  optAt(c.div, i, 0),
		Geometry:    optAt(c.geom, i, nil),
	}
	code := optAt(c.codes, i, noCode)
	r.ReachCode, r.FromMeas, r.ToMeas = code.code, code.from, code.to
	more := c.toIDsMore(i)
	if t := c.to.at(i); t != "" {
		r.ToIDs = append([]string{t}, more...)
	} else if len(more) > 0 {
		r.ToIDs = slices.Clone(more)
	}
	return r
}

// reaches gives every reach back as a Reach.
func (c *reachCols) reaches() []Reach {
	out := make([]Reach, c.n)
	for i := range out {
		out[i] = c.reach(i)
	}
	return out
}

// id is reach i's id.
func (c *reachCols) id(i int) string { return c.ids.at(i) }

// toLen is the number of downstream-id slots of reach i: the first, empty
// when it lists none, and the rest (toAt).
func (c *reachCols) toLen(i int) int { return 1 + len(c.toIDsMore(i)) }

// toAt is reach i's k-th downstream id, "" for an empty first slot.
func (c *reachCols) toAt(i, k int) string {
	if k == 0 {
		return c.to.at(i)
	}
	return c.toIDsMore(i)[k-1]
}

// toEmpty says reach i's k-th downstream id is "", without formatting it.
func (c *reachCols) toEmpty(i, k int) bool {
	if k == 0 {
		return c.to.empty(i)
	}
	return c.toIDsMore(i)[k-1] == ""
}

func (c *reachCols) toIDsMore(i int) []string {
	if c.toMoreOff == nil {
		return nil
	}
	return c.toMore[c.toMoreOff[i]:c.toMoreOff[i+1]]
}

func (c *reachCols) name(i int) string             { return optAt(c.names, i, "") }
func (c *reachCols) velocityFps(i int) float64     { return optAt(c.velFps, i, Missing) }
func (c *reachCols) streamOrder(i int) int         { return optAt(c.order, i, 0) }
func (c *reachCols) totDASqKm(i int) float64       { return optAt(c.totDA, i, Missing) }
func (c *reachCols) divergence(i int) int          { return optAt(c.div, i, 0) }
func (c *reachCols) geometry(i int) orb.LineString { return optAt(c.geom, i, nil) }
func (c *reachCols) nhdAt(i int) *NHDAttrs         { return c.nhd[i] }

// allNHD says every reach has NHDPlus attributes.
func (c *reachCols) allNHD() bool { return c.n > 0 && c.nhdCount == c.n }

// hasNodes says some reach has a from or to node.
func (c *reachCols) hasNodes() bool { return c.fromNode.present() || c.toNode.present() }

// textCol holds one text value a reach (ids, downstream ids, node ids): as
// int64s while every value is a canonical integer (parseCanonical) or "",
// 8 bytes a reach instead of a string header and its bytes, and as
// strings from the first value that is not. It is nil while every value
// is "".
type textCol struct {
	num   []int64 // noText for ""
	str   []string
	isStr bool
}

// noText marks "" in a numeric textCol; the one canonical integer it would
// shadow is kept as text.
const noText = math.MinInt64

// add appends reach i's value (i is the column's length).
func (t *textCol) add(i int, s string, hint int) {
	if t.isStr {
		t.str = append(t.str, s)
		return
	}
	if s == "" && len(t.num) == 0 && cap(t.num) == 0 {
		return // still all "", nothing held
	}
	if t.num == nil || len(t.num) < i {
		t.num = growNoText(t.num, i, hint)
	}
	if s == "" {
		t.num = append(t.num, noText)
		return
	}
	if v, ok := parseCanonical(s); ok && v != noText {
		t.num = append(t.num, v)
		return
	}
	str := make([]string, len(t.num), max(hint, i+1))
	for k := range t.num {
		str[k] = t.at(k)
	}
	t.num, t.str, t.isStr = nil, append(str, s), true
}

// growNoText extends num with "" up to length n, allocating it at the
// expected size (hint) first, so that a column is not grown by doubling.
func growNoText(num []int64, n, hint int) []int64 {
	if num == nil {
		num = make([]int64, 0, max(hint, n+1))
	}
	for len(num) < n {
		num = append(num, noText)
	}
	return num
}

// present says some value may be other than "".
func (t *textCol) present() bool { return t.isStr || len(t.num) > 0 }

// val is value i as an integer: ok false for "" (and, in a text column,
// for anything but a canonical integer).
func (t *textCol) val(i int) (int64, bool) {
	if t.isStr {
		return parseCanonical(t.str[i])
	}
	if i >= len(t.num) || t.num[i] == noText {
		return 0, false
	}
	return t.num[i], true
}

// empty says value i is "".
func (t *textCol) empty(i int) bool {
	if t.isStr {
		return t.str[i] == ""
	}
	return i >= len(t.num) || t.num[i] == noText
}

// at is value i as text.
func (t *textCol) at(i int) string {
	if t.isStr {
		return t.str[i]
	}
	if i >= len(t.num) || t.num[i] == noText {
		return ""
	}
	return strconv.FormatInt(t.num[i], 10)
}

// equal says value i of a and of b are the same text.
func (a *textCol) equal(b *textCol, i int) bool {
	if !a.isStr && !b.isStr {
		return a.empty(i) && b.empty(i) || !a.empty(i) && !b.empty(i) && a.num[i] == b.num[i]
	}
	return a.at(i) == b.at(i)
}
