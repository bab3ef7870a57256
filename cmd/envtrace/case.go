package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/store"
)

const caseUsage = `usage: envtrace case list  --db URL [--limit N] [--json]
       envtrace case show  --db URL ID [--json]
       envtrace case share --db URL ID --principal user:S|county:C|agency:A [--access read|edit]
       envtrace case refer --db URL ID --to COUNTY --reason TEXT`

// cmdCase reads and works the case files kept in PostGIS, as an
// administrator: list and show print the JSON of GET /api/v1/cases and
// GET /api/v1/cases/{id}; share and refer are the REST writes. Every
// command is written to the audit trail, as the same request over REST
// would be.
func cmdCase(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "list":
			return cmdCaseList(ctx, e, args[1:])
		case "show":
			return cmdCaseShow(ctx, e, args[1:])
		case "share":
			return cmdCaseShare(ctx, e, args[1:])
		case "refer":
			return cmdCaseRefer(ctx, e, args[1:])
		}
	}
	return usageErr(caseUsage)
}

// caseSession is an open case store with the audit trail the command
// writes to.
type caseSession struct {
	*cliAudit
	repo casework.Repository
}

// openCases opens the database and the audit trail; the audit key is
// required, as it is for a server with authentication.
func (e *env) openCases(ctx context.Context) (*caseSession, error) {
	a, err := e.openCLIAudit(ctx, "case commands")
	if err != nil {
		return nil, err
	}
	return &caseSession{cliAudit: a, repo: store.New(a.pool)}, nil
}

// caseArg parses args with one positional case id, wherever it stands
// among the flags.
func caseArg(fs *flag.FlagSet, args []string) (string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", err
			}
			return "", &exitError{code: 2, err: err}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return "", usageErr(caseUsage)
	}
	id := pos[0]
	if !casework.ValidID(id) {
		return "", usageErr("%q is not a case id such as C-20260814-7F3A9C01", id)
	}
	return id, nil
}

func cmdCaseList(ctx context.Context, e *env, args []string) error {
	fs := e.flags("case list")
	e.cfg.Bind(fs, "db", "audit-key-file")
	limit := fs.Int("limit", 100, "at most this many cases, newest first (1 to 1000)")
	asJSON := fs.Bool("json", false, "print the JSON of GET /api/v1/cases")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *limit < 1 || *limit > 1000 {
		return usageErr("--limit: %d is not between 1 and 1000", *limit)
	}
	s, err := e.openCases(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	list, err := s.repo.Cases(ctx, "", *limit)
	if err != nil {
		return err
	}
	out, err := json.Marshal(casework.CaseList{Cases: list, Count: len(list)})
	if err != nil {
		return err
	}
	if err := s.record(ctx, access.Read, "GET", "/api/v1/cases", []byte("limit="+fmt.Sprint(*limit)), out); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, json.RawMessage(out))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED (Asia/Taipei)\tITEMS\tVERDICT\tTITLE")
	for _, c := range list {
		kinds := make([]string, len(c.Kinds))
		for i, k := range c.Kinds {
			kinds[i] = string(k)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.CreatedAt.In(casework.Taipei).Format("2006-01-02 15:04"),
			strings.Join(kinds, ","), c.Verdict, c.Title)
	}
	return tw.Flush()
}

func cmdCaseShow(ctx context.Context, e *env, args []string) error {
	fs := e.flags("case show")
	e.cfg.Bind(fs, "db", "audit-key-file")
	asJSON := fs.Bool("json", false, "print the JSON of GET /api/v1/cases/{id}")
	id, err := caseArg(fs, args)
	if err != nil {
		return err
	}
	s, err := e.openCases(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	cs, err := s.repo.Case(ctx, id)
	if errors.Is(err, casework.ErrNotFound) {
		return &exitError{code: 1, err: fmt.Errorf("no case %s", id)}
	}
	if err != nil {
		return err
	}
	out, err := json.Marshal(cs)
	if err != nil {
		return err
	}
	if err := s.record(ctx, access.Read, "GET", "/api/v1/cases/"+id, nil, out); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, json.RawMessage(out))
	}
	printCase(e, cs)
	return nil
}

