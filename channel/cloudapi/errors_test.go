package cloudapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
)

func textTo(to string) *cloudapi.Message {
	return &cloudapi.Message{To: to, Text: &cloudapi.Text{Body: "hello"}}
}

func TestErrorClasses(t *testing.T) {
	e := newEnv(t, graphemu.Options{Statuses: []string{}}, nil)
	tests := []struct {
		code   int
		status int
		class  cloudapi.Class
	}{
		{0, 401, cloudapi.Never},
		{2, 503, cloudapi.Retry},
		{3, 403, cloudapi.Never},
		{4, 429, cloudapi.Retry},
		{10, 403, cloudapi.Never},
		{100, 400, cloudapi.Never},
		{190, 401, cloudapi.RefreshToken},
		{200, 403, cloudapi.Never},
		{368, 403, cloudapi.Pause},
		{80007, 429, cloudapi.Retry},
		{130429, 429, cloudapi.Retry},
		{131000, 500, cloudapi.Retry},
		{131016, 503, cloudapi.Retry},
		{131026, 400, cloudapi.Never},
		{131047, 400, cloudapi.Never},
		{131048, 400, cloudapi.Pause},
		{131049, 400, cloudapi.Pause},
		{131050, 400, cloudapi.Never},
		{131051, 400, cloudapi.Never},
		{131052, 400, cloudapi.Never},
		{131053, 400, cloudapi.Never},
		{131056, 400, cloudapi.PairBackoff},
		{131057, 503, cloudapi.Retry},
		{132000, 400, cloudapi.Never},
		{132001, 404, cloudapi.Never},
		{132015, 400, cloudapi.Never},
		{133004, 503, cloudapi.Retry},
		{133010, 400, cloudapi.Never},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			e.emu.FailNext(testPNID, 1, tt.code)
			_, err := e.client.Send(t.Context(), e.creds, textTo("5511912345678"))
			apiErr, ok := errors.AsType[*cloudapi.APIError](err)
			if !ok {
				t.Fatalf("error %v, want *APIError", err)
			}
			if apiErr.Code != tt.code || apiErr.HTTPStatus != tt.status {
				t.Errorf("code %d status %d, want %d and %d", apiErr.Code, apiErr.HTTPStatus, tt.code, tt.status)
			}
			if apiErr.FBTraceID == "" || apiErr.Message == "" || apiErr.Details != "injected fault" {
				t.Errorf("envelope not fully parsed: %+v", apiErr)
			}
			if got := cloudapi.ClassOf(err); got != tt.class {
				t.Errorf("ClassOf = %v, want %v", got, tt.class)
			}
			if got := apiErr.Explain(); got == "" || strings.Contains(got, "Check Meta's error code reference") {
				t.Errorf("no specific explanation for %d: %q", tt.code, got)
			}
		})
	}
	if got := e.emu.Rejected(testPNID)[131056]; got != 1 {
		t.Errorf("emulator counted %d rejections with 131056, want 1", got)
	}
	if _, err := e.client.Send(t.Context(), e.creds, textTo("5511912345678")); err != nil {
		t.Fatalf("send after the injected faults: %v", err)
	}
}

func TestTokenErrors(t *testing.T) {
	e := newEnv(t, graphemu.Options{}, nil)
	bad := e.creds
	bad.Token = "EAAG-unknown"
	_, err := e.client.Send(t.Context(), bad, textTo("5511912345678"))
	apiErr, ok := errors.AsType[*cloudapi.APIError](err)
	if !ok || apiErr.Code != 190 || apiErr.Subcode != 0 || apiErr.HTTPStatus != 401 {
		t.Fatalf("unknown token: %v, want 190 without subcode", err)
	}
	e.emu.ExpireToken(testToken)
	_, err = e.client.PhoneNumber(t.Context(), e.creds)
	apiErr, ok = errors.AsType[*cloudapi.APIError](err)
	if !ok || apiErr.Code != 190 || apiErr.Subcode != 463 {
		t.Fatalf("expired token: %v, want 190/463", err)
	}
	if cloudapi.ClassOf(err) != cloudapi.RefreshToken {
		t.Errorf("class %v, want refresh-token", cloudapi.ClassOf(err))
	}
	want := "The access token has expired (temporary tokens last 24 h). Replace it with a permanent System User token."
	if got := apiErr.Explain(); got != want {
		t.Errorf("Explain = %q", got)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error leaks the token: %v", err)
	}
}

