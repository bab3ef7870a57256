package layer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/paulmach/orb"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Shapefile shape types.
const (
	shpNull        = 0
	shpPoint       = 1
	shpPolyLine    = 3
	shpPolygon     = 5
	shpMultiPoint  = 8
	shpPointZ      = 11
	shpPolyLineZ   = 13
	shpPolygonZ    = 15
	shpMultiPointZ = 18
	shpPointM      = 21
	shpPolyLineM   = 23
	shpPolygonM    = 25
	shpMultiPointM = 28
	shpMultiPatch  = 31
)

// shpBaseType maps the Z and M variants to their 2D type.
func shpBaseType(t int32) int32 {
	switch t {
	case shpPointZ, shpPointM:
		return shpPoint
	case shpPolyLineZ, shpPolyLineM:
		return shpPolyLine
	case shpPolygonZ, shpPolygonM:
		return shpPolygon
	case shpMultiPointZ, shpMultiPointM:
		return shpMultiPoint
	}
	return t
}

func shpTypeName(t int32) string {
	switch shpBaseType(t) {
	case shpPoint:
		return "POINT"
	case shpPolyLine:
		return "LINESTRING"
	case shpPolygon:
		return "POLYGON"
	case shpMultiPoint:
		return "MULTIPOINT"
	case shpNull:
		return ""
	}
	return "GEOMETRY"
}

// sidecar returns the path of a shapefile's companion file, accepting
// either case for the extension (.dbf or .DBF).
func sidecar(shpPath, ext string) string {
	stem := strings.TrimSuffix(shpPath, filepath.Ext(shpPath))
	for _, e := range []string{ext, strings.ToUpper(ext)} {
		p := stem + e
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return stem + ext
}

// shapefileSRID reads the .prj next to a shapefile; 0 when absent or not
// recognised.
func shapefileSRID(shpPath string) int {
	b, err := os.ReadFile(sidecar(shpPath, ".prj"))
	if err != nil {
		return 0
	}
	if c, ok := crs.FromWKT(string(b)); ok {
		return c.EPSG()
	}
	return 0
}

const shpHeaderLen = 100

// shpHeader checks the 100-byte main file header and returns the shape type.
func shpHeader(b []byte) (int32, error) {
	if len(b) < shpHeaderLen {
		return 0, fmt.Errorf("file of %d bytes is shorter than the 100-byte shapefile header", len(b))
	}
	if code := binary.BigEndian.Uint32(b[0:4]); code != 9994 {
		return 0, fmt.Errorf("not a shapefile (file code %d, want 9994)", code)
	}
	return int32(binary.LittleEndian.Uint32(b[32:36])), nil
}

func shapefileInfo(path string) (LayerInfo, error) {
	base := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return LayerInfo{}, fmt.Errorf("layer: %s: %w", base, err)
	}
	defer f.Close()
	hdr := make([]byte, shpHeaderLen)
	n, _ := f.Read(hdr)
	typ, err := shpHeader(hdr[:n])
	if err != nil {
		return LayerInfo{}, fmt.Errorf("layer: %s: %w", base, err)
	}
	dbfPath := sidecar(path, ".dbf")
	db, err := os.ReadFile(dbfPath)
	if err != nil {
		return LayerInfo{}, fmt.Errorf("layer: %s: %w", base, err)
	}
	d, err := parseDBFHeader(db)
	if err != nil {
		return LayerInfo{}, fmt.Errorf("layer: %s: %w", filepath.Base(dbfPath), err)
	}
	return LayerInfo{Name: baseName(path), GeometryType: shpTypeName(typ), SRID: shapefileSRID(path), Count: d.live()}, nil
}

