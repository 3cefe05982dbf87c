// Package ingest takes Meta's webhooks into the store: it answers the
// verification handshake, checks each POST's signature over the raw bytes,
// commits the body to the journal before acknowledging, and a Processor then
// turns journaled bodies into customers, messages, statuses and counters,
// exactly once per wamid, deleting each journal entry in the same
// transaction that applies it.
package ingest
