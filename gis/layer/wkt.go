package layer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// This file parses WKT and EWKT ("SRID=4269;POINT (...)"), the geometry
// text in CSV exports. Z and M ordinates are accepted and dropped.

const maxWKTDepth = 32

type wktParser struct {
	s string
	i int
	// slab, when set, keeps the points of the geometries parsed (a
	// streaming reader's), and pts is the scratch they are read into.
	slab *pointSlab
	pts  []orb.Point
}

// parseEWKT parses WKT with an optional "SRID=n;" prefix, returning the
// SRID (0 when absent). EMPTY geometries parse as nil.
func parseEWKT(s string) (orb.Geometry, int, error) {
	var p wktParser
	return p.ewkt(s)
}

// ewkt is parseEWKT with the parser's slab and scratch.
func (p *wktParser) ewkt(s string) (orb.Geometry, int, error) {
	s = strings.TrimSpace(s)
	srid := 0
	if len(s) >= 5 && strings.EqualFold(s[:5], "SRID=") {
		semi := strings.IndexByte(s, ';')
		if semi < 0 {
			return nil, 0, errors.New("EWKT: SRID= without ';'")
		}
		n, err := strconv.Atoi(strings.TrimSpace(s[5:semi]))
		if err != nil || n < 0 {
			return nil, 0, fmt.Errorf("EWKT: bad SRID %q", s[5:semi])
		}
		srid = n
		s = s[semi+1:]
	}
	p.s, p.i = s, 0
	g, err := p.geometry(0)
	if err == nil {
		p.ws()
		if p.i != len(p.s) {
			err = fmt.Errorf("WKT: unexpected %q after geometry", clip(p.s[p.i:]))
		}
	}
	p.s = "" // s may be a view of a row's bytes (CSV.Geometry): not kept
	if err != nil {
		return nil, 0, err
	}
	return g, srid, nil
}

// looksLikeWKT reports whether s is a WKT or EWKT geometry; CSV readers use
// it to find a geometry column that is not named like one. It parses s in
// full, so text such as "Point Reyes" is not mistaken for a geometry.
func looksLikeWKT(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 5 {
		return false
	}
	if !strings.EqualFold(s[:5], "SRID=") {
		p := &wktParser{s: s}
		w := strings.ToUpper(p.word())
		if !wktTypes[w] && !wktTypes[strings.TrimSuffix(strings.TrimSuffix(w, "M"), "Z")] {
			return false
		}
	}
	_, _, err := parseEWKT(s)
	return err == nil
}

var wktTypes = map[string]bool{
	"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true,
	"MULTILINESTRING": true, "MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true,
}

func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

func (p *wktParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *wktParser) word() string {
	p.ws()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *wktParser) peek() byte {
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *wktParser) expect(c byte) error {
	if p.peek() != c {
		if p.i >= len(p.s) {
			return fmt.Errorf("WKT: expected %q, got end of text", c)
		}
		return fmt.Errorf("WKT: expected %q at offset %d, got %q", c, p.i, clip(p.s[p.i:]))
	}
	p.i++
	return nil
}

// geometry parses "TYPE [Z|M|ZM] (EMPTY | body)".
func (p *wktParser) geometry(depth int) (orb.Geometry, error) {
	if depth > maxWKTDepth {
		return nil, errors.New("WKT: nested too deeply")
	}
	typ := strings.ToUpper(p.word())
	if typ == "" {
		if p.i >= len(p.s) {
			return nil, errors.New("WKT: empty text")
		}
		return nil, fmt.Errorf("WKT: expected a geometry type at offset %d, got %q", p.i, clip(p.s[p.i:]))
	}
	if !wktTypes[typ] {
		// POINTZ, LINESTRINGM, ... written without a space.
		t := strings.TrimSuffix(strings.TrimSuffix(typ, "M"), "Z")
		if !wktTypes[t] {
			return nil, fmt.Errorf("WKT: unknown geometry type %q", typ)
		}
		typ = t
	}
	save := p.i
	switch strings.ToUpper(p.word()) {
	case "Z", "M", "ZM":
	case "EMPTY":
		return nil, nil
	default:
		p.i = save
	}
	save = p.i
	if strings.ToUpper(p.word()) == "EMPTY" {
		return nil, nil
	}
	p.i = save

	switch typ {
	case "POINT":
		if err := p.expect('('); err != nil {
			return nil, err
		}
		pt, err := p.coord()
		if err != nil {
			return nil, err
		}
		return pt, p.expect(')')
	case "LINESTRING":
		ps, err := p.coords()
		return orb.LineString(ps), err
	case "POLYGON":
		return p.polygon()
	case "MULTIPOINT":
		if err := p.expect('('); err != nil {
			return nil, err
		}
		var mp orb.MultiPoint
		for {
			// Both MULTIPOINT ((1 2), (3 4)) and MULTIPOINT (1 2, 3 4).
			paren := p.peek() == '('
			if paren {
				p.i++
			}
			pt, err := p.coord()
			if err != nil {
				return nil, err
			}
			if paren {
				if err := p.expect(')'); err != nil {
					return nil, err
				}
			}
			mp = append(mp, pt)
			if p.peek() != ',' {
				break
			}
			p.i++
		}
		return mp, p.expect(')')
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		err := p.list(func() error {
			ps, err := p.coords()
			ml = append(ml, ps)
			return err
		})
		return ml, err
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		err := p.list(func() error {
			pg, err := p.polygon()
			mp = append(mp, pg)
			return err
		})
		return mp, err
	default: // GEOMETRYCOLLECTION
		var c orb.Collection
		err := p.list(func() error {
			g, err := p.geometry(depth + 1)
			if g != nil {
				c = append(c, g)
			}
			return err
		})
		return c, err
	}
}

// list parses "( item {, item} )".
func (p *wktParser) list(item func() error) error {
	if err := p.expect('('); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if p.peek() != ',' {
			break
		}
		p.i++
	}
	return p.expect(')')
}

func (p *wktParser) polygon() (orb.Polygon, error) {
	var pg orb.Polygon
	err := p.list(func() error {
		ps, err := p.coords()
		pg = append(pg, orb.Ring(ps))
		return err
	})
	return pg, err
}

// coords parses "( coord {, coord} )".
func (p *wktParser) coords() ([]orb.Point, error) {
	ps := p.pts[:0]
	err := p.list(func() error {
		pt, err := p.coord()
		ps = append(ps, pt)
		return err
	})
	p.pts = ps
	// Held for as long as the network is: exactly its length, not the
	// capacity append grew to (64 B instead of 48 for three points).
	if p.slab != nil {
		return p.slab.line(ps), err
	}
	return append([]orb.Point(nil), ps...), err
}

// coord parses two to four numbers and keeps the first two.
func (p *wktParser) coord() (orb.Point, error) {
	var pt orb.Point
	n := 0
	for {
		p.ws()
		start := p.i
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' {
				p.i++
				continue
			}
			break
		}
		if start == p.i {
			break
		}
		v, err := strconv.ParseFloat(p.s[start:p.i], 64)
		if err != nil {
			return pt, fmt.Errorf("WKT: bad number %q", p.s[start:p.i])
		}
		if n < 2 {
			pt[n] = v
		}
		n++
	}
	if n < 2 || n > 4 {
		return pt, fmt.Errorf("WKT: coordinate with %d numbers at offset %d", n, p.i)
	}
	return pt, nil
}
