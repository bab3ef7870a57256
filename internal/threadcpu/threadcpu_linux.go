// Package threadcpu reads the CPU time of the calling OS thread, for
// benchmarks that report CPU next to wall time: on a shared machine other
// jobs inflate wall time far more than a thread's own CPU time.
package threadcpu

import (
	"syscall"
	"time"
)

// Now returns the CPU time consumed so far by the calling OS thread; the
// caller must hold runtime.LockOSThread so that two readings come from the
// same thread. ok is false where the platform cannot tell.
func Now() (d time.Duration, ok bool) {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
