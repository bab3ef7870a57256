package api_test

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time consumed so far by the calling OS thread
// (the caller must hold runtime.LockOSThread). Benchmarks use it next to
// wall time because a shared machine's load inflates wall time.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
