package livedict_test

import "syscall"

// involuntarySwitches returns how many times the OS has preempted the
// calling thread, or -1 when it cannot tell.
func involuntarySwitches() int64 {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if syscall.Getrusage(rusageThread, &ru) != nil {
		return -1
	}
	return ru.Nivcsw
}
