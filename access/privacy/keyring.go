package privacy

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// KeyBytes is the length of a contact key: AES-256.
const KeyBytes = 32

// sealVersion is the first byte of every ciphertext this package writes.
const sealVersion = 1

// keyIDPattern is what a key id may look like: short, so it fits the
// ciphertext header, and printable, so it can be named in errors.
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Keyring holds the contact keys by id; Seal uses the current one, Open
// whichever key a ciphertext names. Rotation adds a key and makes it
// current; old ciphertexts stay readable until they are re-sealed.
type Keyring struct {
	current string
	order   []string
	aeads   map[string]cipher.AEAD
}

// ParseKeyring reads a keyring file: one key a line, "ID HEX" with 64 hex
// digits, the last line current. Blank lines and lines starting with '#'
// are skipped. A line holding only 64 hex digits is the key with id "0":
// the form of the dumping desk's earlier contact key file.
func ParseKeyring(b []byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, hexKey, ok := strings.Cut(line, " ")
		if !ok {
			id, hexKey = "0", line
		}
		if err := k.add(id, strings.TrimSpace(hexKey)); err != nil {
			return nil, fmt.Errorf("keyring line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if k.current == "" {
		return nil, errors.New("keyring holds no key")
	}
	return k, nil
}

func (k *Keyring) add(id, hexKey string) error {
	if !keyIDPattern.MatchString(id) {
		return fmt.Errorf("key id %q: want 1-32 letters, digits, '.', '_' or '-'", id)
	}
	if _, dup := k.aeads[id]; dup {
		return fmt.Errorf("key id %q appears twice", id)
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) != KeyBytes {
		return fmt.Errorf("key %q: want %d hex digits", id, 2*KeyBytes)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return err
	}
	k.aeads[id] = g
	k.order = append(k.order, id)
	k.current = id
	return nil
}

// LoadKeyring reads the keyring file at path.
func LoadKeyring(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("privacy keyring: %w", err)
	}
	k, err := ParseKeyring(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// NewKeyLine makes a fresh random key as a keyring line "ID HEX".
func NewKeyLine(id string) (string, error) {
	if !keyIDPattern.MatchString(id) {
		return "", fmt.Errorf("key id %q: want 1-32 letters, digits, '.', '_' or '-'", id)
	}
	key := make([]byte, KeyBytes)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	return id + " " + hex.EncodeToString(key), nil
}

// Current is the id of the key Seal uses.
func (k *Keyring) Current() string { return k.current }

// Seal encrypts plain under the current key. aad binds the ciphertext to
// its place (for example "dumping_reports.contact"), so a ciphertext
// copied to another column does not open.
func (k *Keyring) Seal(plain, aad string) ([]byte, error) {
	g := k.aeads[k.current]
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{sealVersion, byte(len(k.current))}, k.current...)
	out = append(out, nonce...)
	return g.Seal(out, nonce, []byte(plain), []byte(aad)), nil
}

// KeyID is the id of the key sealed was sealed under.
func KeyID(sealed []byte) (string, error) {
	if len(sealed) < 2 || sealed[0] != sealVersion || len(sealed) < 2+int(sealed[1]) {
		return "", errors.New("privacy: not a sealed value (bad header)")
	}
	return string(sealed[2 : 2+int(sealed[1])]), nil
}

// Open decrypts sealed with the key it names.
func (k *Keyring) Open(sealed []byte, aad string) (string, error) {
	id, err := KeyID(sealed)
	if err != nil {
		return "", err
	}
	g, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("privacy: sealed under key %q, which the keyring does not hold", id)
	}
	rest := sealed[2+len(id):]
	if len(rest) < g.NonceSize() {
		return "", errors.New("privacy: sealed value too short")
	}
	b, err := g.Open(nil, rest[:g.NonceSize()], rest[g.NonceSize():], []byte(aad))
	if err != nil {
		return "", fmt.Errorf("privacy: sealed value does not open under key %q (tampered, or sealed for another column): %w", id, err)
	}
	return string(b), nil
}

// Reseal opens sealed and seals it again under the current key; it
// reports false, and returns sealed unchanged, when the key is already
// current.
func (k *Keyring) Reseal(sealed []byte, aad string) ([]byte, bool, error) {
	id, err := KeyID(sealed)
	if err != nil {
		return nil, false, err
	}
	if id == k.current {
		return sealed, false, nil
	}
	plain, err := k.Open(sealed, aad)
	if err != nil {
		return nil, false, err
	}
	out, err := k.Seal(plain, aad)
	return out, err == nil, err
}
