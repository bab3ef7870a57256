package layer

import (
	"errors"
	"unicode/utf8"
)

// This file holds the GeoJSON stream's shortcuts through the JSON scanner.
// Each either takes the form it is sure of, with the outcome the exact
// path would have, or leaves the scanner where it was for the exact path,
// so that values and errors stay those of Read.

// plainString consumes a string without escapes or control characters,
// returning its bytes (valid only while the file is); false, with the
// scanner unmoved, for any other value.
func (s *jsonScanner) plainString() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	for i := s.i + 1; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			raw := s.b[s.i+1 : i]
			s.i = i + 1
			return raw, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// key reads an object key as object does, without allocating for a plain
// one: the bytes are valid only while the file is.
func (s *jsonScanner) key() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.errf("expected object key")
	}
	start := s.i
	if raw, ok := s.plainString(); ok && utf8.Valid(raw) {
		return raw, nil
	}
	s.i = start
	k, err := s.str()
	return []byte(k), err
}

// isNumberByte is a byte numberText takes into a number.
func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// strictNumber consumes a number in JSON's own grammar, which
// strconv.ParseFloat always accepts, returning its text; false, with the
// scanner unmoved, for anything else (which numberText and ParseFloat
// then judge).
func (s *jsonScanner) strictNumber() ([]byte, bool) {
	s.ws()
	b, i := s.b, s.i
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	if i < len(b) && isNumberByte(b[i]) {
		return nil, false // numberText would read on
	}
	t := b[s.i:i]
	s.i = i
	return t, true
}

// fastPow10 are the powers of ten a float64 holds exactly.
var fastPow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat reads a number as float does. A decimal without exponent of
// at most 15 digits, nearly every coordinate, is its digits divided by a
// power of ten, both exact in a float64, so the one division rounds as
// ParseFloat does; the rest goes to float.
func (s *jsonScanner) fastFloat() (float64, error) {
	start := s.i
	t, ok := s.strictNumber()
	if !ok {
		return s.float()
	}
	neg := t[0] == '-'
	if neg {
		t = t[1:]
	}
	var m uint64
	digits, frac, dot := 0, 0, false
	for _, c := range t {
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.':
			dot = true
		default: // an exponent
			s.i = start
			return s.float()
		}
	}
	if digits > 15 {
		s.i = start
		return s.float()
	}
	v := float64(m) / fastPow10[frac]
	if neg {
		v = -v
	}
	return v, nil
}

// skipValue consumes a value as skip does, with the same errors, without
// allocating for plain strings and numbers, nearly all of a file's.
func (s *jsonScanner) skipValue() error {
	switch c := s.peek(); {
	case c == '"':
		if _, ok := s.plainString(); ok {
			return nil
		}
	case c == '-' || c >= '0' && c <= '9':
		if _, ok := s.strictNumber(); ok {
			return nil
		}
	}
	return s.skip()
}

var errLax = errors.New("malformed JSON")

// skipLax consumes a value by its brackets and quotes alone, checking
// neither numbers, literals, escapes nor depth, for the GeoJSON stream's
// first pass over features, which the second pass reads exactly. It fails
// on what it cannot step over.
func (s *jsonScanner) skipLax() error {
	depth := 0
	for {
		c := s.peek()
		switch {
		case c == '{' || c == '[':
			depth++
			s.i++
			continue
		case c == '}' || c == ']':
			if depth == 0 {
				return errLax
			}
			depth--
			s.i++
		case c == '"':
			i := s.i + 1
			for i < len(s.b) && s.b[i] != '"' {
				if s.b[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(s.b) {
				return errLax
			}
			s.i = i + 1
		case c == ',' || c == ':':
			if depth == 0 {
				return errLax
			}
			s.i++
			continue
		case c == 0:
			return errLax
		default:
			start := s.i
			for s.i < len(s.b) && (isNumberByte(s.b[s.i]) || s.b[s.i] >= 'a' && s.b[s.i] <= 'z') {
				s.i++
			}
			if s.i == start {
				return errLax
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

// members is object with the keys as bytes (see key), valid only while
// the file is: the same errors, without a string a key.
func (s *jsonScanner) members(member func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		k, err := s.key()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(k); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errf("expected ',' or '}' in object")
		}
	}
}

// laxMembers iterates an object's members for the first pass (see
// skipLax).
func (s *jsonScanner) laxMembers(member func(key []byte) error) error {
	if s.peek() != '{' {
		return errLax
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		k, err := s.key()
		if err != nil {
			return err
		}
		if s.peek() != ':' {
			return errLax
		}
		s.i++
		if err := member(k); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errLax
		}
	}
}

// geometryType reads a geometry's "type" as str does, without allocating
// for the GeoJSON type names.
func (s *jsonScanner) geometryType() (string, error) {
	start := s.i
	if b, ok := s.plainString(); ok {
		for _, t := range geometryTypes {
			if t == string(b) {
				return t, nil
			}
		}
	}
	s.i = start
	return s.str()
}

// geometryTypes are the GeoJSON geometry type names.
var geometryTypes = [...]string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}
