package graphemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// SignatureHeader is the header carrying a webhook's signature.
const SignatureHeader = "X-Hub-Signature-256"

// Sign returns the X-Hub-Signature-256 value of body for appSecret:
// "sha256=" and the hex HMAC-SHA256 of the raw bytes.
func Sign(appSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// encodeMeta encodes v as Meta does: no HTML escaping, and every character
// above U+007F written as \uXXXX (surrogate pairs beyond the BMP).
func encodeMeta(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return escapeNonASCII(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// escapeNonASCII rewrites every non-ASCII character of b as \uXXXX. It is
// safe on JSON because such characters only occur inside strings.
func escapeNonASCII(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r < utf8.RuneSelf:
			out = append(out, b[0])
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		b = b[size:]
	}
	return out
}

// Webhook envelope, with fields in Meta's order.
type (
	webhookBody struct {
		Object string         `json:"object"`
		Entry  []webhookEntry `json:"entry"`
	}
	webhookEntry struct {
		ID      string          `json:"id"`
		Changes []webhookChange `json:"changes"`
	}
	webhookChange struct {
		Value webhookValue `json:"value"`
		Field string       `json:"field"`
	}
	webhookValue struct {
		MessagingProduct string           `json:"messaging_product"`
		Metadata         webhookMetadata  `json:"metadata"`
		Contacts         []webhookContact `json:"contacts,omitempty"`
		Messages         []map[string]any `json:"messages,omitempty"`
		Statuses         []webhookStatus  `json:"statuses,omitempty"`
	}
	webhookMetadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	}
	webhookContact struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
	}
	webhookStatus struct {
		ID                    string          `json:"id"`
		Status                string          `json:"status"`
		Timestamp             string          `json:"timestamp"`
		RecipientID           string          `json:"recipient_id,omitempty"`
		RecipientUserID       string          `json:"recipient_user_id,omitempty"`
		BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`
		Pricing               *webhookPricing `json:"pricing,omitempty"`
	}
	webhookPricing struct {
		Billable     bool   `json:"billable"`
		PricingModel string `json:"pricing_model"`
		Type         string `json:"type"`
		Category     string `json:"category"`
	}
)

// envelope wraps value in Meta's webhook envelope for n.
func envelope(n Number, value webhookValue) webhookBody {
	value.MessagingProduct = "whatsapp"
	value.Metadata = webhookMetadata{DisplayPhoneNumber: digits(n.DisplayPhoneNumber), PhoneNumberID: n.PhoneNumberID}
	return webhookBody{
		Object: "whatsapp_business_account",
		Entry:  []webhookEntry{{ID: n.WABAID, Changes: []webhookChange{{Value: value, Field: "messages"}}}},
	}
}

// digits keeps the digits of s.
func digits(s string) string {
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func unixString(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// queueStatuses schedules the status webhooks of an accepted message from
// start on; s.mu must not be held.
func (s *Server) queueStatuses(n Number, msg SentMessage, category, bizOpaque string, start time.Time) {
	for i, st := range s.statuses {
		if !s.queueStatus(n, msg, st, category, bizOpaque, start.Add(time.Duration(i)*s.opts.StatusDelay)) {
			return
		}
	}
}

// laterDue is when a status after those queued from start is due at the
// earliest: StatusDelay after the last, as if it were one more of them.
func (s *Server) laterDue(start time.Time) time.Time {
	return start.Add(time.Duration(len(s.statuses)) * s.opts.StatusDelay)
}

// queueStatus schedules the status webhook st of an accepted message, due
// at due, and reports whether it was queued; s.mu must not be held.
func (s *Server) queueStatus(n Number, msg SentMessage, st, category, bizOpaque string, due time.Time) bool {
	url, secret := s.targetOf(n.PhoneNumberID, "messages")
	if url == "" {
		return false
	}
	ws := webhookStatus{
		ID:                    msg.WAMID,
		Status:                st,
		Timestamp:             unixString(s.now()),
		RecipientID:           digits(msg.To),
		RecipientUserID:       msg.Recipient,
		BizOpaqueCallbackData: bizOpaque,
	}
	if st == "sent" || st == "delivered" {
		ws.Pricing = &webhookPricing{Billable: category != "service", PricingModel: "PMP", Type: "regular", Category: category}
		if category == "service" {
			ws.Pricing.Type = "free_customer_service"
		}
	}
	body, err := encodeMeta(envelope(n, webhookValue{Statuses: []webhookStatus{ws}}))
	if err != nil {
		s.log.Error("encoding status webhook", slog.Any("err", err))
		return false
	}
	if !s.dispatch.enqueue(webhookJob{due: due, pnid: n.PhoneNumberID, url: url, secret: secret, body: body}) {
		s.log.Warn("webhook queue full, status dropped", slog.String("phone_number_id", n.PhoneNumberID), slog.String("status", st))
		return false
	}
	return true
}

// deliver POSTs one queued webhook and reports whether the receiver took
// it (answered 2xx).
func (s *Server) deliver(ctx context.Context, j webhookJob) bool {
	status, err := s.post(ctx, j.pnid, j.url, j.secret, j.body)
	return err == nil && status >= 200 && status < 300
}

// SetWebhookRetry replaces the redelivery schedule of queued webhooks
// (statuses and QueueInbound); a zero Window drops a webhook after its
// first failed attempt. A new Server uses DefaultRetry.
func (s *Server) SetWebhookRetry(r Retry) {
	s.dispatch.mu.Lock()
	s.dispatch.retry = r
	s.dispatch.mu.Unlock()
}

// PendingWebhooks returns how many queued webhooks wait for delivery or
// redelivery.
func (s *Server) PendingWebhooks() int { return s.dispatch.pending() }

// DroppedWebhooks returns how many queued webhooks were given up: queue
// full, or their retry window over.
func (s *Server) DroppedWebhooks() int {
	s.dispatch.mu.Lock()
	defer s.dispatch.mu.Unlock()
	return s.dispatch.dropped
}

// RetryWebhooksNow makes every queued webhook due at once, as when the
// receiver is known to be back.
func (s *Server) RetryWebhooksNow() { s.dispatch.retryNow(time.Now()) }

// QueueInbound queues body (from Inbound, InboundText or InboundMedia) for
// delivery to the number's WebhookURL by the webhook queue, which
// redelivers it until it is answered 2xx, like Meta. It reports false for
// an unknown number, a number without a webhook URL or a full queue.
func (s *Server) QueueInbound(pnid string, body []byte) bool {
	url, secret := s.targetOf(pnid, "messages")
	if url == "" {
		return false
	}
	return s.dispatch.enqueue(webhookJob{due: time.Now(), pnid: pnid, url: url, secret: secret, body: body})
}

// targetOf is target for the number pnid, taking s.mu; an unknown number
// has none.
func (s *Server) targetOf(pnid, field string) (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.numbers[pnid]
	if n == nil {
		return "", ""
	}
	return s.target(n, field)
}

// post signs body with secret, POSTs it to url and records the delivery.
func (s *Server) post(ctx context.Context, pnid, url, secret string, body []byte) (int, error) {
	d := Delivery{PhoneNumberID: pnid, URL: url, Body: body, Time: time.Now()}
	status, err := s.postSigned(ctx, url, secret, body)
	d.Status = status
	if err != nil {
		d.Err = err.Error()
		s.log.Warn("webhook delivery failed", slog.String("phone_number_id", pnid), slog.Any("err", err))
	}
	s.recordDelivery(d)
	return status, err
}

func (s *Server) postSigned(ctx context.Context, url, secret string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("building webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("posting webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
