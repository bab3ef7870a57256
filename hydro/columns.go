package hydro

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// fields resolves column names case-insensitively to their position.
type fields struct {
	names []string
	at    map[string]int // lower-case name → first column so named
}

func newFields(names []string) fields {
	f := fields{names: names, at: make(map[string]int, len(names))}
	for i, n := range names {
		k := strings.ToLower(n)
		if _, ok := f.at[k]; !ok {
			f.at[k] = i
		}
	}
	return f
}

// find returns the column of the first candidate present, -1 when none is.
func (f fields) find(cands ...string) int {
	for _, c := range cands {
		if i, ok := f.at[c]; ok {
			return i
		}
	}
	return -1
}

// nhdColumns are the NHDPlus value-added columns, in nhdCol order.
var nhdColumns = [...][]string{
	{"hydroseq"}, {"dnhydroseq"}, {"dnminorhyd"}, {"uphydroseq"},
	{"levelpathi", "levelpathid"}, {"terminalpa", "terminalpathid"},
	{"pathlength", "pathlength_km"}, {"startflag"}, {"terminalfl", "terminalflag"}, {"fcode"},
}

const (
	nhdHydroseq = iota
	nhdDnHydroseq
	nhdDnMinorHyd
	nhdUpHydroseq
	nhdLevelPath
	nhdTerminalPath
	nhdPathLength
	nhdStartFlag
	nhdTerminalFlag
	nhdFCode
)

// columns are the network columns a file's header offers, resolved once
// per file so that every row is read by position; -1 marks an absent
// column. One set of rules serves every format (FromLayer and the CSV
// reader).
type columns struct {
	id, to, fromNode, toNode, name   int
	lenKm, lenM, vel, order, da, div int
	code, fromMeas, toMeas           int
	velToFps                         float64
	hasNHD                           bool
	nhd                              [len(nhdColumns)]int
	idName, velName                  string
}

// resolveColumns picks the columns of each attribute the network readers
// know from a header; a velocity column that does not say its unit is an
// error (see findVelocity).
func resolveColumns(names []string) (*columns, error) {
	f := newFields(names)
	c := &columns{
		id:       f.find("comid", "id", "link", "featureid", "reach_id", "reachid", "nhdplusid", "permanent_identifier"),
		to:       f.find("toid", "to", "tocomid", "to_id"),
		fromNode: f.find("fromnode", "from_node"),
		toNode:   f.find("tonode", "to_node"),
		name:     f.find("gnis_name", "name", "river", "stream"),
		lenKm:    f.find("lengthkm", "length_km"),
		lenM:     -1,
		order:    f.find(orderColumns...),
		da:       f.find("totdasqkm", "totda", "drainage_area_sqkm"),
		div:      f.find("divergence"),
		code:     f.find("reachcode"),
		fromMeas: f.find("frommeas"),
		toMeas:   f.find("tomeas"),
	}
	if c.id >= 0 {
		c.idName = names[c.id]
	}
	c.hasNHD = f.find("hydroseq") >= 0 && f.find("dnhydroseq") >= 0
	for k, cands := range nhdColumns {
		c.nhd[k] = f.find(cands...)
	}
	if c.lenKm < 0 && f.find("link") >= 0 {
		c.lenM = f.find("length") // NOAA RouteLink lengths are metres
	}
	var err error
	if c.vel, c.velToFps, err = findVelocity(f); err != nil {
		return nil, err
	}
	if c.vel >= 0 {
		c.velName = names[c.vel]
	}
	return c, nil
}

// row is one input row as the network readers see it: text and numbers by
// column position, whatever the format.
type row interface {
	// text is the value as text, trimmed; "" when absent or empty.
	// Numbers are written without exponent or trailing zeros (5.0 → "5").
	text(col int) string
	// number is the value as a number; false when absent, not a number or
	// NHDPlus nodata (see present).
	number(col int) (float64, bool)
}

// present drops NHDPlus nodata: -9999 and -9998 mean missing, as does NaN.
func present(f float64) (float64, bool) {
	if f == -9999 || f == -9998 || math.IsNaN(f) {
		return Missing, false
	}
	return f, true
}