// readShapefile reads .shp geometries and .dbf attributes (records are
// paired by position), the SRID from .prj and the text encoding from .cpg.
// Deleted dBASE records are skipped; Feature.Row stays the record number.
// Records are read in sequence from the .shp, so the .shx index is not
// needed.
func readShapefile(path string, opt Options) (*Layer, error) {
	base := filepath.Base(path)
	shp, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", base, err)
	}
	typ, err := shpHeader(shp)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", base, err)
	}
	if shpBaseType(typ) == shpMultiPatch {
		return nil, fmt.Errorf("layer: %s: MultiPatch shapefiles are not supported", base)
	}
	dbfPath := sidecar(path, ".dbf")
	dbf, err := os.ReadFile(dbfPath)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: attributes: %w", base, err)
	}
	d, err := parseDBFHeader(dbf)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", filepath.Base(dbfPath), err)
	}
	d.dec = shapefileDecoder(path)

	l := &Layer{Name: baseName(path), SRID: shapefileSRID(path)}
	if err := checkSingleLayer(path, l.Name, opt); err != nil {
		return nil, err
	}
	for _, fd := range d.fields {
		l.Fields = append(l.Fields, fd.name)
	}
	sc := newSchema(l.Fields)

	prog := newProgress(opt.Progress, d.n)
	l.Features = make([]Feature, 0, d.live())
	off := shpHeaderLen
	for row := 1; row <= d.n; row++ {
		var g orb.Geometry
		if off < len(shp) {
			if len(shp)-off < 8 {
				return nil, &RowError{File: path, Row: row, Err: errors.New("shape record header truncated")}
			}
			words := int64(binary.BigEndian.Uint32(shp[off+4 : off+8]))
			end := int64(off) + 8 + 2*words
			if end > int64(len(shp)) {
				return nil, &RowError{File: path, Row: row,
					Err: fmt.Errorf("shape record of %d bytes runs past the end of the file", 2*words)}
			}
			g, err = decodeShape(shp[off+8 : end])
			if err != nil {
				return nil, &RowError{File: path, Row: row, Err: err}
			}
			off = int(end)
		} else {
			return nil, &RowError{File: path, Row: row,
				Err: fmt.Errorf("%s has %d records but the .shp ends after %d", filepath.Base(dbfPath), d.n, row-1)}
		}
		props, deleted, damaged := d.record(row)
		for _, f := range damaged {
			l.Warnings = append(l.Warnings, &RowError{File: path, Row: row, Field: f.field, Err: f.err})
		}
		if !deleted {
			l.Features = append(l.Features, Feature{Row: row, Props: props, Geometry: g, schema: sc})
		}
		prog.update(row)
	}
	prog.finish()
	return l, nil
}

// shpCursor reads little-endian values from one shape record with bounds
// checks.
type shpCursor struct {
	b []byte
	i int
}

var errShapeShort = errors.New("shape record truncated")

func (c *shpCursor) int32() (int32, error) {
	if len(c.b)-c.i < 4 {
		return 0, errShapeShort
	}
	v := int32(binary.LittleEndian.Uint32(c.b[c.i:]))
	c.i += 4
	return v, nil
}

func (c *shpCursor) skip(n int) error {
	if n < 0 || len(c.b)-c.i < n {
		return errShapeShort
	}
	c.i += n
	return nil
}

func (c *shpCursor) points(n int) ([]orb.Point, error) {
	if n < 0 || (len(c.b)-c.i)/16 < n {
		return nil, errShapeShort
	}
	ps := make([]orb.Point, n)
	for k := range ps {
		ps[k][0] = math.Float64frombits(binary.LittleEndian.Uint64(c.b[c.i:]))
		ps[k][1] = math.Float64frombits(binary.LittleEndian.Uint64(c.b[c.i+8:]))
		c.i += 16
	}
	return ps, nil
}

// decodeShape decodes one record's content (after the record header). Z and
// M arrays follow the 2D data and are simply not read.
func decodeShape(b []byte) (orb.Geometry, error) {
	c := &shpCursor{b: b}
	t, err := c.int32()
	if err != nil {
		return nil, err
	}
	switch shpBaseType(t) {
	case shpNull:
		return nil, nil
	case shpPoint:
		ps, err := c.points(1)
		if err != nil {
			return nil, err
		}
		return ps[0], nil
	case shpMultiPoint:
		if err := c.skip(32); err != nil { // bounding box
			return nil, err
		}
		n, err := c.int32()
		if err != nil {
			return nil, err
		}
		ps, err := c.points(int(n))
		return orb.MultiPoint(ps), err
	case shpPolyLine, shpPolygon:
		if err := c.skip(32); err != nil {
			return nil, err
		}
		nParts, err := c.int32()
		if err != nil {
			return nil, err
		}
		nPoints, err := c.int32()
		if err != nil {
			return nil, err
		}
		if nParts < 0 || nPoints < 0 || int(nParts) > (len(b)-c.i)/4 {
			return nil, fmt.Errorf("shape record claims %d parts and %d points", nParts, nPoints)
		}
		starts := make([]int, nParts)
		for k := range starts {
			s, err := c.int32()
			if err != nil {
				return nil, err
			}
			if s < 0 || s > nPoints || k > 0 && int(s) < starts[k-1] {
				return nil, fmt.Errorf("shape part %d starts at point %d of %d", k, s, nPoints)
			}
			starts[k] = int(s)
		}
		pts, err := c.points(int(nPoints))
		if err != nil {
			return nil, err
		}
		parts := make([][]orb.Point, nParts)
		for k := range parts {
			end := len(pts)
			if k+1 < len(starts) {
				end = starts[k+1]
			}
			parts[k] = pts[starts[k]:end:end]
		}
		if shpBaseType(t) == shpPolyLine {
			switch len(parts) {
			case 0:
				return nil, nil
			case 1:
				return orb.LineString(parts[0]), nil
			}
			ml := make(orb.MultiLineString, len(parts))
			for k, p := range parts {
				ml[k] = p
			}
			return ml, nil
		}
		return assemblePolygon(parts), nil
	case shpMultiPatch:
		return nil, errors.New("MultiPatch shapes are not supported")
	}
	return nil, fmt.Errorf("shape type %d is not supported", t)
}

