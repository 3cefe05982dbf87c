package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/wachan/wachan/store"
)

// strategyWords says what a queue's strategy code means.
func strategyWords(code string) string {
	switch code {
	case store.RingAll, "":
		return "Ring all members"
	case store.RoundRobin:
		return "Round robin"
	case store.LeastBusy:
		return "Least busy"
	}
	return code
}

// pickupWords says what a queue's pick-up code means.
func pickupWords(code string) string {
	switch code {
	case store.PickupFirstReply, "":
		return "First reply takes it"
	case store.PickupTakeOnly:
		return "Only /take takes it"
	case store.PickupShared:
		return "Shared"
	}
	return code
}

// humanDuration writes d in words: "3 days", "1 hour 30 minutes".
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	var parts []string
	for _, u := range []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if n := d / u.size; n > 0 {
			name := u.name
			if n > 1 {
				name += "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
			d -= n * u.size
		}
	}
	if len(parts) == 0 {
		return d.String()
	}
	return strings.Join(parts, " ")
}
