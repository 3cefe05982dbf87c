// Package daemon wires wachan together: store, Cloud API client, webhook
// ingress and processor, outbound queue, admin API and HTTP server, and runs
// them until its context ends, then drains and closes the store.
package daemon
