// Package graphemu is a protocol-level emulator of Meta's Graph API for
// WhatsApp Cloud API numbers, for tests and local trials. It speaks real
// HTTP (on loopback after Start, or embedded through Handler) and answers
// the way Meta does: the send endpoint with its {messaging_product,
// contacts, messages} acknowledgement and Meta's error envelopes, phone
// number profiles, cursor-paged message templates, two-hop media download
// with expiring URLs, multipart media upload, per-number throughput and
// pair rate limits, and injected faults.
//
// Numbers may belong to Meta apps (AddApp): each app has one callback URL
// and one secret, webhooks are sent only while the app is subscribed to
// the number's WABA (GET/POST/DELETE /{waba-id}/subscribed_apps), and
// messages go to the number's override, else the WABA's override, else
// the app's URL, while template and account fields always go to the
// app's URL. Numbers register with their two-step PIN
// (POST /{phone-number-id}/register) and QuickStart makes a developer
// app's +1 555 test number. A number without an app uses its own
// WebhookURL and AppSecret.
//
// After accepting a send it fires signed status webhooks (sent, delivered,
// read, or those of Options.Statuses, the others then following what a
// simulated customer does through CustomerStatus) to where Meta would
// send them, in Meta's envelope, with non-ASCII
// characters escaped as \uXXXX like Meta's bodies, and it can build and
// deliver signed inbound customer messages. Everything it accepted or
// rejected can be inspected.
//
// The contract follows Meta's reference and the whaloc emulator's
// specification (github.com/dgadelha/whaloc, docs/SPEC.md).
package graphemu
