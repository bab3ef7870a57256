package audit

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// MinKeyBytes is the shortest key accepted: an HMAC-SHA256 key shorter
// than the hash's output weakens it.
const MinKeyBytes = 32

// Environment variables internal/config reads the key from, named in
// LoadKey's error.
const (
	EnvKey     = "ENVTRACE_AUDIT_KEY"
	EnvKeyFile = "ENVTRACE_AUDIT_KEY_FILE"
)

// ParseKey reads a key written as hexadecimal digits (surrounding
// whitespace ignored), the form `openssl rand -hex 32` prints. It refuses
// a key shorter than MinKeyBytes.
func ParseKey(b []byte) ([]byte, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, errors.New("audit key is empty")
	}
	key := make([]byte, hex.DecodedLen(len(t)))
	if _, err := hex.Decode(key, t); err != nil {
		return nil, fmt.Errorf("audit key: want hexadecimal digits (openssl rand -hex 32): %w", err)
	}
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("audit key has %d bytes, want at least %d (64 hex digits)", len(key), MinKeyBytes)
	}
	return key, nil
}

// LoadKey returns the key given as hex in value, or else read from the file
// at path; the key lives outside the database so that whoever can write the
// database cannot recompute the chain.
func LoadKey(value, path string) ([]byte, error) {
	if value != "" {
		return ParseKey([]byte(value))
	}
	if path == "" {
		return nil, fmt.Errorf("no audit key: set %s or %s (64 hex digits)", EnvKeyFile, EnvKey)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key file: %w", err)
	}
	k, err := ParseKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