// ringArea is the signed shoelace area: positive for counter-clockwise
// rings (holes in a shapefile), negative for clockwise (outer rings).
func ringArea(r []orb.Point) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	if n := len(r); n > 2 && r[0] != r[n-1] {
		a += r[n-1][0]*r[0][1] - r[0][0]*r[n-1][1]
	}
	return a / 2
}

// inRing tests a point against a ring with the even-odd rule.
func inRing(p orb.Point, r []orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) &&
			p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func reversed(r []orb.Point) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[len(r)-1-i] = p
	}
	return out
}

// assemblePolygon builds an orb.Polygon or orb.MultiPolygon from shapefile
// rings: clockwise rings are outer rings, counter-clockwise ones holes,
// each assigned to the smallest outer ring that contains it (a hole inside
// no outer ring becomes an outer ring itself). Rings are re-oriented to the
// RFC 7946 convention: outer counter-clockwise, holes clockwise.
func assemblePolygon(parts [][]orb.Point) orb.Geometry {
	type outer struct {
		ring  orb.Ring
		area  float64
		bound orb.Bound
		holes []orb.Ring
	}
	var outers []*outer
	var holes [][]orb.Point
	for _, p := range parts {
		if len(p) == 0 {
			continue
		}
		a := ringArea(p)
		if a > 0 {
			holes = append(holes, p)
			continue
		}
		outers = append(outers, &outer{ring: reversed(p), area: -a, bound: orb.MultiPoint(p).Bound()})
	}
	for _, h := range holes {
		var best *outer
		hb := orb.MultiPoint(h).Bound()
		for _, o := range outers {
			if !o.bound.Contains(hb.Min) || !o.bound.Contains(hb.Max) {
				continue
			}
			if !holeInside(h, o.ring) {
				continue
			}
			if best == nil || o.area < best.area {
				best = o
			}
		}
		if best == nil {
			// An orphan counter-clockwise ring: keep it as an outer ring.
			outers = append(outers, &outer{ring: orb.Ring(h), area: ringArea(h), bound: hb})
			continue
		}
		best.holes = append(best.holes, reversed(h))
	}
	switch len(outers) {
	case 0:
		return nil
	case 1:
		return append(orb.Polygon{outers[0].ring}, outers[0].holes...)
	}
	mp := make(orb.MultiPolygon, len(outers))
	for i, o := range outers {
		mp[i] = append(orb.Polygon{o.ring}, o.holes...)
	}
	return mp
}

// holeInside decides whether hole h lies in ring r by testing its vertices:
// the first vertex strictly inside or outside decides (vertices exactly on
// r's boundary, shared by touching rings, are inconclusive).
func holeInside(h []orb.Point, r orb.Ring) bool {
	inside := 0
	for i, p := range h {
		if inRing(p, r) {
			inside++
		}
		if i >= 2 {
			break
		}
	}
	return inside >= 2 || len(h) < 3 && inside > 0
}

// dbfField is one dBASE field descriptor.
type dbfField struct {
	name     string
	typ      byte
	off, len int // offset within the record (after the deletion flag), width
	decimals int
}

// dbfFile is a parsed .dbf: header, fields and raw records.
type dbfFile struct {
	b         []byte
	n         int // record count from the header
	headerLen int
	recLen    int
	fields    []dbfField
	dec       textDecoder
}

