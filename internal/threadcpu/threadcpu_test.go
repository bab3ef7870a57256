package threadcpu_test

import (
	"runtime"
	"testing"

	"github.com/envtrace/envtrace/internal/threadcpu"
)

// Work on the locked thread must show as CPU time where the platform
// reports it, and the clock must never run backwards.
func TestNowAdvancesWithWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, ok := threadcpu.Now()
	if !ok {
		t.Skip("thread CPU time is not available on " + runtime.GOOS)
	}
	x := 0.0
	for i := 0; i < 50_000_000; i++ {
		x += float64(i) * 1e-9
	}
	after, _ := threadcpu.Now()
	if after <= before {
		t.Fatalf("thread CPU time did not advance over a busy loop (x=%g): %v then %v", x, before, after)
	}
}
