package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

type sendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

// Send validates msg and sends it from creds.PhoneNumberID. The returned
// Sent means Meta accepted the message, not that it was delivered.
func (c *Client) Send(ctx context.Context, creds Creds, msg *Message) (Sent, error) {
	if err := needCreds(creds, true, false); err != nil {
		return Sent{}, fmt.Errorf("sending message: %w", err)
	}
	if err := msg.Validate(); err != nil {
		return Sent{}, fmt.Errorf("sending message: %w", err)
	}
	body, err := jsonBody(msg)
	if err != nil {
		return Sent{}, fmt.Errorf("sending message: %w", err)
	}
	return c.send(ctx, creds, body)
}

// SendEncoded posts a message body produced earlier by Message.Encode,
// for queues that store what they will send.
func (c *Client) SendEncoded(ctx context.Context, creds Creds, body []byte) (Sent, error) {
	if err := needCreds(creds, true, false); err != nil {
		return Sent{}, fmt.Errorf("sending message: %w", err)
	}
	return c.send(ctx, creds, bytes.NewReader(body))
}

// Encode validates m and returns the request body Send would post.
func (m *Message) Encode() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("encoding message: %w", err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding message: %w", err)
	}
	return b, nil
}

func (c *Client) send(ctx context.Context, creds Creds, body io.Reader) (Sent, error) {
	var resp sendResponse
	err := c.postMessages(ctx, creds, body, &resp)
	if err != nil {
		return Sent{}, fmt.Errorf("sending message: %w", err)
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return Sent{}, fmt.Errorf("sending message: %w", errors.New("answer carries no message id"))
	}
	s := Sent{WAMID: resp.Messages[0].ID, MessageStatus: resp.Messages[0].MessageStatus}
	if len(resp.Contacts) > 0 {
		s.WaID = resp.Contacts[0].WaID
	}
	return s, nil
}

type readBody struct {
	MessagingProduct string           `json:"messaging_product"`
	Status           string           `json:"status"`
	MessageID        string           `json:"message_id"`
	TypingIndicator  *typingIndicator `json:"typing_indicator,omitempty"`
}

type typingIndicator struct {
	Type string `json:"type"`
}

type successResponse struct {
	Success bool `json:"success"`
}

// MarkRead marks the inbound message wamid as read (blue ticks) and, when
// typing is true, shows a typing indicator to the customer for up to 25 s
// or until the next message.
func (c *Client) MarkRead(ctx context.Context, creds Creds, wamid string, typing bool) error {
	if err := needCreds(creds, true, false); err != nil {
		return fmt.Errorf("marking message read: %w", err)
	}
	if wamid == "" {
		return fmt.Errorf("marking message read: %w", errMissing("message id"))
	}
	rb := readBody{MessagingProduct: "whatsapp", Status: "read", MessageID: wamid}
	if typing {
		rb.TypingIndicator = &typingIndicator{Type: "text"}
	}
	body, err := jsonBody(rb)
	if err != nil {
		return fmt.Errorf("marking message read: %w", err)
	}
	var resp successResponse
	err = c.postMessages(ctx, creds, body, &resp)
	if err != nil {
		return fmt.Errorf("marking message read: %w", err)
	}
	if !resp.Success {
		return fmt.Errorf("marking message read: %w", errors.New("answer is not success"))
	}
	return nil
}

// postMessages POSTs a JSON body to the number's /messages edge.
func (c *Client) postMessages(ctx context.Context, creds Creds, body io.Reader, out any) error {
	return c.do(ctx, request{
		method:      http.MethodPost,
		url:         c.graphURL(nil, creds.PhoneNumberID, "messages"),
		token:       creds.Token,
		body:        body,
		contentType: "application/json",
	}, out)
}
