package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/internal/config"
	"github.com/envtrace/envtrace/store"
)

// cmdToken manages API tokens: create prints a new token once; revoke
// ends one.
func cmdToken(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "create":
			return cmdTokenCreate(ctx, e, args[1:])
		case "revoke":
			return cmdTokenRevoke(ctx, e, args[1:])
		}
	}
	return usageErr("usage: envtrace token create --db URL --role ROLE [...] | envtrace token revoke --db URL ID")
}

func cmdTokenCreate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("token create")
	e.cfg.Bind(fs, "db")
	role := fs.String("role", "", "role: admin, officer, investigator, land_agency, facility, ngo, public or sensor")
	stations := fs.String("stations", "", "sensor: the stations it writes, comma-separated")
	facility := fs.String("facility", "", "facility: its control number (ems_no)")
	agency := fs.String("agency", "", "land_agency (or an officer handling dumping reports): the agency id")
	county := fs.String("county", "", "officer: the county, as a code (TXG) or a name (臺中市)")
	cases := fs.String("cases", "", "investigator or ngo: the case ids shared, comma-separated")
	expires := fs.String("expires", "90d", "lifetime: days (90d) or a Go duration (12h)")
	note := fs.String("note", "", "who or what the token is for, kept with it")
	if err := parse(fs, args); err != nil {
		return err
	}
	r, err := access.ParseRole(*role)
	if err != nil {
		return usageErr("--role: %v", err)
	}
	ttl, err := parseLifetime(*expires)
	if err != nil {
		return usageErr("--expires: %v", err)
	}
	code, err := countyCode(*county)
	if err != nil {
		return usageErr("--county: %v", err)
	}
	p := access.Principal{Role: r, Scope: access.Scope{County: code, Agency: *agency, Facility: *facility,
		Stations: config.SplitList(*stations), Cases: config.SplitList(*cases)}}
	if err := p.Validate(); err != nil {
		return usageErr("%v", err)
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	rec, tok, err := store.NewTokens(pool).Create(ctx, p, ttl, *note)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok)
	fmt.Fprintf(e.stderr, "token %s (%s) expires %s; it is shown only now\n", rec.ID, r, rec.ExpiresAt.UTC().Format(time.RFC3339))
	return nil
}

func cmdTokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := e.flags("token revoke")
	e.cfg.Bind(fs, "db")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args = append(args[1:], args[0]) // the id may come before the flags
	}
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() != 1 {
		return usageErr("usage: envtrace token revoke --db URL ID (the id token create printed, or the token itself)")
	}
	id := fs.Arg(0)
	if rest, ok := strings.CutPrefix(id, access.TokenPrefix); ok {
		id, _, _ = strings.Cut(rest, "_")
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := store.NewTokens(pool).Revoke(ctx, id); err != nil {
		if errors.Is(err, store.ErrNoToken) {
			return &exitError{code: 1, err: err}
		}
		return err
	}
	fmt.Fprintf(e.stdout, "token %s revoked\n", id)
	return nil
}

// parseLifetime reads "90d" (days) or a Go duration ("12h").
func parseLifetime(s string) (time.Duration, error) {
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("%q: want days like 90d or a duration like 12h", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q: want days like 90d or a duration like 12h", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: must be positive", s)
	}
	return d, nil
}

// countyCode accepts a county code or its name.
func countyCode(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	for _, c := range access.Counties {
		if strings.EqualFold(s, c.Code) || s == c.Name || strings.ReplaceAll(s, "台", "臺") == c.Name {
			return c.Code, nil
		}
	}
	return "", fmt.Errorf("unknown county %q (codes are listed in docs/access.md, e.g. TXG, CHA)", s)
}
