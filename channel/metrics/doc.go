// Package metrics exposes wachan's Prometheus metrics on a registry of its
// own (never the global default).
//
// Message and queue figures are read from the store at scrape time, so they
// survive restarts and need no bookkeeping in the hot path:
//
//	wachan_messages_received_total{channel}
//	wachan_messages_sent_total{channel,result="ok"|"failed"}
//	wachan_messages_delivered_total{channel}
//	wachan_messages_read_total{channel}
//	wachan_channels
//	wachan_journal_pending        webhook bodies acknowledged, not yet applied
//	wachan_outbox_pending         accepted sends not yet finished
//	wachan_store_size_bytes
//
// Live figures come from hooks the daemon calls:
//
//	wachan_webhook_ack_seconds    histogram, ObserveAck
//	wachan_graph_errors_total{code}  GraphError
//	wachan_ari_connected          SetARIConnected
//
// Go runtime and process metrics are included. Labels carry channel ids and
// error codes only, never tokens or secrets.
package metrics
