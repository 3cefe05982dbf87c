package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDescribe: failures read as plain words, without the request URL.
func TestDescribe(t *testing.T) {
	// A real refused connection and a real timeout over loopback.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	_, refused := http.Get(closed + "/v25.0/102290129340398/message_templates?fields=name%2Cstatus")
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	_, timeout := (&http.Client{Timeout: 50 * time.Millisecond}).Get("http://" + hang.Addr().String() + "/v25.0/x?fields=a%2Cb")

	tests := []struct {
		name string
		err  error
		want string
	}{
		{"meta error", fmt.Errorf("listing templates: %w", &APIError{HTTPStatus: 401, Code: 190, Message: "Error validating access token"}), "error 190"},
		{"refused", fmt.Errorf("listing templates: %w", refused), "connection was refused"},
		{"timeout", fmt.Errorf("listing templates: %w", timeout), "did not answer in time"},
		{"proxy page", &StatusError{HTTPStatus: 502, Body: "<html>"}, "HTTP 502"},
		{"dns", &net.DNSError{Name: "graph.facebook.invalid", Err: "no such host"}, "graph.facebook.invalid could not be looked up"},
		{"cancelled", context.Canceled, "cancelled"},
		{"other", errors.New(`Get "https://graph.facebook.com/v25.0/1/x?fields=a%2Cb": boom`), "daemon's log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error to describe")
			}
			got := Describe(tt.err)
			if !strings.Contains(got, tt.want) || strings.Contains(got, "%2C") || strings.Contains(got, "http") {
				t.Fatalf("Describe(%v) = %q, want %q and no URL", tt.err, got, tt.want)
			}
		})
	}
}
