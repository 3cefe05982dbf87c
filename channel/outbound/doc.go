// Package outbound decides which addresses wachan may connect to on
// someone else's behalf (an agent's link, a URL named in a webhook) and
// gives HTTP clients that hold to it: only globally reachable unicast
// addresses per IANA's special-purpose address registries, never one of
// the host's own.
package outbound
