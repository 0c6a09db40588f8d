package redistest

import (
	"fmt"
	"strings"
)

// KillTracking closes, with CLIENT KILL ID, every connection of the server
// at addr that has client tracking on (flag t in CLIENT LIST), as a network
// fault or a proxy restart would, and returns how many it closed.
func KillTracking(addr string) (int, error) {
	list, err := Command(addr, "CLIENT", "LIST")
	if err != nil {
		return 0, fmt.Errorf("redistest: CLIENT LIST on %s: %w", addr, err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		id, flags := "", ""
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "id":
				id = v
			case "flags":
				flags = v
			}
		}
		if id == "" || !strings.Contains(flags, "t") {
			continue
		}
		n, err := Command(addr, "CLIENT", "KILL", "ID", id)
		if err != nil {
			return killed, fmt.Errorf("redistest: CLIENT KILL ID %s on %s: %w", id, addr, err)
		}
		if n == "1" {
			killed++
		}
	}
	return killed, nil
}

// Tracking returns how many connections of the server at addr have client
// tracking on.
func Tracking(addr string) (int, error) {
	list, err := Command(addr, "CLIENT", "LIST")
	if err != nil {
		return 0, fmt.Errorf("redistest: CLIENT LIST on %s: %w", addr, err)
	}
	n := 0
	for _, line := range strings.Split(list, "\n") {
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "flags="); ok && strings.Contains(v, "t") {
				n++
			}
		}
	}
	return n, nil
}
