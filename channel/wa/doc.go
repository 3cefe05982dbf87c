// Package wa holds the WhatsApp Cloud API webhook wire format: it checks
// the X-Hub-Signature-256 header over the raw request body and normalizes
// a webhook body into a flat slice of events.
//
// A webhook body is the envelope
//
//	{"object": "whatsapp_business_account",
//	 "entry": [{"id": <WABA id>, "time"?: <unix>,
//	            "changes": [{"field": <name>, "value": {...}}]}]}
//
// Parse turns every message, status and message echo found in a
// "messages" (or echo) change into its own Event, and every other change
// into one Event whose Kind names what it is. Nothing is dropped: values
// the package does not understand become events of KindOther with the raw
// JSON kept, and every event carries the raw bytes it was built from.
// Parse fails only when the body is not a JSON object shaped like the
// envelope.
//
// Verify the signature with VerifySignature over the exact bytes received
// before calling Parse: Meta signs a body whose non-ASCII characters are
// escaped as \uXXXX, so re-encoded JSON never verifies.
package wa
