package layer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/paulmach/orb"
)

// CSV streams the rows of a CSV file as raw cells, without building a
// Feature (and its property map) per row. It is the one CSV tokenizer of
// the package: Read builds its features from it, and readers that know
// their columns (river networks of millions of id/toid rows) turn cells
// into their own values directly, at the speed of the scan.
//
// The dialect is encoding/csv's with FieldsPerRecord checked against the
// header: a header row, fields separated by the delimiter the header uses
// (comma, else tab, else semicolon), RFC 4180 quotes (a quoted field may
// hold delimiters, doubled quotes and newlines), CRLF or LF line ends,
// empty lines skipped, a UTF-8 byte order mark ignored. Errors are
// *RowError values naming the file, the row and, for geometry, the column.
type CSV struct {
	path   string
	file   *mappedFile
	data   []byte // the file's bytes after a byte order mark, file.data[base:]
	base   int
	pos    int // offset of the next unread byte
	line   int // line number of the next unread byte, 1-based
	comma  byte
	header []string
	fields []string // header without the geometry column
	colOf  []int    // colOf[field index] = column in the row
	geom   int      // column of the WKT geometry, -1 when none

	cells   [][]byte   // the current row, one cell a column
	unq     []byte     // unquoted text of the current row's quoted cells
	spans   []cellSpan // the current quoted row's cells in unq
	row     int        // 1-based number of the current row
	rowLine int        // line the current row starts on
	srid    int
	sridRow int
	wkt     wktParser // its slab keeps the points of the lines read
	err     error
	prog    *progress
}

// OpenCSV reads a CSV file's header and finds its geometry column: by
// name (wkt, geometry, geom, the_geom) or, failing that, the first column
// whose first non-empty value parses as WKT. Rows are then read with Next.
// opt.Layer, when set, must match the file's base name; opt.Progress is
// told the bytes read. The file is mapped, not read whole, and the pages
// of the rows read are handed back as Next moves on, so that reading
// holds little more than the current row; Close unmaps it.
func OpenCSV(path string, opt Options) (*CSV, error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	data := trimBOM(m.data)
	var c *CSV
	err = ReadMapped(path, func() (err error) { c, err = newCSV(path, data, opt); return err })
	if err != nil {
		_ = m.close()
		return nil, err
	}
	c.file, c.base = m, len(m.data)-len(data)
	return c, nil
}

// Close releases the file. No cell may be used after it.
func (c *CSV) Close() error {
	if c.file == nil {
		return nil
	}
	err := c.file.close()
	c.file, c.data, c.cells = nil, nil, nil
	return err
}

func newCSV(path string, data []byte, opt Options) (*CSV, error) {
	c := &CSV{path: path, data: data, line: 1, comma: byte(sniffComma(data)), geom: -1,
		wkt: wktParser{slab: &pointSlab{}}}
	if err := checkSingleLayer(path, c.Name(), opt); err != nil {
		return nil, err
	}
	if !c.scanRow() {
		if c.err != nil {
			err := c.err
			var re *RowError
			if errors.As(err, &re) {
				err = re.Err // the header is row 1: say "header" instead
			}
			c.err = fmt.Errorf("layer: %s: header: %w", filepath.Base(path), err)
			return nil, c.err
		}
		return nil, fmt.Errorf("layer: %s: empty file, no header row", filepath.Base(path))
	}
	raw := make([]string, len(c.cells))
	for i, b := range c.cells {
		raw[i] = string(b)
	}
	c.header = uniqueNames(raw)
	c.geom = c.findGeometry()
	for i, h := range c.header {
		if i != c.geom {
			c.fields = append(c.fields, h)
			c.colOf = append(c.colOf, i)
		}
	}
	c.prog = newProgress(opt.Progress, len(data))
	return c, nil
}

// Name is the layer name: the file's base name without its extension.
func (c *CSV) Name() string { return baseName(c.path) }

// Fields are the attribute column names in file order, made unique and
// non-empty as Layer.Fields are; the geometry column is not among them.
func (c *CSV) Fields() []string { return c.fields }

// GeometryField is the name of the WKT column, "" when there is none.
func (c *CSV) GeometryField() string {
	if c.geom < 0 {
		return ""
	}
	return c.header[c.geom]
}

