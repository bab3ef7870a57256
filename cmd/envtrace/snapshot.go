package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/hydro"
)

// loadNetworkCached loads --network through the snapshot directory when
// one is configured: a snapshot built from the same source bytes, options
// and format version is read instead of parsing and building; otherwise
// the network is built and a new snapshot written (atomically) for the
// next start. A snapshot that cannot be written costs a warning, never the
// start.
func (e *env) loadNetworkCached(ctx context.Context) (*hydro.Network, error) {
	if e.cfg.SnapshotDir == "" {
		net, _, err := e.loadNetwork(ctx)
		return net, err
	}
	t0 := time.Now()
	key, err := e.snapshotKey()
	if err != nil {
		return nil, err
	}
	path := e.snapshotPath()
	net, err := hydro.LoadSnapshot(path, key)
	if err == nil {
		fmt.Fprintf(e.stderr, "network: %d reaches from snapshot %s in %.1fs\n", net.Len(), path, time.Since(t0).Seconds())
		return net, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(e.stderr, "network snapshot not used, rebuilding: %v\n", err)
	}
	net, _, err = e.loadNetwork(ctx)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(e.cfg.SnapshotDir, 0o755); err != nil {
		fmt.Fprintf(e.stderr, "warning: network snapshot not written: %v\n", err)
	} else if err := net.SaveSnapshot(path, key); err != nil {
		fmt.Fprintf(e.stderr, "warning: network snapshot not written: %v\n", err)
	}
	return net, nil
}

// snapshotPath names the snapshot of --network (and --layer) in the
// snapshot directory; the key inside says whether it is still current.
func (e *env) snapshotPath() string {
	abs, err := filepath.Abs(e.cfg.Network)
	if err != nil {
		abs = e.cfg.Network
	}
	h := sha256.Sum256([]byte(abs + "\x00" + e.cfg.Layer))
	return filepath.Join(e.cfg.SnapshotDir, fmt.Sprintf("network-%x.snap", h[:8]))
}

// snapshotKey digests the network source (a shapefile with its sidecar
// files) and the options that change the build.
func (e *env) snapshotKey() (string, error) {
	files := []string{e.cfg.Network}
	if ext := filepath.Ext(e.cfg.Network); strings.EqualFold(ext, ".shp") {
		stem := strings.TrimSuffix(e.cfg.Network, ext)
		for _, side := range []string{".dbf", ".shx", ".prj", ".cpg"} {
			if _, err := os.Stat(stem + side); err == nil {
				files = append(files, stem+side)
			}
		}
	}
	readers := make([]io.Reader, 0, len(files))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return "", fmt.Errorf("network snapshot: %w", err)
		}
		defer fh.Close()
		readers = append(readers, fh)
	}
	return hydro.SnapshotKey(io.MultiReader(readers...), "layer="+e.cfg.Layer,
		"snap_tolerance="+strconv.FormatFloat(e.cfg.SnapTolerance, 'g', -1, 64),
		"files="+strconv.Itoa(len(files)))
}
