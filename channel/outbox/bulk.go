package outbox

import "github.com/wachan/wachan/store"

// backlog counts, per channel, the jobs waiting in its lane together with
// those a dispatch pass hands it.
type backlog map[string]int

// admit reports whether j may join l in this pass, and counts it if so.
// Campaign traffic (bulk) only tops up an idle lane, so live messages never
// wait behind it.
func (b backlog) admit(j *store.Job, l *lane) bool {
	if _, ok := b[j.ChannelID]; !ok {
		b[j.ChannelID] = len(l.in)
	}
	if j.Bulk && b[j.ChannelID] >= bulkRoom(l) {
		return false
	}
	b[j.ChannelID]++
	return true
}

// bulkRoom is how many jobs may wait in l before bulk jobs hold back:
// about 50 ms of sending.
func bulkRoom(l *lane) int { return max(1, int(l.limiter.Limit())/20) }
