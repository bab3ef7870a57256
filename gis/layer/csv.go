package layer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// geometryColumnNames are header names that mark a CSV column as WKT.
var geometryColumnNames = map[string]bool{"wkt": true, "geometry": true, "geom": true, "the_geom": true}

// readCSV reads a CSV file with a header row. A WKT/EWKT geometry column is
// found by name (wkt, geometry, geom, the_geom) or, failing that, as the
// first column whose first non-empty value parses as WKT. Cells become
// int64, float64 or string by their text, empty cells nil; ids with leading
// zeros stay strings, and Feature.String returns every cell's raw text.
func readCSV(path string, opt Options) (*Layer, error) {
	base := filepath.Base(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", base, err)
	}
	data = trimBOM(data)

	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // checked below, with the row number
	r.Comma = sniffComma(data)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("layer: %s: empty file, no header row", base)
	}
	if err != nil {
		return nil, fmt.Errorf("layer: %s: header: %w", base, err)
	}
	header = uniqueNames(header)

	var records [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		row := len(records) + 1
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &RowError{File: path, Row: row, Err: fmt.Errorf("line %d: %w", pe.Line, pe.Err)}
			}
			return nil, &RowError{File: path, Row: row, Err: err}
		}
		if len(rec) != len(header) {
			if len(rec) == 1 && rec[0] == "" {
				continue // blank line with only white space
			}
			line, _ := r.FieldPos(0)
			return nil, &RowError{File: path, Row: row,
				Err: fmt.Errorf("line %d has %d fields, the header has %d", line, len(rec), len(header))}
		}
		records = append(records, rec)
	}

	l := &Layer{Name: baseName(path)}
	if err := checkSingleLayer(path, l.Name, opt); err != nil {
		return nil, err
	}
	geomCol := findGeometryColumn(header, records)
	for i, h := range header {
		if i != geomCol {
			l.Fields = append(l.Fields, h)
		}
	}
	sc := newSchema(l.Fields)
	sc.col = make(map[string]int, len(header))
	for i, h := range header {
		sc.col[h] = i
	}
	if geomCol >= 0 {
		// Let String() find the geometry text by its column name too.
		sc.lower[strings.ToLower(header[geomCol])] = header[geomCol]
	}

	prog := newProgress(opt.Progress, len(records))
	l.Features = make([]Feature, len(records))
	sridRow := 0
	for k, rec := range records {
		row := k + 1
		f := Feature{Row: row, Props: make(map[string]any, len(rec)), schema: sc, raw: rec}
		for i, cell := range rec {
			if i == geomCol {
				if strings.TrimSpace(cell) == "" {
					continue
				}
				g, srid, err := parseEWKT(cell)
				if err != nil {
					return nil, &RowError{File: path, Row: row, Field: header[i], Err: err}
				}
				if srid != 0 {
					switch {
					case sridRow == 0:
						l.SRID, sridRow = srid, row
					case srid != l.SRID:
						return nil, &RowError{File: path, Row: row, Field: header[i],
							Err: fmt.Errorf("SRID %d differs from SRID %d of row %d", srid, l.SRID, sridRow)}
					}
				}
				f.Geometry = g
				continue
			}
			f.Props[header[i]] = csvValue(cell)
		}
		l.Features[k] = f
		prog.update(row)
	}
	prog.finish()
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

// findGeometryColumn returns the index of the WKT column, or -1.
func findGeometryColumn(header []string, records [][]string) int {
	for i, h := range header {
		if geometryColumnNames[strings.ToLower(h)] {
			return i
		}
	}
	for i := range header {
		for _, rec := range records {
			v := strings.TrimSpace(rec[i])
			if v == "" {
				continue
			}
			if looksLikeWKT(v) {
				return i
			}
			break
		}
	}
	return -1
}

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
