package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	if code, out, errs := runCmd(t, "privacy", "purge", "--db", url); code != 0 || !strings.Contains(out, `"contacts":1`) {
		t.Fatalf("purge: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := runCmd(t, "privacy", "erase", "--db", url, "--privacy-secret-file", secretFile, "--contact", "0933-000-222"); code != 0 || !strings.Contains(out, `"contacts":1`) {
		t.Fatalf("erase: exit %d %s %s", code, out, errs)
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