// fill maps row k (1-based row number rowNum) onto r, a zero Reach. The
// topology source is the richest the columns offer: NHDPlus attributes,
// then id → toid, then from/to nodes; with none of them the geometry
// decides later (reachSet.finish). one makes the one-element ToIDs of a
// toid.
func (c *columns) fill(r *Reach, rw row, k, rowNum int, line orb.LineString, one func(string) []string) error {
	*r = Reach{
		Name:        rw.text(c.name),
		LengthKm:    Missing,
		VelocityFps: Missing,
		TotDASqKm:   Missing,
		Geometry:    line,
	}
	if c.id >= 0 {
		r.ID = rw.text(c.id)
		if r.ID == "" {
			return fmt.Errorf("row %d: empty %s", rowNum, c.idName)
		}
	} else {
		r.ID = strconv.Itoa(k + 1)
	}
	if v, ok := rw.number(c.lenKm); ok {
		r.LengthKm = v
	} else if v, ok := rw.number(c.lenM); ok {
		r.LengthKm = v / 1000
	}
	if v, ok := rw.number(c.vel); ok && v > 0 {
		r.VelocityFps = v * c.velToFps
		if err := checkVelocity(r.VelocityFps, c.velName, rowNum, r.ID); err != nil {
			return err
		}
	}
	if v, ok := rw.number(c.order); ok && v > 0 {
		r.StreamOrder = int(v)
	}
	if v, ok := rw.number(c.da); ok {
		r.TotDASqKm = v
	}
	if v, ok := rw.number(c.div); ok {
		r.Divergence = int(v)
	}
	r.ReachCode, r.FromMeas, r.ToMeas = reachCodeOf(rw, c.code, c.fromMeas, c.toMeas)
	switch {
	case c.hasNHD:
		r.NHD = c.nhdAttrs(rw)
	case c.to >= 0:
		if t := rw.text(c.to); t != "" {
			r.ToIDs = one(t)
		}
	case c.fromNode >= 0 && c.toNode >= 0:
		r.FromNode = rw.text(c.fromNode)
		r.ToNode = rw.text(c.toNode)
	}
	return nil
}

// nhdAttrs reads the NHDPlus value-added attributes of a row.
func (c *columns) nhdAttrs(rw row) *NHDAttrs {
	get := func(k int) float64 {
		v, _ := rw.number(c.nhd[k])
		return orZero(v)
	}
	// NHDPlus writes -9999 where it has no value (coastline reaches have
	// no pathlength); Build then computes it.
	pl, ok := rw.number(c.nhd[nhdPathLength])
	if !ok {
		pl = Missing
	}
	return &NHDAttrs{
		Hydroseq:       get(nhdHydroseq),
		DnHydroseq:     get(nhdDnHydroseq),
		DnMinorHyd:     get(nhdDnMinorHyd),
		UpHydroseq:     get(nhdUpHydroseq),
		LevelPathID:    get(nhdLevelPath),
		TerminalPathID: get(nhdTerminalPath),
		PathLength:     pl,
		StartFlag:      int(get(nhdStartFlag)),
		TerminalFlag:   int(get(nhdTerminalFlag)),
		FCode:          int(get(nhdFCode)),
	}
}

// featureRow reads a generic layer feature's properties.
type featureRow struct {
	names []string
	props map[string]any
}

func (f *featureRow) text(col int) string {
	if col < 0 {
		return ""
	}
	return valueText(f.props[f.names[col]])
}

func (f *featureRow) number(col int) (float64, bool) {
	if col < 0 {
		return Missing, false
	}
	return valueNumber(f.props[f.names[col]])
}

// valueText renders a property value as text: trimmed strings, integers
// and integral floats without a fraction (ids stored as REAL), other
// floats in their shortest form.
func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e18 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		return fmt.Sprint(v)
	}
}

// valueNumber reads a property value as a number (numeric text included);
// NHDPlus nodata is missing (present).
func valueNumber(v any) (float64, bool) {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case int64:
		f = float64(v)
	case int:
		f = float64(v)
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return Missing, false
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return Missing, false
		}
		f = x
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	default:
		return Missing, false
	}
	return present(f)
}

