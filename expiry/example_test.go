package expiry_test

import (
	"fmt"
	"unsafe"

	"github.com/livedict/livedict/expiry"
)

// session is a store entry: the Node comes first, so a *Node from Expire
// converts back to its session without a lookup.
type session struct {
	node expiry.Node
	user string
}

func Example() {
	const ms = expiry.Tick
	var w expiry.Wheel
	sessions := []*session{{user: "ann"}, {user: "bob"}, {user: "cy"}}
	w.Schedule(&sessions[0].node, 30*ms)
	w.Schedule(&sessions[1].node, 10*ms)
	w.Schedule(&sessions[2].node, 20*ms)
	w.Cancel(&sessions[2].node) // cy logged out

	// A reaper sleeps until Next, then expires what is due.
	var due []*expiry.Node
	for w.Len() > 0 {
		now := w.Next()
		due = w.Expire(now, due[:0], 100)
		for _, n := range due {
			s := (*session)(unsafe.Pointer(n))
			fmt.Printf("%d ms: %s expired\n", now/ms, s.user)
		}
	}
	// Output:
	// 10 ms: bob expired
	// 30 ms: ann expired
}
