package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// cmdProbe asks a running server whether it is ready, for container
// health checks: the distroless image has no shell, curl or wget, so the
// binary probes itself. It exits 0 on HTTP 200 and 1 otherwise, saying why.
func cmdProbe(ctx context.Context, e *env, args []string) error {
	fs := e.flags("probe")
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "the probe endpoint (/readyz for readiness, /healthz for liveness)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := parse(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return usageErr("--url %q: %v", *url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", *url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d: %s", *url, resp.StatusCode, body)
	}
	fmt.Fprintf(e.stdout, "%s: %s", *url, body)
	return nil
}
