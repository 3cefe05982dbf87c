package media

import (
	"encoding/json"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// codeMediaDownload is Meta's error for inbound media it could not
// download itself (for example over 100 MB).
const codeMediaDownload = 131052

// Inbound is the ingest hook for a new inbound message: it queues a fetch
// job for the message's media inside the transaction that stores the
// message, or records Meta's own download error (131052). Failures
// recorded here are reported to OnFailed after the commit.
func (s *Service) Inbound(tx *store.Tx, ch *store.Channel, _ *store.Customer, m *store.Message) error {
	if reason := downloadError(m.Raw); reason != "" {
		if m.Media == nil {
			m.Media = &store.MediaRef{}
		}
		m.Media.Error = reason
		if err := tx.PutMessage(m); err != nil {
			return err
		}
		id := m.ID
		tx.OnCommit(func() { s.failed(id, reason) })
		return nil
	}
	if m.Media == nil || m.Media.MediaID == "" {
		return nil
	}
	j := &store.MediaJob{MessageID: m.ID, ChannelID: ch.ID, CreatedAt: s.opts.Now().UTC()}
	if err := tx.PutMediaJob(j); err != nil {
		return err
	}
	tx.OnCommit(s.Wake)
	return nil
}

// downloadError returns the explained 131052 error of an inbound message
// object, or "".
func downloadError(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v struct {
		Errors []struct {
			Code      int    `json:"code"`
			Message   string `json:"message"`
			Title     string `json:"title"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"errors"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	for _, e := range v.Errors {
		if e.Code == codeMediaDownload {
			return cloudapi.Explain(e.Code, 0, e.ErrorData.Details)
		}
	}
	return ""
}
