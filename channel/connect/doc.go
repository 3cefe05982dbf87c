// Package connect checks, and on request fixes, what Meta needs for a
// channel's number to send and receive through wachan: a working token
// (Test Connection), the app subscribed to the number's WhatsApp Business
// Account, the number registered for Cloud API use, and its webhooks
// reaching wachan. Each step says what to do when it does not pass.
package connect
