package layer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// This file is a small JSON scanner specialised for GeoJSON. It exists
// because the generic encoding/json path is slow on large coordinate arrays
// (every number boxed in an interface) and loses the order of property
// keys, which Layer.Fields must keep. It works on the whole file in memory,
// limits nesting depth, and reports byte offsets in its errors.

const maxJSONDepth = 256

type jsonScanner struct {
	b     []byte
	i     int
	depth int
}

type jsonSyntaxError struct {
	off int
	msg string
}

// Error reports the byte offset so a user can find the fault in an editor.
func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("JSON syntax error at offset %d: %s", e.off, e.msg)
}

func (s *jsonScanner) errf(format string, args ...any) error {
	return &jsonSyntaxError{off: s.i, msg: fmt.Sprintf(format, args...)}
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jsonScanner) expect(c byte) error {
	if s.peek() != c {
		if s.i >= len(s.b) {
			return s.errf("expected %q, got end of input", c)
		}
		return s.errf("expected %q, got %q", c, s.b[s.i])
	}
	s.i++
	return nil
}

func (s *jsonScanner) enter() error {
	s.depth++
	if s.depth > maxJSONDepth {
		return s.errf("nested deeper than %d", maxJSONDepth)
	}
	return nil
}

func (s *jsonScanner) leave() { s.depth-- }

// object iterates the members of an object, calling member with each key
// while the scanner is positioned at the value; member must consume it.
func (s *jsonScanner) object(member func(key string) error) error {
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
		if s.peek() != '"' {
			return s.errf("expected object key")
		}
		k, err := s.str()
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

// array iterates the elements of an array, calling elem for each while the
// scanner is positioned at it; elem must consume it.
func (s *jsonScanner) array(elem func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errf("expected ',' or ']' in array")
		}
	}
}

// str reads a string; escapes are decoded by encoding/json.
func (s *jsonScanner) str() (string, error) {
	if err := s.expect('"'); err != nil {
		return "", err
	}
	start := s.i
	escaped := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			if !escaped {
				if !utf8.Valid(raw) {
					return string([]rune(string(raw))), nil // replace invalid bytes with U+FFFD
				}
				return string(raw), nil
			}
			var out string
			if err := json.Unmarshal(s.b[start-1:s.i], &out); err != nil {
				return "", &jsonSyntaxError{off: start, msg: "bad string escape"}
			}
			return out, nil
		case c == '\\':
			escaped = true
			s.i += 2
		case c < 0x20:
			return "", s.errf("control character in string")
		default:
			s.i++
		}
	}
	return "", &jsonSyntaxError{off: start - 1, msg: "unterminated string"}
}

// numberText consumes a JSON number and returns its text.
func (s *jsonScanner) numberText() ([]byte, error) {
	s.ws()
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	if start == s.i {
		if s.i >= len(s.b) {
			return nil, s.errf("expected a number, got end of input")
		}
		return nil, s.errf("expected a number, got %q", s.b[s.i])
	}
	return s.b[start:s.i], nil
}

func (s *jsonScanner) float() (float64, error) {
	start := s.i
	t, err := s.numberText()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(string(t), 64)
	if err != nil {
		return 0, &jsonSyntaxError{off: start, msg: fmt.Sprintf("bad number %q", t)}
	}
	return v, nil
}

// literal consumes true, false or null.
func (s *jsonScanner) literal(word string) error {
	s.ws()
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.errf("invalid literal")
	}
	s.i += len(word)
	return nil
}

// scalar reads a property value: strings, numbers (int64 when written as
// an integer that fits, else float64), booleans and null. Objects and
// arrays are kept as their compact JSON text.
func (s *jsonScanner) scalar() (any, error) {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	case c == '{' || c == '[':
		start := s.i
		if err := s.skip(); err != nil {
			return nil, err
		}
		return string(s.b[start:s.i]), nil
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		t, err := s.numberText()
		if err != nil {
			return nil, err
		}
		isInt := true
		for _, c := range t {
			if c == '.' || c == 'e' || c == 'E' {
				isInt = false
				break
			}
		}
		if isInt {
			if n, err := strconv.ParseInt(string(t), 10, 64); err == nil {
				return n, nil
			}
		}
		v, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			var ne *strconv.NumError
			if !errors.As(err, &ne) || !errors.Is(ne.Err, strconv.ErrRange) {
				return nil, &jsonSyntaxError{off: start, msg: fmt.Sprintf("bad number %q", t)}
			}
		}
		return v, nil
	case c == 0:
		return nil, s.errf("unexpected end of input")
	default:
		return nil, s.errf("unexpected %q", c)
	}
}

// skip consumes any value.
func (s *jsonScanner) skip() error {
	switch c := s.peek(); c {
	case '{':
		return s.object(func(string) error { return s.skip() })
	case '[':
		return s.array(s.skip)
	default:
		_, err := s.scalar()
		return err
	}
}

// end checks that only white space follows the top-level value.
func (s *jsonScanner) end() error {
	if s.ws(); s.i < len(s.b) {
		return s.errf("unexpected data after the top-level value")
	}
	return nil
}
