package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/store"
)

// loadLand reads the dumping land of a data directory and builds its
// router; a directory without agencies.csv is an error here.
func (e *env) loadLand(dir string) (*dumping.Router, error) {
	land, err := dumping.ReadLand(dir)
	if err != nil {
		return nil, err
	}
	if land == nil {
		return nil, fmt.Errorf("data directory %s has no %s: no land to route on", dir, dumping.FileAgencies)
	}
	for _, w := range land.Warnings {
		fmt.Fprintf(e.stderr, "warning: %v\n", w)
	}
	return dumping.NewRouter(land, e.cfg.BoundaryM)
}

func cmdRoute(ctx context.Context, e *env, args []string) error {
	fs := e.flags("route")
	e.cfg.Bind(fs, "data", "boundary-m")
	point := fs.String("point", "", "report location X,Y (lon,lat for geographic CRS)")
	code := fs.String("crs", "EPSG:4326", "CRS of --point (EPSG:4326 lon,lat; EPSG:3826 TWD97 / TM2 metres)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *point == "" {
		return usageErr("--point X,Y is required")
	}
	p, err := parsePoint(*point)
	if err != nil {
		return err
	}
	c, err := crs.Parse(*code)
	if err != nil {
		return usageErr("--crs: %v", err)
	}
	q, err := dumping.ToTWD97(p, c)
	if err != nil {
		var pe *dumping.PointError
		if errors.As(err, &pe) {
			return usageErr("--point: %v", err)
		}
		return err
	}
	dir, cleanup, err := e.dataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	rt, err := e.loadLand(dir)
	if err != nil {
		return err
	}
	d := rt.Route(q)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	fmt.Fprintf(e.stdout, "%s (%s), rule %s", d.Agency, d.AgencyID, d.Rule)
	if d.ParcelID != "" {
		fmt.Fprintf(e.stdout, ", parcel %s", d.ParcelID)
	}
	if !d.PublicLand {
		fmt.Fprintf(e.stdout, ", private land (owner %s)", d.Owner)
	}
	if d.Ambiguous {
		fmt.Fprint(e.stdout, ", ambiguous: near a boundary")
	}
	fmt.Fprintln(e.stdout)
	if len(d.Candidates) > 0 {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "candidate\tagency\tparcel\tdistance_m")
		for i, cd := range d.Candidates {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%.2f\n", i+1, cd.AgencyID, cd.ParcelID, cd.DistanceM)
		}
		return tw.Flush()
	}
	return nil
}

