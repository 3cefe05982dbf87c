package cloudapi_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
)

// verify checks a webhook signature the way a receiver must: over the raw
// bytes.
func verify(secret string, body []byte, header string) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(header))
}

type statusBody struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				MessagingProduct string `json:"messaging_product"`
				Metadata         struct {
					DisplayPhoneNumber string `json:"display_phone_number"`
					PhoneNumberID      string `json:"phone_number_id"`
				} `json:"metadata"`
				Statuses []struct {
					ID                    string `json:"id"`
					Status                string `json:"status"`
					Timestamp             string `json:"timestamp"`
					RecipientID           string `json:"recipient_id"`
					BizOpaqueCallbackData string `json:"biz_opaque_callback_data"`
					Pricing               *struct {
						Category string `json:"category"`
					} `json:"pricing"`
				} `json:"statuses"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func TestStatusWebhooksSigned(t *testing.T) {
	url, hooks := newReceiver(t)
	e := newEnv(t, graphemu.Options{}, func(n *graphemu.Number) { n.WebhookURL = url })
	const opaque = "pedido nº 7 — ação ✓ 😀"
	sent, err := e.client.Send(t.Context(), e.creds, &cloudapi.Message{
		To:                    "5511912345678",
		Text:                  &cloudapi.Text{Body: "olá"},
		BizOpaqueCallbackData: opaque,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sent", "delivered", "read"} {
		h := receive(t, hooks)
		if !verify(testSecret, h.body, h.signature) {
			t.Fatalf("%s: signature %q does not verify over the raw body", want, h.signature)
		}
		if verify("wrong-secret", h.body, h.signature) {
			t.Fatalf("%s: signature verifies with the wrong secret", want)
		}
		if !bytes.Contains(h.body, []byte(`\u00ba`)) || !bytes.Contains(h.body, []byte(`\ud83d\ude00`)) {
			t.Fatalf("%s: body lacks Meta's \\u escapes: %s", want, h.body)
		}
		for _, b := range h.body {
			if b >= 0x80 {
				t.Fatalf("%s: body carries raw non-ASCII bytes: %s", want, h.body)
			}
		}
		// Re-encoding the decoded body changes the bytes, so verifying
		// over anything but the raw body fails.
		var generic any
		if err := json.Unmarshal(h.body, &generic); err != nil {
			t.Fatal(err)
		}
		reencoded, _ := json.Marshal(generic)
		if verify(testSecret, reencoded, h.signature) {
			t.Fatalf("%s: re-encoded body verifies; the test would not catch a receiver that re-encodes", want)
		}

		var sb statusBody
		if err := json.Unmarshal(h.body, &sb); err != nil {
			t.Fatal(err)
		}
		if sb.Object != "whatsapp_business_account" || len(sb.Entry) != 1 || sb.Entry[0].ID != testWABA {
			t.Fatalf("envelope: %s", h.body)
		}
		ch := sb.Entry[0].Changes[0]
		st := ch.Value.Statuses[0]
		if ch.Field != "messages" || ch.Value.MessagingProduct != "whatsapp" ||
			ch.Value.Metadata.PhoneNumberID != testPNID || ch.Value.Metadata.DisplayPhoneNumber != "15550783881" {
			t.Errorf("change: %s", h.body)
		}
		if st.ID != sent.WAMID || st.Status != want || st.RecipientID != "5511912345678" || st.BizOpaqueCallbackData != opaque {
			t.Errorf("status %+v, want %s of %s", st, want, sent.WAMID)
		}
		if st.Timestamp == "" || st.Timestamp[0] < '1' {
			t.Errorf("timestamp %q is not unix seconds", st.Timestamp)
		}
		if (want != "read") != (st.Pricing != nil) {
			t.Errorf("%s: pricing %+v", want, st.Pricing)
		}
	}
}

func TestInboundDelivery(t *testing.T) {
	url, hooks := newReceiver(t)
	e := newEnv(t, graphemu.Options{}, func(n *graphemu.Number) { n.WebhookURL = url })
	wamid, body := e.emu.InboundText(testPNID, "5511912345678", "João", "Olá! Preciso de ajuda")
	if wamid == "" || !bytes.Contains(body, []byte(`Jo\u00e3o`)) {
		t.Fatalf("inbound body: %s", body)
	}
	status, err := e.emu.DeliverInbound(testPNID, body)
	if err != nil || status != 200 {
		t.Fatalf("DeliverInbound: %d, %v", status, err)
	}
	h := receive(t, hooks)
	if !bytes.Equal(h.body, body) || !verify(testSecret, h.body, h.signature) {
		t.Fatalf("delivered body or signature differs")
	}
	if err := e.client.MarkRead(t.Context(), e.creds, wamid, false); err != nil {
		t.Fatalf("marking the inbound message read: %v", err)
	}
}