// live counts records not flagged as deleted.
func (d *dbfFile) live() int {
	n := 0
	for row := 1; row <= d.n; row++ {
		if off := d.headerLen + (row-1)*d.recLen; off < len(d.b) && d.b[off] != '*' {
			n++
		}
	}
	return n
}

func parseDBFHeader(b []byte) (*dbfFile, error) {
	if len(b) < 33 {
		return nil, fmt.Errorf("dBASE file of %d bytes is too short", len(b))
	}
	d := &dbfFile{
		b:         b,
		n:         int(binary.LittleEndian.Uint32(b[4:8])),
		headerLen: int(binary.LittleEndian.Uint16(b[8:10])),
		recLen:    int(binary.LittleEndian.Uint16(b[10:12])),
	}
	if d.headerLen < 33 || d.headerLen > len(b) {
		return nil, fmt.Errorf("dBASE header length %d is invalid for a %d-byte file", d.headerLen, len(b))
	}
	if d.recLen < 1 {
		return nil, fmt.Errorf("dBASE record length %d is invalid", d.recLen)
	}
	off := 1 // after the deletion flag
	seen := map[string]bool{}
	for p := 32; p+32 <= d.headerLen && b[p] != 0x0D; p += 32 {
		fd := b[p : p+32]
		name := string(bytes.TrimRight(bytes.SplitN(fd[:11], []byte{0}, 2)[0], " "))
		if !utf8.ValidString(name) {
			name = strings.ToValidUTF8(name, "?")
		}
		if name == "" {
			name = "field_" + strconv.Itoa(len(d.fields)+1)
		}
		for base, k := name, 2; seen[strings.ToLower(name)]; k++ {
			name = base + "_" + strconv.Itoa(k)
		}
		seen[strings.ToLower(name)] = true
		f := dbfField{name: name, typ: fd[11], off: off, len: int(fd[16]), decimals: int(fd[17])}
		if f.typ == 'C' {
			// Clipper/FoxPro store character widths above 255 in the
			// decimal-count byte.
			f.len = int(fd[16]) | int(fd[17])<<8
		}
		off += f.len
		d.fields = append(d.fields, f)
	}
	if off > d.recLen {
		return nil, fmt.Errorf("dBASE fields need %d bytes per record but records are %d bytes", off, d.recLen)
	}
	avail := (len(b) - d.headerLen) / d.recLen
	if d.n > avail {
		return nil, fmt.Errorf("dBASE header announces %d records but the file holds %d", d.n, avail)
	}
	return d, nil
}

type fieldErr struct {
	field string
	err   error
}

// record decodes record row (1-based). damaged lists the text cells whose
// bytes were not clean text (see textDecoder.decode); their values are
// kept as well as they decode.
func (d *dbfFile) record(row int) (props map[string]any, deleted bool, damaged []fieldErr) {
	off := d.headerLen + (row-1)*d.recLen
	rec := d.b[off : off+d.recLen]
	if rec[0] == '*' {
		return nil, true, nil
	}
	props = make(map[string]any, len(d.fields))
	for _, f := range d.fields {
		raw := rec[f.off : f.off+f.len]
		props[f.name] = d.value(f, raw)
		if f.typ == 'C' {
			if err := d.dec.damage(bytes.TrimRight(raw, " \x00")); err != nil {
				damaged = append(damaged, fieldErr{field: f.name, err: err})
			}
		}
	}
	return props, false, damaged
}

