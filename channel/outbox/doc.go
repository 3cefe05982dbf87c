// Package outbox is the durable outbound queue: every send the daemon
// accepts is stored with its message before the caller gets an answer, then
// sent through the Cloud API client paced by a token bucket per number,
// retried according to Meta's error class, and finished (sent or failed,
// with counters) in the same transaction that removes it from the queue.
//
// Messages to one recipient leave in the order they were accepted. A send
// that was in flight when the process died is sent again after restart:
// delivery is at least once, with the window limited to one HTTP exchange.
package outbox
