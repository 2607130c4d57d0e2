//go:build unix

package schemas

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time used by this process so far,
// so benchmarks can report CPU cost per event, which stays meaningful on a
// busy machine where wall-clock rates do not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