// printCase writes a case as text: its items, shares and referrals.
func printCase(e *env, cs *casework.Case) {
	tp := func(t time.Time) string { return t.In(casework.Taipei).Format("2006-01-02 15:04") }
	fmt.Fprintf(e.stdout, "%s  %s\ncounty %q, created %s by %s\n\nitems:\n", cs.ID, cs.Title, cs.County, tp(cs.CreatedAt), cs.CreatedBy)
	for _, it := range cs.Items {
		what := ""
		switch b := it.Body.(type) {
		case *casework.TraceItem:
			what = b.Inputs.Station + " " + b.Inputs.Parameter + " " + b.Verdict
		case *casework.RefItem:
			what = b.RefID
		case *casework.NGOReport:
			what = b.Title
		}
		fmt.Fprintf(e.stdout, "  %d  %-15s %s  (%s, %s)\n", it.Seq, it.Kind, what, it.AddedBy, tp(it.AddedAt))
	}
	fmt.Fprintln(e.stdout, "\nshared with:")
	for _, sh := range cs.SharedWith {
		fmt.Fprintf(e.stdout, "  %s  %s  since %s\n", sh.Principal, sh.Access, tp(sh.Since))
	}
	if len(cs.Referrals) > 0 {
		fmt.Fprintln(e.stdout, "\nreferrals:")
	}
	for _, r := range cs.Referrals {
		fmt.Fprintf(e.stdout, "  %d  %q → %s  %s  (%s, %s)\n", r.Seq, r.From, r.To, r.Reason, r.By, tp(r.At))
	}
}

func cmdCaseShare(ctx context.Context, e *env, args []string) error {
	fs := e.flags("case share")
	e.cfg.Bind(fs, "db", "audit-key-file")
	who := fs.String("principal", "", "whom to share with: user:<subject>, county:<code> or agency:<id>")
	acc := fs.String("access", casework.AccessRead, "read, or edit (a county bureau only)")
	id, err := caseArg(fs, args)
	if err != nil {
		return err
	}
	grant, err := casework.CheckGrant(*who, *acc)
	if err != nil {
		return usageErr("--%v", err)
	}
	s, err := e.openCases(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	sh := casework.Share{Principal: *who, Access: grant, Since: time.Now()}
	if err := s.repo.Share(ctx, id, sh); err != nil {
		return caseWriteErr(id, err)
	}
	return s.answer(ctx, e, "/api/v1/cases/"+id+"/shares", url.Values{"principal": {*who}, "access": {grant}}, sh)
}

func cmdCaseRefer(ctx context.Context, e *env, args []string) error {
	fs := e.flags("case refer")
	e.cfg.Bind(fs, "db", "audit-key-file")
	to := fs.String("to", "", "the county whose bureau takes the case, as a code (TXG) or a name (臺中市)")
	reason := fs.String("reason", "", "why the case is referred")
	id, err := caseArg(fs, args)
	if err != nil {
		return err
	}
	code, err := countyCode(*to)
	if err != nil || code == "" {
		return usageErr("--to: %q is not a county code such as TXG", *to)
	}
	s, err := e.openCases(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	r, err := s.repo.Refer(ctx, id, code, *reason, s.by(), time.Now())
	if err != nil {
		return caseWriteErr(id, err)
	}
	return s.answer(ctx, e, "/api/v1/cases/"+id+"/referrals", url.Values{"to_county": {code}, "reason": {*reason}}, r)
}

// answer audits a write as its REST twin and prints what REST answers.
func (s *caseSession) answer(ctx context.Context, e *env, path string, req url.Values, v any) error {
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := s.record(ctx, access.Write, "POST", path, []byte(req.Encode()), out); err != nil {
		return err
	}
	return printJSON(e, json.RawMessage(bytes.Clone(out)))
}

// caseWriteErr names an unknown case (exit 1) or the field a write breaks
// (exit 2).
func caseWriteErr(id string, err error) error {
	var fe *casework.FieldError
	switch {
	case errors.Is(err, casework.ErrNotFound):
		return &exitError{code: 1, err: fmt.Errorf("no case %s", id)}
	case errors.As(err, &fe):
		return usageErr("%v", fe)
	}
	return err
}
