// Package ingest takes Meta's webhooks into the store: it answers the
// verification handshake of a Meta app's callback URL and of each
// channel's, checks each POST's signature over the raw bytes with the
// secret of the app the URL belongs to (counting refusals in Health),
// commits the body to the journal before acknowledging, and a Processor
// then routes each update to its channel among that app's channels (by
// phone number id, or by WABA for template and account updates), keeps
// the updates no channel owns as unrouted, and turns the rest into
// customers, messages, statuses and counters, exactly once per wamid,
// deleting each journal entry in the same transaction that applies it.
package ingest
