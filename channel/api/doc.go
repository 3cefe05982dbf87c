// Package api serves the admin REST API under /api/v1: channels, Meta
// apps and unrouted webhook updates, Connect and Test Connection,
// statistics and sending. Every error answers with one JSON
// shape, {"error":{"code":"…","message":"…"}}, and secrets are masked in
// every response.
package api
