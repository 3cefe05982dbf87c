// Package integration lets other systems (CRM, ERP, billing) use wachan:
// API keys scoped to channels authenticate them on /api/v1, and each key
// may receive signed event webhooks (message.inbound, message.status,
// session.opened, session.closed).
//
// Events are written to the store (bucket hook_out) in the same
// transaction as the change they report, so none is lost in a crash; a
// background runner POSTs them, signed like Meta's webhooks with
// X-Wachan-Signature-256: sha256=<hex HMAC-SHA256 of the body keyed with
// the key's webhook secret>, retrying with exponential backoff.
package integration
