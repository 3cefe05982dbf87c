package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Request is one message to queue.
type Request struct {
	ChannelID   string
	CustomerKey string // wa_id or business-scoped user id
	SessionID   uint64
	Agent       string
	Text        string // what the record shows; defaults to the payload's text
	Message     *cloudapi.Message
	// Media, CampaignID and KeyID are copied to the stored message.
	Media      *store.MediaRef
	CampaignID uint64
	KeyID      string
	// Bulk marks campaign traffic: it is sent only when no live message of
	// the same channel is waiting, so campaigns never delay conversations.
	Bulk bool
}

// Enqueue validates and stores r as a queued message and its job inside
// tx, returning the message. Call Wake after the transaction commits.
func Enqueue(tx *store.Tx, r *Request, now time.Time) (*store.Message, error) {
	if err := r.Message.Validate(); err != nil {
		return nil, fmt.Errorf("queueing message: %w", err)
	}
	typ := r.Message.Type
	if typ == "" {
		typ = kindOf(r.Message)
	}
	text := r.Text
	if text == "" && r.Message.Text != nil {
		text = r.Message.Text.Body
	}
	m := &store.Message{
		ChannelID: r.ChannelID, CustomerKey: r.CustomerKey, SessionID: r.SessionID,
		Direction: store.Outbound, Type: typ, Text: text, Agent: r.Agent,
		Status: "queued", Timestamp: now.UTC(),
		Media: r.Media, CampaignID: r.CampaignID, KeyID: r.KeyID,
	}
	m.AddTrail("queued", now, nil)
	if _, err := tx.AddMessage(m); err != nil {
		return nil, err
	}
	msg := *r.Message
	if msg.BizOpaqueCallbackData == "" {
		// Meta echoes it in status webhooks: it identifies the message
		// even when the answer to the send was lost.
		msg.BizOpaqueCallbackData = OpaqueID(m.ID)
	}
	// The job keeps the exact body to post.
	payload, err := msg.Encode()
	if err != nil {
		return nil, err
	}
	_, err = tx.Enqueue(&store.Job{ChannelID: r.ChannelID, MessageID: m.ID, To: r.CustomerKey, Payload: payload, CreatedAt: now.UTC(), Bulk: r.Bulk})
	return m, err
}

const opaquePrefix = "wachan:"

// OpaqueID is the biz_opaque_callback_data wachan gives message id.
func OpaqueID(id uint64) string { return opaquePrefix + strconv.FormatUint(id, 10) }

// ParseOpaqueID returns the message id in an OpaqueID value.
func ParseOpaqueID(s string) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, opaquePrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	return id, err == nil && id > 0
}

// Withdraw takes the messages ids out of the queue inside tx, unless they
// are already being sent, marking each withdrawn message "cancelled". It
// returns the ids it withdrew.
func Withdraw(tx *store.Tx, ids map[uint64]bool, now time.Time) (map[uint64]bool, error) {
	jobs, err := tx.Jobs()
	if err != nil {
		return nil, err
	}
	out := map[uint64]bool{}
	for _, j := range jobs {
		if !ids[j.MessageID] || !j.InFlight.IsZero() {
			continue
		}
		m, err := tx.Message(j.MessageID)
		if err != nil {
			return nil, err
		}
		m.Status, m.StatusAt = "cancelled", now.UTC()
		m.AddTrail("cancelled", now, nil)
		if err := tx.PutMessage(m); err != nil {
			return nil, err
		}
		if err := tx.DeleteJob(j.Seq); err != nil {
			return nil, err
		}
		out[j.MessageID] = true
	}
	return out, nil
}

// kindOf returns the type field m is sent with.
func kindOf(m *cloudapi.Message) string {
	b, err := m.MarshalJSON()
	if err != nil {
		return ""
	}
	var v struct {
		Type string `json:"type"`
	}
	json.Unmarshal(b, &v)
	return v.Type
}

// finish records a send's outcome: sent, rescheduled or failed. It returns
// the rescheduled job, or nil when the job has left the queue.
func (o *Outbox) finish(j *store.Job, sent cloudapi.Sent, sendErr error) (*store.Job, error) {
	now := o.opts.Now()
	class := cloudapi.ClassOf(sendErr)
	retry := sendErr != nil && !errors.Is(sendErr, store.ErrNotFound) &&
		(class == cloudapi.Retry || class == cloudapi.PairBackoff || class == cloudapi.RefreshToken) &&
		now.Sub(j.CreatedAt) < o.opts.MaxAge
	var next *store.Job
	err := o.store.Batch(func(tx *store.Tx) error {
		next = nil
		job, err := tx.Job(j.Seq)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if retry {
			job.Attempts++
			wait := o.opts.Backoff(class, job.Attempts)
			if class == cloudapi.RefreshToken {
				wait = 30 * time.Second
			}
			if uncertain(sendErr) {
				// Keep InFlight: before sending again, wait for a status
				// webhook that would prove this attempt went out.
				wait = max(wait, o.opts.DoubtWait)
			} else {
				job.InFlight = time.Time{}
			}
			job.NotBefore = now.Add(wait)
			job.LastError = sendErr.Error()
			o.log.Warn("send failed, will retry", slog.String("channel", job.ChannelID),
				slog.Uint64("message", job.MessageID), slog.Int("attempt", job.Attempts),
				slog.Duration("in", wait), slog.Any("error", sendErr))
			next = job
			return tx.PutJob(job)
		}
		m, err := tx.Message(job.MessageID)
		if err != nil {
			return err
		}
		delta := store.Counts{Sent: 1}
		if sendErr == nil {
			if m.WAMID == "" || m.Status == "queued" {
				// Unless a status webhook got here first.
				m.Status, m.StatusAt = "accepted", now.UTC()
				m.AddTrail("accepted", now, nil)
			}
			m.WAMID = sent.WAMID
			if err := tx.LinkWAMID(job.ChannelID, sent.WAMID, m.ID); err != nil {
				return err
			}
			delta.SentOK = 1
		} else {
			m.Status, m.StatusAt = "failed", now.UTC()
			m.Error = errorOf(sendErr)
			m.AddTrail("failed", now, m.Error)
			delta.SentFailed = 1
			o.log.Warn("send failed", slog.String("channel", job.ChannelID), slog.Uint64("message", job.MessageID), slog.Any("error", sendErr))
		}
		if err := tx.PutMessage(m); err != nil {
			return err
		}
		if err := tx.AddCounts(job.ChannelID, now, delta); err != nil {
			return err
		}
		if err := tx.DeleteJob(job.Seq); err != nil {
			return err
		}
		if o.opts.Finished != nil {
			ch, err := tx.Channel(job.ChannelID)
			if err == nil {
				return o.opts.Finished(tx, ch, m)
			}
		}
		return nil
	})
	if err == nil && next != nil && o.opts.Rescheduled != nil {
		o.opts.Rescheduled()
	}
	return next, err
}

func errorOf(err error) *store.MessageError {
	var api *cloudapi.APIError
	if errors.As(err, &api) {
		return &store.MessageError{Code: api.Code, Title: api.Explain(), Details: api.Details}
	}
	return &store.MessageError{Title: err.Error()}
}
