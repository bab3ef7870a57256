package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
)

// TestPrivacyCommands rotates the contact key, purges by retention and
// answers an erasure request from the command line.
func TestPrivacyCommands(t *testing.T) {
	url := storetest.DatabaseURL(t)
	ctx := context.Background()
	if code, out, errs := runCmd(t, "db", "migrate", "--db", url); code != 0 {
		t.Fatalf("migrate: exit %d %s %s", code, out, errs)
	}
	dir := t.TempDir()
	line, _ := privacy.NewKeyLine("first")
	keyFile := filepath.Join(dir, "contacts.keys")
	secretFile := filepath.Join(dir, "privacy.secret")
	if err := os.WriteFile(keyFile, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secretFile, []byte(strings.Repeat("4d", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, _ := privacy.ParseKeyring([]byte(line))
	secret, _ := privacy.LoadSecret("", secretFile)
	pool, err := postgis.Open(ctx, url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pd := store.NewPersonalData(pool)
	now := time.Now()
	for i, c := range []struct {
		contact string
		at      time.Time
	}{{"0933000111", now.AddDate(-3, 0, 0)}, {"0933000222", now}, {"ngo@example.tw", now}} {
		sealed, _ := keys.Seal(c.contact, store.ContactAAD)
		if err := pd.PutContact(ctx, privacy.KindPetitionContact, fmt.Sprint("P", i), secret.Subject(c.contact), sealed, c.at); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runCmd(t, "privacy", "rotate-key", "--db", url, "--privacy-key-file", keyFile, "--new-id", "second")
	if code != 0 || !strings.Contains(out, "current key second; 3 contacts re-sealed") {
		t.Fatalf("rotate-key: exit %d %s %s", code, out, errs)
	}
	rotated, err := privacy.LoadKeyring(keyFile)
	if err != nil || rotated.Current() != "second" {
		t.Fatalf("keyring after rotation: %v", err)
	}
	sealed, _ := pd.Contact(ctx, privacy.KindPetitionContact, "P2")
	if c, err := rotated.Open(sealed, store.ContactAAD); err != nil || c != "ngo@example.tw" {
		t.Fatalf("contact after rotation %q, %v", c, err)
	}
	// Purge and erase are audited: without the audit key they refuse.
	if code, _, errs := runCmd(t, "privacy", "purge", "--db", url); code != 2 || !strings.Contains(errs, "ENVTRACE_AUDIT_KEY") {
		t.Fatalf("purge without the audit key: exit %d %s", code, errs)
	}
	t.Setenv("ENVTRACE_AUDIT_KEY", strings.Repeat("5a", 32))
	var before int64
	if err := pool.QueryRow(ctx, `select coalesce(max(seq), 0) from audit_log`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCmd(t, "privacy", "purge", "--db", url); code != 0 || !strings.Contains(out, `"contacts":1`) {
		t.Fatalf("purge: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := runCmd(t, "privacy", "erase", "--db", url, "--privacy-secret-file", secretFile, "--contact", "0933-000-222"); code != 0 || !strings.Contains(out, `"contacts":1`) {
		t.Fatalf("erase: exit %d %s %s", code, out, errs)
	}
	var resources []string
	rows, err := pool.Query(ctx, `select resource || ' ' || encode(request_digest, 'hex') from audit_log where seq > $1 order by seq`, before)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		resources = append(resources, r)
	}
	if len(resources) != 2 || !strings.HasPrefix(resources[0], "CLI privacy purge ") || !strings.HasPrefix(resources[1], "CLI privacy erase ") {
		t.Fatalf("audit entries %q: want the purge, then the erasure", resources)
	}
	// The erasure's digest is of the keyed blind index, not of the phone
	// number, which a digest of so few digits would give away.
	if clear := audit.Digest([]byte("0933-000-222")); strings.HasSuffix(resources[1], fmt.Sprintf("%x", clear)) {
		t.Error("the erasure's audit digest is the contact's own digest")
	}
	if c, _ := pd.Contact(ctx, privacy.KindPetitionContact, "P1"); c != nil {
		t.Error("the erased contact is still stored")
	}
	if c, _ := pd.Contact(ctx, privacy.KindPetitionContact, "P2"); c == nil {
		t.Error("erasure took another person's contact")
	}
	if code, _, errs := runCmd(t, "privacy", "erase", "--db", url, "--contact", "x"); code != 2 || !strings.Contains(errs, "PRIVACY_SECRET") {
		t.Fatalf("erase without a secret: exit %d %s", code, errs)
	}
}
