package daemon

import (
	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// countWebhookErrors is the ingest hook that counts, once stored, the
// value-level errors Meta reports in webhooks.
func (d *Daemon) countWebhookErrors(tx *store.Tx, _ *store.Channel, ev *wa.Event) error {
	if ev.Kind != wa.KindError {
		return nil
	}
	codes := make([]int, len(ev.Errors))
	for i, e := range ev.Errors {
		codes[i] = e.Code
	}
	tx.OnCommit(func() {
		for _, c := range codes {
			d.metrics.WebhookError(c)
		}
	})
	return nil
}
