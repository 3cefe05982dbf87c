// Package setup tells an administrator what Asterisk (or FreePBX) needs for
// wachan, including the dialplan rule that hands agents' messages to wachan
// and tells them when wachan is away, and checks it: live through ARI
// (reachable, credentials, version, PJSIP endpoints, every Stasis
// application subscribed to the agents' endpoints) and, when the
// configuration directory is readable, in http.conf, ari.conf, pjsip.conf
// and extensions.conf with their #includes, naming the file and line to
// change.
//
// Every check yields a Result with a one-line verdict and, for failures and
// warnings, the exact fix. Nothing here prints or logs the ARI password.
package setup