// TestTokenScrubbed checks that a token echoed back by the server (Meta does
// for malformed tokens) never reaches an error.
func TestTokenScrubbed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":"Malformed access token %s","type":"OAuthException","code":190,"fbtrace_id":"Ax"}}`, tok)
	}))
	defer srv.Close()
	c := cloudapi.New(cloudapi.Options{BaseURL: srv.URL})
	creds := cloudapi.Creds{PhoneNumberID: "1", Token: "EAAG-secret-value"}
	_, err := c.PhoneNumber(t.Context(), creds)
	if err == nil || strings.Contains(err.Error(), "EAAG-secret-value") || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error %v: token not scrubbed", err)
	}
	for _, s := range []string{fmt.Sprint(creds), fmt.Sprintf("%+v", creds), fmt.Sprintf("%#v", creds)} {
		if strings.Contains(s, "EAAG-secret-value") {
			t.Errorf("formatted creds leak the token: %s", s)
		}
	}
}

func TestNetworkErrorClass(t *testing.T) {
	// A port with nothing listening: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	// A server that drops every connection without answering.
	drop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer drop.Close()

	// A server that answers too slowly.
	slow := graphemu.New(graphemu.Options{})
	defer slow.Close()
	if err := slow.AddNumber(graphemu.Number{PhoneNumberID: testPNID, WABAID: testWABA, Token: testToken}); err != nil {
		t.Fatal(err)
	}
	slow.SetDelay(time.Second)
	slowURL, err := slow.Start()
	if err != nil {
		t.Fatal(err)
	}

	// A proxy answering 502 without an envelope.
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>Bad Gateway</html>", http.StatusBadGateway)
	}))
	defer gateway.Close()

	creds := cloudapi.Creds{PhoneNumberID: testPNID, Token: testToken}
	tests := []struct {
		name    string
		base    string
		timeout time.Duration
		class   cloudapi.Class
	}{
		{"connection refused", "http://" + addr, 2 * time.Second, cloudapi.Retry},
		{"connection reset", drop.URL, 2 * time.Second, cloudapi.Retry},
		{"timeout", slowURL, 50 * time.Millisecond, cloudapi.Retry},
		{"502 without envelope", gateway.URL, 2 * time.Second, cloudapi.Retry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cloudapi.New(cloudapi.Options{BaseURL: tt.base, HTTP: &http.Client{Timeout: tt.timeout}})
			_, err := c.Send(t.Context(), creds, textTo("5511912345678"))
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := cloudapi.ClassOf(err); got != tt.class {
				t.Errorf("ClassOf(%v) = %v, want %v", err, got, tt.class)
			}
		})
	}
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		c := cloudapi.New(cloudapi.Options{BaseURL: slowURL})
		_, err := c.Send(ctx, creds, textTo("5511912345678"))
		if !errors.Is(err, context.Canceled) || cloudapi.ClassOf(err) != cloudapi.Never {
			t.Errorf("error %v class %v, want context.Canceled and never", err, cloudapi.ClassOf(err))
		}
	})
}

func TestExplain(t *testing.T) {
	tests := []struct {
		code, subcode int
		details, want string
	}{
		{190, 0, "", "The access token has expired (temporary tokens last 24 h). Replace it with a permanent System User token."},
		{131047, 0, "", "More than 24 h since the customer's last message: send a template"},
		{100, 33, "", "Admin system user"},
		{100, 0, "Unsupported get request. Object with ID '1' does not exist", "phone number id"},
		{100, 33, "", "media id may have expired"},
		{100, 0, "Param text['body'] must be at most 4096 characters long.", "4096"},
		{133010, 0, "", "not registered"},
		{130429, 0, "", "throughput"},
		{131056, 0, "", "this customer"},
		{250, 0, "", "Permission denied"},
		{132099, 0, "", "template"},
		{999999, 0, "odd", "999999"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code, "/", tt.subcode), func(t *testing.T) {
			if got := cloudapi.Explain(tt.code, tt.subcode, tt.details); !strings.Contains(got, tt.want) {
				t.Errorf("Explain = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		class   cloudapi.Class
		attempt int
		want    time.Duration
	}{
		{cloudapi.Retry, 0, time.Second},
		{cloudapi.Retry, 1, 2 * time.Second},
		{cloudapi.Retry, 3, 8 * time.Second},
		{cloudapi.Retry, 6, time.Minute},
		{cloudapi.Retry, 100, time.Minute},
		{cloudapi.PairBackoff, 0, time.Second},
		{cloudapi.PairBackoff, 1, 4 * time.Second},
		{cloudapi.PairBackoff, 2, 16 * time.Second},
		{cloudapi.PairBackoff, 3, 64 * time.Second},
		{cloudapi.PairBackoff, 50, 4096 * time.Second},
		{cloudapi.Pause, 0, time.Hour},
		{cloudapi.RefreshToken, 2, 0},
		{cloudapi.Never, 2, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.class, tt.attempt), func(t *testing.T) {
			if got := cloudapi.Backoff(tt.class, tt.attempt); got != tt.want {
				t.Errorf("Backoff = %v, want %v", got, tt.want)
			}
		})
	}
}
