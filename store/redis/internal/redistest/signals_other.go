//go:build !unix

package redistest

import "os"

// Without SIGSTOP and SIGCONT, Stop and Cont report an error.
var sigStop, sigCont os.Signal
