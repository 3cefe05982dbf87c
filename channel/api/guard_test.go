package api_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTokenGuessingLimited guesses admin tokens: each failure is logged
// with its address (never the token tried), and after the burst the
// address is refused with 429, even with the right token.
func TestTokenGuessingLimited(t *testing.T) {
	logs := &lockedBuffer{}
	e := newHostileEnvWith(t, slog.New(slog.NewTextHandler(logs, nil)), 0)
	var codes []int
	for i := range 30 {
		a := e.send("GET", "/api/v1/channels", nil, map[string]string{"Authorization": fmt.Sprintf("Bearer guess-%04d-secretish", i)})
		codes = append(codes, a.status)
	}
	if codes[0] != 401 || codes[len(codes)-1] != 429 {
		t.Fatalf("guesses answered %v", codes)
	}
	if a := e.send("GET", "/api/v1/channels", nil, nil); a.status != 429 || a.err.Code != "rate_limited" {
		t.Fatalf("right token while limited = %d %s", a.status, a.body)
	}
	text := logs.String()
	if n := strings.Count(text, "API authentication failed"); n < 5 || !strings.Contains(text, "ip=127.0.0.1") {
		t.Fatalf("failures logged %d times:\n%s", n, text)
	}
	if strings.Contains(text, "secretish") || strings.Contains(text, hostileToken) {
		t.Fatalf("a token was logged:\n%s", text)
	}
}
