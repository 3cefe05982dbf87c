// Package setup tells an administrator what Asterisk (or FreePBX) needs for
// wachan, including the dialplan rule that hands agents' messages to wachan
// and tells them when wachan is away, and checks it: live through ARI
// (reachable, credentials, version, func_curl.so, PJSIP endpoints, every
// Stasis application subscribed to the agents' endpoints) and, when the
// configuration directory is readable, in http.conf, ari.conf, pjsip.conf
// and extensions.conf with their #includes, naming the file and line to
// change.
//
// Every check yields a Result with a one-line verdict and, for failures and
// warnings, the exact fix. Nothing here prints or logs the ARI password;
// the guide prints the hand-off password derived from it.
//
// # Why a dialplan rule besides ARI
//
// Asterisk gives an agent's SIP MESSAGE to every handler that wants it and
// answers 202 if any does. An ARI application wants it while it holds a
// subscription reference, connected or not, and drops it while no
// websocket serves it; nothing tells the agent. ARI alone therefore loses
// replies typed while wachan is crashed, and refuses (404) those typed
// while it is stopped or not yet (re)subscribed. The rule in the
// endpoints' message_context runs whatever wachan's state: it posts the
// message to wachan with CURL(), which is built into Asterisk and returns
// wachan's answer to the dialplan, so the dialplan itself can send the
// agent a notice with MessageSend when wachan does not take it. When ARI
// works too, wachan gets the message twice and keeps one (same Call-ID and
// CSeq). ARI stays for endpoint presence and for sending to phones, and
// wachan keeps one subscription reference per run, removed on shutdown, so
// that a stopped wachan leaves nothing behind that accepts messages. The
// rule's password is derived from ari_password so there is no second
// secret to configure, and the dialplan never holds the ARI password.
package setup