// value converts one dBASE cell: C → string (decoded), N/F → int64 or
// float64, L → bool, D → "YYYY-MM-DD"; blank cells → nil. Numeric cells that
// do not parse (such as the "*****" overflow marker) are nil.
func (d *dbfFile) value(f dbfField, raw []byte) any {
	switch f.typ {
	case 'C':
		s := d.dec.decode(bytes.TrimRight(raw, " \x00"))
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return nil
		}
		return s
	case 'N', 'F':
		t := strings.TrimSpace(string(bytes.Trim(raw, "\x00")))
		if t == "" {
			return nil
		}
		if f.typ == 'N' && f.decimals == 0 {
			if n, err := strconv.ParseInt(t, 10, 64); err == nil {
				return n
			}
		}
		if numberKind(t) != kindNone {
			if v, err := strconv.ParseFloat(t, 64); err == nil {
				return v
			}
		}
		return nil
	case 'L':
		switch t := bytes.TrimSpace(raw); {
		case len(t) == 0:
			return nil
		case bytes.ContainsAny(t[:1], "TtYy"):
			return true
		case bytes.ContainsAny(t[:1], "FfNn"):
			return false
		}
		return nil
	case 'D':
		t := strings.TrimSpace(string(bytes.Trim(raw, "\x00")))
		if t == "" || strings.Trim(t, "0") == "" {
			return nil
		}
		if len(t) == 8 && numberKind(t) == kindInt {
			return t[0:4] + "-" + t[4:6] + "-" + t[6:8]
		}
		return t
	case 'I':
		if len(raw) == 4 {
			return int64(int32(binary.LittleEndian.Uint32(raw)))
		}
	case 'O':
		if len(raw) == 8 {
			return math.Float64frombits(binary.LittleEndian.Uint64(raw))
		}
	}
	s := strings.TrimSpace(d.dec.decode(bytes.TrimRight(raw, "\x00")))
	if s == "" {
		return nil
	}
	return s
}

// textDecoder turns dBASE bytes into UTF-8.
type textDecoder struct {
	enc     encoding.Encoding // nil: UTF-8
	declare bool              // the encoding was declared by a .cpg
}

// shapefileDecoder picks the text encoding from the .cpg file. Without one
// (or when it names Big5), text that is valid UTF-8 is taken as UTF-8 and
// anything else is decoded as Big5, the legacy encoding of Taiwanese data.
func shapefileDecoder(shpPath string) textDecoder {
	b, err := os.ReadFile(sidecar(shpPath, ".cpg"))
	if err != nil {
		return textDecoder{enc: traditionalchinese.Big5}
	}
	name := strings.ToUpper(strings.TrimSpace(string(trimBOM(b))))
	switch name {
	case "", "UTF-8", "UTF8", "65001":
		return textDecoder{declare: true}
	case "BIG5", "BIG-5", "CP950", "950", "MS950", "ANSI 950":
		return textDecoder{enc: traditionalchinese.Big5}
	case "GBK", "CP936", "936", "ANSI 936":
		return textDecoder{enc: simplifiedchinese.GBK, declare: true}
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(name, "ANSI "), "CP")); err == nil {
		name = "windows-" + strconv.Itoa(n)
	}
	if e, err := ianaindex.IANA.Encoding(name); err == nil && e != nil {
		return textDecoder{enc: e, declare: true}
	}
	return textDecoder{enc: traditionalchinese.Big5}
}

// Damage found in text cells, reported as Layer.Warnings.
var (
	// ErrTextCut: declared UTF-8 text ends in part of a character, because
	// the field's fixed width cut it; the fragment is dropped.
	ErrTextCut = errors.New("text is cut mid-character by the field width; the partial character was dropped")
	// ErrTextReplaced: the stored text already holds U+FFFD replacement
	// characters, so an earlier conversion lost the original characters.
	ErrTextReplaced = errors.New("text holds U+FFFD replacement characters: the original characters were lost before the file was written")
	// ErrTextEncoding: bytes that are not valid in the declared encoding.
	ErrTextEncoding = errors.New("text is not valid in the file's encoding; invalid bytes were replaced")
)

// damage says what, if anything, is wrong with the bytes of one text cell,
// so that readers can report the row and field instead of silently
// keeping mangled names.
func (t textDecoder) damage(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if t.enc == nil || !t.declare && utf8.Valid(b) {
		switch {
		case !utf8.Valid(b) && utf8.Valid(b[:lastRuneStart(b)]):
			return ErrTextCut
		case !utf8.Valid(b):
			return ErrTextEncoding
		case bytes.ContainsRune(b, utf8.RuneError):
			return ErrTextReplaced
		}
		return nil
	}
	if _, err := t.enc.NewDecoder().Bytes(b); err != nil {
		return ErrTextEncoding
	}
	return nil
}

// lastRuneStart returns the offset of the last UTF-8 lead byte in b (the
// start of a possibly incomplete final character).
func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return len(b)
}

func (t textDecoder) decode(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if t.enc == nil {
		// Declared UTF-8: a fixed-width field can cut the last character
		// in half; drop such fragments rather than keep invalid text.
		if utf8.Valid(b) {
			return string(b)
		}
		return strings.ToValidUTF8(string(b), "")
	}
	if !t.declare && utf8.Valid(b) {
		return string(b)
	}
	s, err := t.enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}
