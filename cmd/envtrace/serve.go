package main

import (
	"context"
	"fmt"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/airquery"
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
	b, cleanup, err := e.dataBasin(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	var air *airquery.Sources
	if e.cfg.Data != "" {
		if air, err = airquery.Load(e.cfg.Data); err != nil {
			return err
		}
	}
	backend, err := newMemoryBackend(b, e.cfg.Data == "", air)
	if err != nil {
		return err
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
