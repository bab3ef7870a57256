package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/store"
)

const privacyUsage = `usage: envtrace privacy rotate-key --db URL [--privacy-key-file FILE] [--new-id ID | --reseal-only]
       envtrace privacy purge --db URL [--audit-key-file FILE] [--now T]
       envtrace privacy erase --db URL [--audit-key-file FILE] [--privacy-secret-file FILE] [--privacy-key-file FILE] --contact PHONE_OR_EMAIL`

func cmdPrivacy(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErr(privacyUsage)
	}
	switch args[0] {
	case "rotate-key":
		return cmdRotateKey(ctx, e, args[1:])
	case "purge":
		return cmdPurge(ctx, e, args[1:])
	case "erase":
		return cmdErase(ctx, e, args[1:])
	}
	return usageErr(privacyUsage)
}

// keyringPath is the configured contact keyring file.
func (e *env) keyringPath() string {
	if e.cfg.Privacy.KeyFile != "" {
		return e.cfg.Privacy.KeyFile
	}
	return e.cfg.Dumping.ContactKeyFile
}

// cmdRotateKey adds a fresh key to the keyring file, makes it current, and
// re-seals every stored contact under it.
func cmdRotateKey(ctx context.Context, e *env, args []string) error {
	fs := e.flags("privacy rotate-key")
	e.cfg.Bind(fs, "db", "privacy-key-file")
	newID := fs.String("new-id", "k"+time.Now().UTC().Format("20060102T150405"), "id of the new key")
	resealOnly := fs.Bool("reseal-only", false, "add no key: re-seal under the file's current (last) key, e.g. after an interrupted rotation")
	if err := parse(fs, args); err != nil {
		return err
	}
	path := e.keyringPath()
	if path == "" {
		return usageErr("give --privacy-key-file FILE (or ENVTRACE_PRIVACY_KEY_FILE)")
	}
	if !*resealOnly {
		if err := appendKey(path, *newID); err != nil {
			return err
		}
	}
	keys, err := privacy.LoadKeyring(path)
	if err != nil {
		return err
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := store.NewPersonalData(pool).RotateContacts(ctx, keys, func(done int) {
		fmt.Fprintf(e.stderr, "privacy rotate-key: %d contacts re-sealed\n", done)
	})
	if err != nil {
		return fmt.Errorf("%w (the keyring keeps every key: run again with --reseal-only to finish)", err)
	}
	fmt.Fprintf(e.stdout, "current key %s; %d contacts re-sealed. Keep the older keys until backups sealed under them expire.\n", keys.Current(), n)
	return nil
}

// appendKey writes the keyring with a new key last, replacing the file
// atomically so a crash leaves the old file or the new one.
func appendKey(path, id string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("privacy keyring: %w", err)
	}
	if _, err := privacy.ParseKeyring(old); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	line, err := privacy.NewKeyLine(id)
	if err != nil {
		return err
	}
	body := strings.TrimRight(string(old), "\n") + "\n" + line + "\n"
	if _, err := privacy.ParseKeyring([]byte(body)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keyring-*")
	if err != nil {
		return fmt.Errorf("privacy keyring: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(body); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("privacy keyring: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("privacy keyring: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("privacy keyring: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("privacy keyring: %w", err)
	}
	return nil
}

// cmdPurge erases the personal data past its retention period.
func cmdPurge(ctx context.Context, e *env, args []string) error {
	fs := e.flags("privacy purge")
	e.cfg.Bind(fs, "db", "audit-key-file")
	at := fs.String("now", "", "purge as of this time (RFC 3339; default now)")
	if err := parse(fs, args); err != nil {
		return err
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageErr("--now %q: want RFC 3339 with a zone, e.g. 2026-12-06T00:00:00+08:00", *at)
		}
		now = t
	}
	a, err := e.openCLIAudit(ctx, "privacy purge and erase")
	if err != nil {
		return err
	}
	defer a.close()
	got, err := store.NewPersonalData(a.pool).Purge(ctx, now)
	if err != nil {
		return err
	}
	return a.printErased(ctx, e, "purge", []byte(now.UTC().Format(time.RFC3339)), got)
}

// cmdErase answers an erasure request for the person with this contact.
func cmdErase(ctx context.Context, e *env, args []string) error {
	fs := e.flags("privacy erase")
	e.cfg.Bind(fs, "db", "audit-key-file", "privacy-secret-file", "privacy-key-file")
	contact := fs.String("contact", "", "the person's phone or e-mail, as they gave it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*contact) == "" {
		return usageErr("--contact is required")
	}
	secret, err := privacy.LoadSecret(e.cfg.Privacy.Secret, e.cfg.Privacy.SecretFile)
	if err != nil {
		return usageErr("%v", err)
	}
	a, err := e.openCLIAudit(ctx, "privacy purge and erase")
	if err != nil {
		return err
	}
	defer a.close()
	// With the contact keyring, the petitions stored without a blind
	// index are opened to find the person's too.
	var keys *privacy.Keyring
	if path := e.keyringPath(); path != "" {
		if keys, err = privacy.LoadKeyring(path); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(e.stderr, "privacy erase: no contact keyring (--privacy-key-file): petitions stored without a blind index are not searched")
	}
	subject := secret.Subject(*contact)
	got, err := store.NewPersonalData(a.pool).EraseWith(ctx, subject, keys, secret.Subject)
	if err != nil {
		return err
	}
	// The entry's digest is of the keyed blind index, never of the
	// contact itself, which a digest of a phone number would betray.
	return a.printErased(ctx, e, "erase", []byte(subject), got)
}

// printErased audits a purge or an erasure (the request digest covers
// req, the result digest the counts printed) and prints the counts.
func (a *cliAudit) printErased(ctx context.Context, e *env, cmd string, req []byte, got store.Erased) error {
	b, err := json.Marshal(got)
	if err != nil {
		return err
	}
	if err := a.record(ctx, access.Write, "CLI", "privacy "+cmd, req, b); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "privacy: %s %d contacts, %d exact locations, %d dumping reporters' contacts, %d odour petitioners' contacts (records kept, anonymised)\n",
		cmd+"d", got.Contacts, got.Locations, got.DumpingContacts, got.PetitionContacts)
	fmt.Fprintln(e.stdout, string(b))
	return nil
}
