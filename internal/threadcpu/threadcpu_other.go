//go:build !linux

// Package threadcpu reads the CPU time of the calling OS thread, for
// benchmarks that report CPU next to wall time: on a shared machine other
// jobs inflate wall time far more than a thread's own CPU time.
package threadcpu

import "time"

// Now is not available off Linux; benchmarks then omit the CPU metric.
func Now() (d time.Duration, ok bool) { return 0, false }
