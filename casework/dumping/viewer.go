package dumping

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
)

// Role is what a viewer is to the desk.
type Role string

// Roles.
const (
	// RolePublic may report, and see public summaries with fuzzed
	// locations.
	RolePublic Role = "public"
	// RoleAgency is staff of one agency: its own queue, its own reports,
	// its patrol log.
	RoleAgency Role = "agency"
	// RoleCentre is the contact platform's staff: everything, the
	// reporters' contacts and the service-level dashboard included.
	RoleCentre Role = "centre"
)

// Viewer is who asks. The desk decides every object-level question from
// it: an agency never sees another agency's reports or queue.
type Viewer struct {
	Role   Role
	Agency string
	// Name identifies the person or system for the audit trail.
	Name string
}

// String describes the viewer for audit records and errors.
func (v Viewer) String() string {
	switch v.Role {
	case RoleAgency:
		return fmt.Sprintf("agency %s (%s)", v.Agency, v.Name)
	case RoleCentre:
		return fmt.Sprintf("centre (%s)", v.Name)
	}
	return "the public"
}

// Public is the anonymous viewer.
var Public = Viewer{Role: RolePublic}

// system acts for the desk itself (routing, escalation).
var system = Viewer{Role: RoleCentre, Name: "system"}

// canHandle says whether v may see the whole report and act on it: the
// centre always, an agency while the report is its own.
func canHandle(v Viewer, r *Report) bool {
	return v.Role == RoleCentre || v.Role == RoleAgency && v.Agency != "" && r.AgencyID == v.Agency
}

// ContactSealer seals reporters' contacts so the store never holds them
// in clear; only the centre opens them.
type ContactSealer interface {
	Seal(plain string) ([]byte, error)
	Open(sealed []byte) (string, error)
}

// AESSealer seals with AES-256-GCM and a random nonce per contact.
type AESSealer struct{ aead cipher.AEAD }

// NewAESSealer takes a 32-byte key.
func NewAESSealer(key []byte) (*AESSealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("dumping: contact key must be 32 bytes, got %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &AESSealer{aead: g}, nil
}

// Seal implements ContactSealer.
func (s *AESSealer) Seal(plain string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, []byte(plain), []byte("envtrace-contact")), nil
}

// Open implements ContactSealer.
func (s *AESSealer) Open(sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("dumping: sealed contact too short")
	}
	b, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte("envtrace-contact"))
	if err != nil {
		return "", fmt.Errorf("dumping: contact cannot be opened with this key: %w", err)
	}
	return string(b), nil
}

// FuzzM is the grid the public view snaps locations to: 200 m, enough to
// find a dump, not enough to point at the house of a reporter standing
// next to it.
const FuzzM = 200

// Fuzz snaps (x, y) to the centre of its FuzzM grid cell.
func Fuzz(x, y float64) (float64, float64) {
	c := func(v float64) float64 { return math.Floor(v/FuzzM)*FuzzM + FuzzM/2 }
	return c(x), c(y)
}
