// Package cloudapi is the client for Meta's WhatsApp Cloud API (the Graph
// API endpoints under /{version}/...). Every outbound call of the daemon goes
// through a [Client]: sending messages, marking them read, reading the phone
// number's profile, resolving, downloading, uploading and deleting media, and
// listing message templates.
//
// Credentials travel with each call in [Creds] so one Client serves every
// configured number; the access token is sent only in the Authorization
// header and is never logged nor included in an error.
//
// Failures from Meta are returned as [*APIError] keyed by Meta's error code.
// [ClassOf] turns any error into a [Class] that tells the caller whether to
// retry, back off per recipient, wait for a new token, pause the number or
// give up, [Backoff] says how long to wait, and [Explain] gives an
// administrator a plain-English explanation and fix.
package cloudapi
