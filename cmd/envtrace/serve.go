package main

import (
	"context"
	"fmt"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
)

// storedBasin imports b's dataset into st and places what st gives back on
// b's network, so that the server answers from the store's records.
func storedBasin(ctx context.Context, st store.Store, b *basin.Basin) (*basin.Basin, error) {
	if err := st.ImportDataset(ctx, b.DS, nil); err != nil {
		return nil, err
	}
	ds, err := st.LoadDataset(ctx)
	if err != nil {
		return nil, err
	}
	return basin.New(b.Net, ds, 0)
}

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
	// The air, sensor, air-permit and odour files are read beside the
	// water files.
	airData, err := datadir.ReadWith(dir, b.DS)
	if err != nil {
		return err
	}
	// The demo keeps its system of record in store.Memory, behind the same
	// interface as PostGIS: the dataset is imported into it and served
	// from it, ingested readings go through it, and cases live in it.
	st := store.NewMemory()
	if b, err = storedBasin(ctx, st, b); err != nil {
		return err
	}
	pa, err := e.petitionArea(true)
	if err != nil {
		return err
	}
	land, err := dumping.ReadLand(dir)
	if err != nil {
		return err
	}
	// Farmland alerts share the dumping desk's outbox (and its worker).
	repo := dumping.NewMemory()
	opts := []api.MemoryOption{api.WithCases(st), api.WithIngestSink(st.IngestReadings), api.WithAirData(airData), api.WithPetitions(pa)}
	fa, err := farmlandArea(dir, b, repo.Outbox)
	if err != nil {
		return err
	}
	if fa != nil {
		opts = append(opts, api.WithFarmland(fa))
	}
	mb, err := newMemoryBackend(b, e.cfg.Data == "", opts...)
	if err != nil {
		return err
	}
	var backend api.Backend = mb
	if land != nil {
		area, err := e.dumpingArea(ctx, land, repo, repo.Outbox, true)
		if err != nil {
			return err
		}
		backend = &dumpingBackend{MemoryBackend: mb, area: area}
		pa.Viewers = area.Viewers
	}
	srv, err := api.New(api.Config{RequestTimeout: e.cfg.RequestTimeout.Duration, Basemaps: e.cfg.Basemaps}, backend)
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

// petitionArea gives the server a petition desk: contacts sealed with the
// privacy keyring (a throwaway key in the demo; without a keyring outside
// the demo, petitions with a contact are refused), the public shift of
// petition.DefaultFuzzer; staff keys are the dumping area's.
func (e *env) petitionArea(demo bool) (*api.PetitionArea, error) {
	prot, err := e.protection(demo)
	if err != nil {
		return nil, err
	}
	var sealer petition.Sealer
	if prot.Keys != nil {
		sealer = petition.KeyringSealer{Keys: prot.Keys}
	}
	desk, err := petition.NewDesk(sealer, nil)
	if err != nil {
		return nil, err
	}
	return &api.PetitionArea{Desk: desk}, nil
}
