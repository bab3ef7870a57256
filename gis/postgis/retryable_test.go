package postgis_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/envtrace/envtrace/gis/postgis"
)

// TestRetryableMessages covers the two failures pgx reports only by their
// text: a connection it closed already, and a pool whose connections were
// all terminated at once (seen when a fault test terminates every backend
// while the machine is loaded).
func TestRetryableMessages(t *testing.T) {
	for _, err := range []error{
		errors.New("conn closed"),
		fmt.Errorf("store: ingest readings: %w", errors.New("pgxpool: too many failed attempts acquiring connection; likely bug in PrepareConn, BeforeAcquire, or ShouldPing hook")),
	} {
		if !postgis.Retryable(err) {
			t.Errorf("%v is not retryable", err)
		}
	}
	if postgis.Retryable(errors.New("syntax error")) {
		t.Error("a plain error is retryable")
	}
}
