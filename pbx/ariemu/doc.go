// Package ariemu is an in-process emulator of the subset of the Asterisk REST
// Interface (ARI) that wachan uses, built to answer exactly like the
// Asterisk 22.10.1 recordings in testdata/ari: the same status codes, bodies,
// header order and casing, event shapes, application lifecycle and SIP
// MESSAGE routing rules.
//
// It serves HTTP/1.1 on a loopback TCP listener with its own small request
// loop (net/http's server sorts response headers, Asterisk does not) and
// upgrades /ari/events with gorilla/websocket. Simulated phones register,
// un-register, send SIP MESSAGEs (PhoneSend) and collect what ARI's
// sendMessage and the dialplan's MessageSend delivered to them (Inbox,
// WaitInbox).
//
// An agent's MESSAGE goes where Asterisk sends it: to the endpoints'
// message_context (SetDialplan; the recorded context by default, or the
// CURL hand-off wachan recommends, Handoff) and to every application
// subscribed to the sender, connected or not. Subscriptions are counted
// references; an inactive application misses its messages (Missed).
package ariemu
