package asterisk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/wachan/wachan/pbx"
)

// maxRequestBody is Asterisk's limit for a request body; larger ones get 413.
const maxRequestBody = 40960

// endpointJSON is ARI's Endpoint object.
type endpointJSON struct {
	Technology string `json:"technology"`
	Resource   string `json:"resource"`
	State      string `json:"state"`
}

// apiError is a non-2xx ARI answer.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("ARI answered %d %q", e.Status, e.Message)
}

// basicAuth returns the Authorization header value.
func (a *Adapter) basicAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.opts.User+":"+a.opts.Password))
}

// do issues one ARI request; body, when not nil, is sent as JSON and out,
// when not nil, receives the decoded 2xx answer. Transport failures wrap
// pbx.ErrNotConnected.
func (a *Adapter) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encoding request: %w", err)
		}
		if len(b) > maxRequestBody {
			return fmt.Errorf("request body of %d bytes exceeds Asterisk's %d", len(b), maxRequestBody)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.opts.URL+path, rd)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Authorization", a.basicAuth())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", pbx.ErrNotConnected, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: reading answer: %w", pbx.ErrNotConnected, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &apiError{Status: resp.StatusCode}
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &m) == nil {
			e.Message = m.Message
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding answer: %w", err)
		}
	}
	return nil
}

// SendMessage sends a SIP MESSAGE to the phone of extension ext with the
// given From (e.g. `"Ann Smith (WhatsApp)" <sip:wa-447700900001@host>`);
// each vars entry becomes a SIP header. Everything travels in the JSON
// body, which Asterisk accepts up to 40960 bytes (the query string is
// limited to about 4 KB). This is a plain net/http call: the ari/v5
// client's TextMessage.Send puts the body in the query and sends vars as
// the whole JSON body. A nil error only means Asterisk handed the message
// to its SIP stack; it does not confirm delivery. An offline extension
// gives pbx.ErrEndpointOffline, an unknown one pbx.ErrEndpointNotFound.
func (a *Adapter) SendMessage(ctx context.Context, ext, from, body string, vars map[string]string) error {
	if vars == nil {
		vars = map[string]string{}
	}
	req := struct {
		From      string            `json:"from"`
		Body      string            `json:"body"`
		Variables map[string]string `json:"variables"`
	}{from, body, vars}
	err := a.do(ctx, http.MethodPut, "/endpoints/PJSIP/"+url.PathEscape(ext)+"/sendMessage", req, nil)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		// Asterisk answers 404 for offline and unknown endpoints alike.
		st, gerr := a.Endpoint(ctx, ext)
		switch {
		case errors.Is(gerr, pbx.ErrEndpointNotFound):
			return fmt.Errorf("sending message to %s: %w", ext, pbx.ErrEndpointNotFound)
		case gerr == nil && !st.Online:
			return fmt.Errorf("sending message to %s: %w", ext, pbx.ErrEndpointOffline)
		case gerr != nil:
			return fmt.Errorf("sending message to %s: %w (then %w)", ext, err, gerr)
		}
		return fmt.Errorf("sending message to %s: %w (endpoint online now)", ext, err)
	}
	if err != nil {
		return fmt.Errorf("sending message to %s: %w", ext, err)
	}
	return nil
}

// Endpoints lists the PJSIP endpoints, offline ones included.
func (a *Adapter) Endpoints(ctx context.Context) ([]pbx.EndpointState, error) {
	var list []endpointJSON
	if err := a.do(ctx, http.MethodGet, "/endpoints/PJSIP", nil, &list); err != nil {
		return nil, fmt.Errorf("listing endpoints: %w", err)
	}
	now := time.Now()
	out := make([]pbx.EndpointState, 0, len(list))
	for _, e := range list {
		out = append(out, pbx.EndpointState{Ext: e.Resource, Online: e.State == "online", Time: now})
	}
	return out, nil
}

// Endpoint returns the state of the PJSIP endpoint ext, or
// pbx.ErrEndpointNotFound.
func (a *Adapter) Endpoint(ctx context.Context, ext string) (pbx.EndpointState, error) {
	var e endpointJSON
	err := a.do(ctx, http.MethodGet, "/endpoints/PJSIP/"+url.PathEscape(ext), nil, &e)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return pbx.EndpointState{}, fmt.Errorf("getting endpoint %s: %w", ext, pbx.ErrEndpointNotFound)
	}
	if err != nil {
		return pbx.EndpointState{}, fmt.Errorf("getting endpoint %s: %w", ext, err)
	}
	return pbx.EndpointState{Ext: e.Resource, Online: e.State == "online", Time: time.Now()}, nil
}