// Next advances to the next row; false at the end or on an error (Err).
// Lines holding nothing but one empty field are skipped.
func (c *CSV) Next() bool {
	if c.file != nil {
		c.file.release(c.base + c.pos) // the rows before are read
	}
	for c.err == nil {
		if !c.scanRow() {
			if c.err == nil {
				c.prog.finish()
			}
			return false
		}
		if len(c.cells) != len(c.header) {
			if len(c.cells) == 1 && len(c.cells[0]) == 0 {
				continue // blank line with only white space
			}
			c.err = &RowError{File: c.path, Row: c.row + 1,
				Err: fmt.Errorf("line %d has %d fields, the header has %d", c.rowLine, len(c.cells), len(c.header))}
			return false
		}
		c.row++
		c.prog.update(c.pos)
		return true
	}
	return false
}

// MaxRows is an upper bound on the rows left to read (the line ends
// left), so that a reader can size its output once.
func (c *CSV) MaxRows() int {
	n := 1
	for at := c.pos; at < len(c.data); at += releaseStep {
		end := min(at+releaseStep, len(c.data))
		n += bytes.Count(c.data[at:end], []byte{'\n'})
		if c.file != nil {
			c.file.drop(c.base+at, c.base+end) // read again when the rows are
		}
	}
	return n
}

// Err is the error that stopped Next, nil at the end of the file.
func (c *CSV) Err() error { return c.err }

// Row is the 1-based number of the current row (the header not counted),
// as Feature.Row.
func (c *CSV) Row() int { return c.row }

// Line is the file line the current row starts on, for messages that a
// user checks in an editor.
func (c *CSV) Line() int { return c.rowLine }

// Cell is the text of field i (an index into Fields) in the current row,
// unquoted and untrimmed. It is valid until the next call of Next.
func (c *CSV) Cell(i int) []byte { return c.cells[c.colOf[i]] }

// SRID is the EPSG code the geometries read so far declared (EWKT
// SRID=N;), 0 when none did.
func (c *CSV) SRID() int { return c.srid }

// Geometry parses the current row's WKT; nil without a geometry column or
// for an empty cell. Every row that declares an SRID must declare the
// same one.
func (c *CSV) Geometry() (orb.Geometry, error) {
	if c.geom < 0 {
		return nil, nil
	}
	cell := c.cells[c.geom]
	if len(bytes.TrimSpace(cell)) == 0 {
		return nil, nil
	}
	// The parser keeps no part of the text (a geometry holds numbers, an
	// error a copy), so it reads the row's bytes in place instead of a
	// string copy of every row's WKT.
	g, srid, err := c.wkt.ewkt(unsafe.String(unsafe.SliceData(cell), len(cell)))
	if err != nil {
		return nil, &RowError{File: c.path, Row: c.row, Field: c.header[c.geom], Err: err}
	}
	if srid != 0 {
		switch {
		case c.sridRow == 0:
			c.srid, c.sridRow = srid, c.row
		case srid != c.srid:
			return nil, &RowError{File: c.path, Row: c.row, Field: c.header[c.geom],
				Err: fmt.Errorf("SRID %d differs from SRID %d of row %d", srid, c.srid, c.sridRow)}
		}
	}
	return g, nil
}

// findGeometry returns the WKT column: by name, else the first column
// whose first non-empty value looks like WKT. The look-ahead stops as
// soon as the answer is known and leaves the reader at the first row.
func (c *CSV) findGeometry() int {
	for i, h := range c.header {
		if geometryColumnNames[strings.ToLower(h)] {
			return i
		}
	}
	pos, line := c.pos, c.line
	defer func() { c.pos, c.line, c.err = pos, line, nil }()
	first := make([]int8, len(c.header)) // 0 unknown, 1 text, 2 WKT
	for c.scanRow() {
		if len(c.cells) != len(c.header) {
			continue // reported by Next
		}
		for i, cell := range c.cells {
			if first[i] == 0 {
				if v := strings.TrimSpace(string(cell)); v != "" {
					first[i] = 1
					if looksLikeWKT(v) {
						first[i] = 2
					}
				}
			}
		}
		for i, f := range first {
			if f == 0 {
				break
			}
			if f == 2 {
				return i
			}
			if i == len(first)-1 {
				return -1
			}
		}
	}
	for i, f := range first {
		if f == 2 {
			return i
		}
	}
	return -1
}

