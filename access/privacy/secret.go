package privacy

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// Secret keys location fuzzing and the blind index. It must stay outside
// the database: with it, a fuzzed point can be tried against candidate
// homes.
type Secret []byte

// ParseSecret reads a secret written as at least 64 hex digits.
func ParseSecret(b []byte) (Secret, error) {
	s, err := hex.DecodeString(string(bytes.TrimSpace(b)))
	if err != nil {
		return nil, fmt.Errorf("privacy secret: want hexadecimal digits: %w", err)
	}
	if len(s) < 32 {
		return nil, fmt.Errorf("privacy secret has %d bytes, want at least 32", len(s))
	}
	return s, nil
}

// LoadSecret returns the secret given in hex as value, or read from path.
func LoadSecret(value, path string) (Secret, error) {
	if value != "" {
		return ParseSecret([]byte(value))
	}
	if path == "" {
		return nil, fmt.Errorf("no privacy secret: set ENVTRACE_PRIVACY_SECRET_FILE or ENVTRACE_PRIVACY_SECRET (64 hex digits)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("privacy secret: %w", err)
	}
	s, err := ParseSecret(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func (s Secret) mac(domain string, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, s)
	h.Write([]byte(domain))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write(p)
	}
	return h.Sum(nil)
}

// Subject is the blind index of a person's contact: a keyed hash of the
// contact normalised (e-mail lower-cased; a phone's digits only, with a
// leading +886 read as 0), so that an erasure request names the person by
// phone or e-mail and finds every record without any contact in clear.
func (s Secret) Subject(contact string) string {
	return hex.EncodeToString(s.mac("envtrace-subject-v1", []byte(NormalizeContact(contact))))[:32]
}

// NormalizeContact is the form Subject hashes.
func NormalizeContact(c string) string {
	c = strings.TrimSpace(c)
	if strings.Contains(c, "@") {
		return strings.ToLower(c)
	}
	var d strings.Builder
	for _, r := range c {
		if unicode.IsDigit(r) {
			d.WriteRune(r)
		}
	}
	digits := d.String()
	if strings.HasPrefix(c, "+886") {
		digits = "0" + strings.TrimPrefix(digits, "886")
	}
	if len(digits) >= 8 {
		return digits
	}
	return strings.ToLower(c)
}