// cmdImportParcels stores a GIS file of parcels or management areas with
// the field naming each one's manager.
func cmdImportParcels(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import parcels")
	e.cfg.Bind(fs, "db", "layer")
	field := fs.String("manager-field", "", "attribute naming the managing agency (an agency id, a manages value, or county / township / private)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() != 1 {
		return usageErr("usage: envtrace import parcels --db URL --manager-field NAME FILE")
	}
	if *field == "" {
		return usageErr("--manager-field NAME is required")
	}
	path := fs.Arg(0)
	ly, err := layer.Read(path, layer.Options{Layer: e.cfg.Layer})
	if err != nil {
		return err
	}
	for _, w := range ly.Warnings {
		fmt.Fprintf(e.stderr, "warning: %v\n", w)
	}
	parcels, err := dumping.ParcelsFromLayer(ly, *field)
	if err != nil {
		return err
	}
	if skipped := len(ly.Features) - len(parcels); skipped > 0 {
		fmt.Fprintf(e.stderr, "warning: %d features left out: their %s is damaged (see the warnings above)\n", skipped, *field)
	}
	pool, err := e.openReadyDB(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := store.ImportParcels(ctx, pool, parcels, filepath.Base(path), e.progressPrinter("parcels")); err != nil {
		return retryHint(err)
	}
	fmt.Fprintf(e.stdout, "imported %d parcels from %s (manager field %s)\n", len(parcels), path, *field)
	return nil
}

// dumpingBackend adds the dumping desk to a memory backend.
type dumpingBackend struct {
	*api.MemoryBackend
	area *api.DumpingArea
}

// DumpingArea implements api.DumpingBackend.
func (d *dumpingBackend) DumpingArea() *api.DumpingArea { return d.area }

// dumpingArea builds the desk over repo and starts, under ctx, the
// escalation loop and (with deliver) the outbox worker.
func (e *env) dumpingArea(ctx context.Context, land *dumping.Land, repo dumping.Repository, ob outbox.Store, demo bool) (*api.DumpingArea, error) {
	rt, err := dumping.NewRouter(land, e.cfg.BoundaryM)
	if err != nil {
		return nil, err
	}
	prot, err := e.protection(demo)
	if err != nil {
		return nil, err
	}
	d := e.cfg.Dumping
	desk := dumping.NewDesk(repo, rt, prot, dumping.DeskConfig{DuplicateRadiusM: d.DuplicateRadiusM, DuplicateWindow: d.DuplicateWindow.Duration})
	area := &api.DumpingArea{Desk: desk, MaxPhotoBytes: int(d.MaxPhotoBytes)}
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if n, err := desk.Escalate(ctx); err != nil && ctx.Err() == nil {
				fmt.Fprintf(e.stderr, "dumping: escalation: %v\n", err)
			} else if n > 0 {
				fmt.Fprintf(e.stderr, "dumping: %d overdue reports escalated to the centre\n", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	if d.Deliver {
		w := &outbox.Worker{Store: ob, Senders: map[outbox.Channel]outbox.Sender{
			outbox.Webhook: outbox.HTTPWebhook{Secret: d.WebhookSecret},
		}}
		if d.SMTPAddr != "" {
			w.Senders[outbox.Email] = outbox.SMTP{Addr: d.SMTPAddr, From: d.MailFrom}
		}
		go func() { _ = w.Run(ctx, 10*time.Second) }()
	} else {
		fmt.Fprintln(e.stderr, "dumping: notifications stay in the outbox (set deliver, ENVTRACE_DELIVER=true, to send them)")
	}
	return area, nil
}

// protection reads the contact keyring and the privacy secret; the demo
// makes throwaway ones. Without a keyring the desk refuses contacts.
func (e *env) protection(demo bool) (dumping.Protection, error) {
	var p dumping.Protection
	if e.cfg.Privacy.Secret == "" && e.cfg.Privacy.SecretFile == "" {
		if !demo {
			fmt.Fprintln(e.stderr, "privacy: no secret configured (ENVTRACE_PRIVACY_SECRET_FILE): public locations are fuzzed with a secret of this process only, so they change at each restart, and erasure requests cannot find dumping reporters")
		}
		p.Secret = make(privacy.Secret, 32)
		if _, err := rand.Read(p.Secret); err != nil {
			return p, err
		}
	} else {
		s, err := privacy.LoadSecret(e.cfg.Privacy.Secret, e.cfg.Privacy.SecretFile)
		if err != nil {
			return p, err
		}
		p.Secret = s
	}
	path := e.cfg.Privacy.KeyFile
	if path == "" {
		path = e.cfg.Dumping.ContactKeyFile
	}
	if path == "" {
		if !demo {
			fmt.Fprintln(e.stderr, "dumping: no contact key file: reports with a contact are refused")
			return p, nil
		}
		line, err := privacy.NewKeyLine("demo")
		if err != nil {
			return p, err
		}
		p.Keys, err = privacy.ParseKeyring([]byte(line))
		return p, err
	}
	keys, err := privacy.LoadKeyring(path)
	if err != nil {
		return p, fmt.Errorf("contact key: %w", err)
	}
	p.Keys = keys
	return p, nil
}

// demoKeys gives every agency of the demo a fixed bearer and prints
// them, so the agency views can be tried without an identity service:
// "demo-<agency id>" is that land agency, "demo-centre" an administrator.
// Each is a demo principal, marked as such in responses and audit records.
func (e *env) demoKeys(land *dumping.Land) access.StaticTokens {
	keys := access.StaticTokens{}
	for _, a := range land.Agencies {
		p := access.Principal{Subject: "demo-" + a.ID, Role: access.LandAgency, Scope: access.Scope{Agency: a.ID}, Demo: true}
		if a.Kind == dumping.KindCentre {
			p = access.Principal{Subject: "demo-" + a.ID, Role: access.Admin, Demo: true}
		}
		keys.Add("demo-"+a.ID, p)
	}
	fmt.Fprintln(e.stderr, "dumping: demo keys are \"Authorization: Bearer demo-<agency id>\" (demo-centre for the centre); without one you are the demo administrator")
	return keys
}
