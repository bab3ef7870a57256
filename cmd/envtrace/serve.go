package main

import (
	"context"
	"fmt"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/fixtures"
)

// writeFixture writes the embedded central-Taiwan fixture to dir.
func writeFixture(dir string) error { return fixtures.WriteCentral(dir) }

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := e.flags("serve")
	e.cfg.Bind(fs, "addr", "data", "db")
	network := fs.String("network-name", "", "with --db: the stored network to serve (default: the only one)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if e.cfg.Data != "" && e.cfg.DB != "" {
		return usageErr("give --data or --db, not both")
	}
	if e.cfg.DB != "" {
		return serveDB(ctx, e, *network)
	}
	dir, cleanup, err := e.dataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	b, err := e.loadBasin(ctx, dir)
	if err != nil {
		return err
	}
	mb, err := newMemoryBackend(b, e.cfg.Data == "")
	if err != nil {
		return err
	}
	var backend api.Backend = mb
	land, err := dumping.ReadLand(dir)
	if err != nil {
		return err
	}
	if land != nil {
		repo := dumping.NewMemory()
		area, err := e.dumpingArea(ctx, land, repo, repo.Outbox, true)
		if err != nil {
			return err
		}
		backend = &dumpingBackend{MemoryBackend: mb, area: area}
	}
	srv, err := api.New(api.Config{RequestTimeout: e.cfg.RequestTimeout.Duration}, backend)
	if err != nil {
		return err
	}
	source := "the embedded central-Taiwan fixture"
	if e.cfg.Data != "" {
		source = e.cfg.Data
	}
	fmt.Fprintf(e.stdout, "envtrace: serving %s (%d reaches) at http://%s/\n", source, b.Net.Len(), e.cfg.Addr)
	return srv.Serve(ctx, e.cfg.Addr)
}
