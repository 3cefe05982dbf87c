// Package doctor runs wachan's health checks for an administrator: the
// configuration, the store, Asterisk's ARI, each channel's access token and
// webhook verification, the public URL's TLS certificate, free disk space
// and the clock. Each check yields one line and, when something is wrong,
// the fix.
package doctor
