package main

import (
	"context"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/tracing/basin"
)

// newMemoryBackend serves a basin from memory.
func newMemoryBackend(b *basin.Basin) (api.Backend, error) {
	return api.NewMemoryBackend(b.Net)
}

// serveDB serves PostGIS; see store.
func serveDB(ctx context.Context, e *env) error {
	return usageErr("--db: serving from PostGIS is not wired yet")
}
