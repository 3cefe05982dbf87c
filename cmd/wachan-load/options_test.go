package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // substring of the error; empty for success
	}{
		{"defaults", nil, ""},
		{"loopback listen", []string{"--listen", "127.0.0.1:9000"}, ""},
		{"localhost url", []string{"--url", "http://localhost:8080", "--admin-token", "x"}, ""},
		{"ipv6 loopback", []string{"--graph-addr", "[::1]:0"}, ""},
		{"remote url", []string{"--url", "http://192.0.2.10:8080", "--admin-token", "x"}, "only loopback"},
		{"remote listen", []string{"--listen", "0.0.0.0:8080"}, "only loopback"},
		{"remote ari", []string{"--ari-addr", "10.0.0.1:8088"}, "only loopback"},
		{"host name", []string{"--graph-addr", "example.com:80"}, "only loopback"},
		{"url without token", []string{"--url", "http://127.0.0.1:8080"}, "--admin-token"},
		{"no channels", []string{"--channels", "0"}, "--channels"},
		{"negative rate", []string{"--rate", "-1"}, "--rate"},
		{"media over one", []string{"--media", "1.5"}, "--media"},
		{"send rate", []string{"--send-rate", "1001"}, "--send-rate"},
		{"stray argument", []string{"now"}, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args, io.Discard, io.Discard)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if o.count == 0 && o.duration != 10*time.Second {
					t.Fatalf("default duration %v", o.duration)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestRunHelpAndRefusal(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--help"}, &out, &errOut); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, want := range []string{"-rate", "-count", "-duration", "-wachan", "-media", "-channels", "-customers", "p99", "VmRSS", "loopback"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	out.Reset()
	if code := run([]string{"--url", "http://203.0.113.5", "--admin-token", "t"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "loopback") {
		t.Fatalf("remote target: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"--wachan", "/nonexistent/wachan"}, &out, &errOut); code != 2 {
		t.Fatalf("missing binary: exit %d, %q", code, errOut.String())
	}
}

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Name:\twachan\nVmPeak:\t  900 kB\nVmRSS:\t   23456 kB\nThreads:\t9\n", 23456 * 1024, true},
		{"VmRSS: 1 kB", 1024, true},
		{"Name:\tzombie\n", 0, false},
		{"VmRSS:\t12 MB\n", 0, false},
		{"VmRSS:\tx kB\n", 0, false},
	}
	for _, tt := range tests {
		got, err := parseVmRSS([]byte(tt.in))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseVmRSS(%q) = %d, %v", tt.in, got, err)
		}
	}
	if n, err := rssOf(syscall.Getpid()); err != nil || n <= 0 {
		t.Errorf("rssOf(self) = %d, %v", n, err)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 1000; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 501 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {0.999, 999 * time.Millisecond}, {1, time.Second}} {
		if got := percentile(d, tt.q); got != tt.want {
			t.Errorf("percentile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("percentile of nothing")
	}
}

func TestErrorKind(t *testing.T) {
	tests := []struct {
		status int
		err    error
		want   string
	}{
		{503, nil, "http_503"},
		{0, fmt.Errorf("post: %w", syscall.ECONNREFUSED), "conn_refused"},
		{0, fmt.Errorf("read: %w", syscall.ECONNRESET), "conn_reset"},
		{0, fmt.Errorf("read: %w", io.ErrUnexpectedEOF), "conn_closed"},
		{0, errors.New("something else"), "transport"},
	}
	for _, tt := range tests {
		if got := errorKind(tt.status, tt.err); got != tt.want {
			t.Errorf("errorKind(%d, %v) = %s, want %s", tt.status, tt.err, got, tt.want)
		}
	}
	if got := errorLine(map[string]int{"http_503": 2, "conn_refused": 5, "a": 2}); got != "conn_refused 5, a 2, http_503 2" {
		t.Errorf("errorLine = %q", got)
	}
}

func TestParseStatCPU(t *testing.T) {
	got, err := parseStatCPU([]byte("4242 (wachan serve) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 12 0 100 0 0"))
	if err != nil || got != 3250*time.Millisecond {
		t.Fatalf("parseStatCPU = %v, %v; want 3.25s", got, err)
	}
	if _, err := parseStatCPU([]byte("garbage")); err == nil {
		t.Fatal("garbage parsed")
	}
}