// reachSet collects the reaches of a file in row order. In an id → toid
// table, rows sharing an id are one reach that divides: finish merges a
// later row's toid into the first row of its id, unless it repeats one
// (a duplicate, which Build reports).
type reachSet struct {
	cols *columns
	out  *reachCols
	rows []int32
	r    Reach     // the row being read, copied into out
	toID [1]string // its one toid
}

func newReachSet(c *columns, hint int) *reachSet {
	return &reachSet{cols: c, out: newReachCols(hint), rows: make([]int32, 0, hint)}
}

// read appends the reach of row k (1-based row number rowNum).
func (s *reachSet) read(rw row, k, rowNum int, g orb.Geometry) error {
	line, err := lineOf(g)
	if err != nil {
		return fmt.Errorf("row %d: %w", rowNum, err)
	}
	return s.readLine(rw, k, rowNum, line)
}

// readLine is read for a row whose geometry is a line (or none), which a
// streaming reader hands over without an orb.Geometry around it.
func (s *reachSet) readLine(rw row, k, rowNum int, line orb.LineString) error {
	if err := s.cols.fill(&s.r, rw, k, rowNum, line, s.one); err != nil {
		return err
	}
	s.out.add(&s.r)
	s.rows = append(s.rows, int32(rowNum))
	return nil
}

// one makes a one-toid ToIDs; add copies it, so one array serves every
// row.
func (s *reachSet) one(t string) []string {
	s.toID[0] = t
	return s.toID[:]
}

// finish merges the rows of divided reaches, derives the topology from
// geometry when the columns give none, and returns the reaches with their
// source.
func (s *reachSet) finish(src *Source, opt LoadOptions) (*reachCols, *Source, error) {
	c := s.cols
	if c.to >= 0 && !c.hasNHD {
		s.mergeDivided()
	}
	src.Rows = s.rows
	out := s.out
	if !c.hasNHD && c.to < 0 && (c.fromNode < 0 || c.toNode < 0) {
		var err error
		out, err = nodeGeometry(out, src, c.id >= 0, opt)
		if err != nil {
			return nil, nil, err
		}
	}
	return out, src, nil
}

// mergeDivided folds every later row of an id into its first row when it
// names one new toid, in row order. Ids are grouped by a stable sort
// (radix for numeric ids), not a map of millions of strings.
func (s *reachSet) mergeDivided() {
	in := s.out
	order, same := s.idOrder()
	var drop []bool
	adds := map[int32][]string{} // toids a first row takes from later rows
	for k := 0; k < len(order); {
		e := k + 1
		for e < len(order) && same(k, e) {
			e++
		}
		f := order[k]
		for _, m := range order[k+1 : e] {
			// Until merged, a row lists one toid at most.
			if in.to.empty(int(m)) {
				continue
			}
			t := in.to.at(int(m))
			if t == in.to.at(int(f)) || slices.Contains(adds[f], t) {
				continue
			}
			adds[f] = append(adds[f], t)
			if drop == nil {
				drop = make([]bool, in.n)
			}
			drop[m] = true
		}
		k = e
	}
	if drop == nil {
		return
	}
	out := newReachCols(in.n)
	j := 0
	for i := range in.n {
		if drop[i] {
			continue
		}
		r := in.reach(i)
		r.ToIDs = append(r.ToIDs, adds[int32(i)]...)
		out.add(&r)
		s.rows[j] = s.rows[i]
		j++
	}
	s.out, s.rows = out, s.rows[:j]
}

// idOrder returns the reaches' positions sorted by id, equal ids in row
// order, and whether the ids at two sorted positions are equal.
func (s *reachSet) idOrder() ([]int32, func(a, b int) bool) {
	in := s.out
	if keys, ok := parseNumericIDs(&in.ids, in.n); ok {
		sorted, order := radixOrder(keys)
		return order, func(a, b int) bool { return sorted[a] == sorted[b] }
	}
	order := make([]int32, in.n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(in.id(int(a)), in.id(int(b))) })
	return order, func(a, b int) bool { return in.id(int(order[a])) == in.id(int(order[b])) }
}
