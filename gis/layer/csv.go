package layer

import (
	"bytes"
	"strconv"
	"strings"
)

// geometryColumnNames are header names that mark a CSV column as WKT.
var geometryColumnNames = map[string]bool{"wkt": true, "geometry": true, "geom": true, "the_geom": true}

// readCSV reads a CSV file with a header row through the CSV scanner. A
// WKT/EWKT geometry column is found by name (wkt, geometry, geom,
// the_geom) or, failing that, as the first column whose first non-empty
// value parses as WKT. Cells become int64, float64 or string by their
// text, empty cells nil; ids with leading zeros stay strings, and
// Feature.String returns every cell's raw text.
func readCSV(path string, opt Options) (*Layer, error) {
	c, err := OpenCSV(path, opt)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	l := &Layer{Name: c.Name(), Fields: c.Fields()}
	sc := newSchema(l.Fields)
	sc.col = make(map[string]int, len(c.header))
	for i, h := range c.header {
		sc.col[h] = i
	}
	if c.geom >= 0 {
		// Let String() find the geometry text by its column name too.
		sc.lower[strings.ToLower(c.header[c.geom])] = c.header[c.geom]
	}
	if err := ReadMapped(path, func() error { return readCSVRows(c, l, sc) }); err != nil {
		return nil, err
	}
	l.SRID = c.SRID()
	return l, nil
}

// sniffComma picks the delimiter from the header line: a comma unless the
// header has none and does have semicolons or tabs (European Excel exports
// and TSV).
func sniffComma(data []byte) rune {
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	}
	if bytes.IndexByte(line, ',') >= 0 {
		return ','
	}
	if bytes.IndexByte(line, '\t') >= 0 {
		return '\t'
	}
	if bytes.IndexByte(line, ';') >= 0 {
		return ';'
	}
	return ','
}

// uniqueNames makes header names unique and non-empty so that every column
// has its own Props key: "" becomes "field_N", a repeat "name_2".
func uniqueNames(h []string) []string {
	out := make([]string, len(h))
	seen := map[string]bool{}
	for i, n := range h {
		n = strings.TrimSpace(n)
		if n == "" {
			n = "field_" + strconv.Itoa(i+1)
		}
		cand := n
		for k := 2; seen[strings.ToLower(cand)]; k++ {
			cand = n + "_" + strconv.Itoa(k)
		}
		seen[strings.ToLower(cand)] = true
		out[i] = cand
	}
	return out
}

// CSVValue types a CSV cell as Read does (see csvValue), for readers that
// take cells from a CSV scan and must give them the values Read would.
func CSVValue(s string) any { return csvValue(s) }

// csvValue types one cell: "" → nil, integer text → int64, other numeric
// text → float64, anything else string. Integers with a leading zero
// ("05428668", "0303") or too large for int64 stay strings: they are ids.
func csvValue(s string) any {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil
	}
	switch numberKind(t) {
	case kindInt:
		digits := strings.TrimPrefix(strings.TrimPrefix(t, "-"), "+")
		if len(digits) > 1 && digits[0] == '0' {
			return s
		}
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return n
		}
		return s
	case kindFloat:
		if v, err := strconv.ParseFloat(t, 64); err == nil {
			return v
		}
	}
	return s
}

const (
	kindNone = iota
	kindInt
	kindFloat
)

// numberKind classifies text as a decimal integer, a decimal float (with
// optional exponent) or neither. Unlike strconv it rejects "NaN", "Inf",
// hex and underscores, which in a CSV are text, not numbers.
func numberKind(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, dot, exp := 0, false, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && !exp && digits > 0:
			exp = true
			if i+1 < len(s) && (s[i+1] == '+' || s[i+1] == '-') {
				i++
			}
			if i+1 >= len(s) {
				return kindNone
			}
		default:
			return kindNone
		}
	}
	if digits == 0 {
		return kindNone
	}
	if dot || exp {
		return kindFloat
	}
	return kindInt
}

// readCSVRows reads every row of c into l's features, each cell a value
// by its text (readCSV).
func readCSVRows(c *CSV, l *Layer, sc *schema) error {
	var text []byte
	for c.Next() {
		// One string a row holds every cell, as encoding/csv does.
		text = text[:0]
		for _, cell := range c.cells {
			text = append(text, cell...)
		}
		all := string(text)
		raw := make([]string, len(c.cells))
		f := Feature{Row: c.Row(), Props: make(map[string]any, len(c.cells)), schema: sc, raw: raw}
		at := 0
		for i, cell := range c.cells {
			raw[i] = all[at : at+len(cell)]
			at += len(cell)
			if i != c.geom {
				f.Props[c.header[i]] = csvValue(raw[i])
			}
		}
		var err error
		if f.Geometry, err = c.Geometry(); err != nil {
			return err
		}
		l.Features = append(l.Features, f)
	}
	return c.Err()
}
