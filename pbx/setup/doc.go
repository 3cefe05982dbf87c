// Package setup tells an administrator what Asterisk needs for wachan and
// checks it: live through ARI (reachable, credentials, version, PJSIP
// endpoints, Stasis application and its subscriptions) and, when the
// configuration directory is readable, in http.conf, ari.conf, pjsip.conf
// and extensions.conf, naming the file and line to change.
//
// Every check yields a Result with a one-line verdict and, for failures and
// warnings, the exact fix. Nothing here prints or logs the ARI password.
package setup
