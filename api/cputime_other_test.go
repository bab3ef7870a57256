//go:build !linux

package api_test

import "time"

// threadCPU is not available off Linux; benchmarks then omit the CPU metric.
func threadCPU() (time.Duration, bool) { return 0, false }