// scanRow splits the next record into c.cells; false at the end of the
// data or on a quoting error (c.err). Empty lines are skipped.
func (c *CSV) scanRow() bool {
	data := c.data
	// Empty lines, and a lone CR before the end (encoding/csv drops it).
	for c.pos < len(data) && (data[c.pos] == '\n' || (data[c.pos] == '\r' && (c.pos+1 == len(data) || data[c.pos+1] == '\n'))) {
		if data[c.pos] == '\r' {
			c.pos++
		}
		c.pos++
		c.line++
	}
	if c.pos >= len(data) {
		return false
	}
	c.rowLine = c.line
	end := bytes.IndexByte(data[c.pos:], '\n')
	next := len(data)
	if end < 0 {
		end = len(data)
	} else {
		end += c.pos
		next = end + 1
	}
	lineText := data[c.pos:end]
	if bytes.IndexByte(lineText, '"') >= 0 {
		return c.scanQuoted()
	}
	if n := len(lineText); n > 0 && lineText[n-1] == '\r' {
		lineText = lineText[:n-1]
	}
	c.cells = c.cells[:0]
	for {
		k := bytes.IndexByte(lineText, c.comma)
		if k < 0 {
			c.cells = append(c.cells, lineText)
			break
		}
		c.cells = append(c.cells, lineText[:k])
		lineText = lineText[k+1:]
	}
	c.pos = next
	if next > end {
		c.line++
	}
	return true
}

// cellSpan is a cell of a quoted row as a range of CSV.unq.
type cellSpan struct{ lo, hi int }

// scanQuoted reads a record that holds quotes, by RFC 4180 as
// encoding/csv does (LazyQuotes off); it may span lines.
func (c *CSV) scanQuoted() bool {
	data := c.data
	c.cells = c.cells[:0]
	c.unq = c.unq[:0]
	spans := c.spans[:0] // cells as ranges of c.unq
	defer func() { c.spans = spans }()
	p := c.pos
	fail := func(err error) bool {
		c.err = &RowError{File: c.path, Row: c.row + 1, Err: fmt.Errorf("line %d: %w", c.line, err)}
		return false
	}
	for {
		lo := len(c.unq)
		if p < len(data) && data[p] == '"' {
			p++
			for {
				k := bytes.IndexByte(data[p:], '"')
				if k < 0 {
					c.line += bytes.Count(data[p:], []byte{'\n'})
					return fail(csv.ErrQuote)
				}
				seg := data[p : p+k]
				c.line += bytes.Count(seg, []byte{'\n'})
				c.unq = appendCRLFasLF(c.unq, seg)
				p += k + 1
				if p < len(data) && data[p] == '"' {
					c.unq = append(c.unq, '"')
					p++
					continue
				}
				break
			}
			spans = append(spans, cellSpan{lo, len(c.unq)})
			switch {
			case p >= len(data):
			case data[p] == c.comma:
				p++
				continue
			case data[p] == '\n':
			case data[p] == '\r' && p+1 == len(data):
				p++
			case data[p] == '\r' && data[p+1] == '\n':
				p++
			default:
				return fail(csv.ErrQuote)
			}
			break
		}
		k := p
		for k < len(data) && data[k] != c.comma && data[k] != '\n' {
			if data[k] == '"' {
				return fail(csv.ErrBareQuote)
			}
			k++
		}
		field := data[p:k]
		if k == len(data) || data[k] == '\n' {
			if n := len(field); n > 0 && field[n-1] == '\r' {
				field = field[:n-1]
			}
		}
		c.unq = append(c.unq, field...)
		spans = append(spans, cellSpan{lo, len(c.unq)})
		p = k
		if p < len(data) && data[p] == c.comma {
			p++
			continue
		}
		break
	}
	if p < len(data) { // at the '\n' ending the record
		p++
		c.line++
	}
	c.pos = p
	for _, s := range spans {
		c.cells = append(c.cells, c.unq[s.lo:s.hi])
	}
	return true
}

// appendCRLFasLF appends a quoted field's text with CRLF line ends made
// LF, as encoding/csv returns them.
func appendCRLFasLF(dst, seg []byte) []byte {
	for {
		k := bytes.Index(seg, []byte("\r\n"))
		if k < 0 {
			return append(dst, seg...)
		}
		dst = append(dst, seg[:k]...)
		dst = append(dst, '\n')
		seg = seg[k+2:]
	}
}
