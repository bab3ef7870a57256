package hydro

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/envtrace/envtrace/gis/layer"
)

// readCSVReaches reads a network CSV straight into the builder's columnar
// input: the same columns, values and errors as FromLayer over
// layer.Read, without a feature and a property map per row, nor a Reach
// kept per row. At 2.7M id/toid rows that is the difference between
// parsing at about 5 MB/s and at the speed of the scan
// (BenchmarkReadNetworkCSV), and 28 bytes a reach held instead of over
// 200 (docs/performance.md, "Peak memory while loading").
func readCSVReaches(path string, opt LoadOptions) (*reachCols, *Source, error) {
	c, err := layer.OpenCSV(path, layer.Options{Layer: opt.Layer, Progress: opt.ReadProgress})
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	cols, err := resolveColumns(c.Fields())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	rs := newReachSet(cols, c.MaxRows())
	cr := csvRow{c: c}
	err = layer.ReadMapped(path, func() error {
		for c.Next() {
			g, err := c.Geometry()
			if err != nil {
				return err
			}
			if err := rs.read(&cr, c.Row()-1, c.Row(), g); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return c.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	if rs.out.n == 0 {
		return nil, nil, fmt.Errorf("%s: layer %q has no features", path, c.Name())
	}
	reaches, src, err := rs.finish(&Source{Layer: c.Name(), SRID: c.SRID()}, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return reaches, src, nil
}

// csvRow reads the current row of a CSV scan. Its values are those
// layer.Read gives a CSV cell (integer text, other numeric text, text),
// so both paths read a file alike; plain integers and decimals, nearly
// every cell of a network file, take a fast path.
type csvRow struct{ c *layer.CSV }

func (r *csvRow) text(col int) string {
	if col < 0 {
		return ""
	}
	b := r.c.Cell(col)
	if isCanonicalInt(b) {
		return string(b)
	}
	return valueText(layer.CSVValue(string(b)))
}

func (r *csvRow) number(col int) (float64, bool) {
	if col < 0 {
		return Missing, false
	}
	b := r.c.Cell(col)
	if v, ok := parseDecimal(b); ok {
		return present(v)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return Missing, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Missing, false
	}
	return present(v)
}

// isCanonicalInt says b is an integer as strconv.FormatInt writes it, so
// that its text is its value's text.
func isCanonicalInt(b []byte) bool {
	if len(b) == 0 || len(b) > 18 {
		return false
	}
	d := b
	if d[0] == '-' {
		d = d[1:]
		if len(d) == 0 || d[0] == '0' {
			return false
		}
	}
	if d[0] == '0' && len(d) > 1 {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseDecimal parses [-]digits[.digits] with at most 15 digits, the form
// of nearly every number in a network file, exactly as strconv.ParseFloat
// does: the digits and the power of ten are both exact in a float64, so
// one division rounds correctly. Anything else is left to ParseFloat.
func parseDecimal(b []byte) (float64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var m uint64
	digits, frac, dot := 0, 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	if m == 0 {
		return 0, true // "-0" is 0, as layer.Read types it
	}
	v := float64(m) / pow10[frac]
	if neg {
		v = -v
	}
	return v, true
}
