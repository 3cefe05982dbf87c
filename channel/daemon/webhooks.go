package daemon

import (
	"strings"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// countWebhookErrors is the ingest hook that counts, once stored, the
// updates other than messages and statuses, and the value-level errors
// Meta reports in webhooks.
func (d *Daemon) countWebhookErrors(tx *store.Tx, _ *store.Channel, ev *wa.Event) error {
	// A label: from a signed body, but keep it bounded and valid.
	field := strings.ToValidUTF8(ev.Field, "")
	if len(field) > 64 {
		field = strings.ToValidUTF8(field[:64], "")
	}
	tx.OnCommit(func() { d.metrics.WebhookUpdate(field) })
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
