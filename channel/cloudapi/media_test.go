package cloudapi_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
)

func TestMediaRoundTrip(t *testing.T) {
	clk := newClock()
	e := newEnv(t, graphemu.Options{Now: clk.Now, MediaURLTTL: 5 * time.Minute}, nil)
	data := bytes.Repeat([]byte("%PDF-1.4 fake document "), 5000)
	id, err := e.client.UploadMedia(t.Context(), e.creds, "invoice.pdf", "application/pdf", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("UploadMedia: %v", err)
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			t.Fatalf("media id %q is not digits", id)
		}
	}
	info, err := e.client.ResolveMedia(t.Context(), e.creds, id)
	if err != nil {
		t.Fatalf("ResolveMedia: %v", err)
	}
	if info.ID != id || info.MimeType != "application/pdf" || info.FileSize != int64(len(data)) {
		t.Errorf("media info %+v", info)
	}
	var buf bytes.Buffer
	n, err := e.client.Download(t.Context(), e.creds, info.URL, &buf, 10<<20)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Download: %d bytes, %v", n, err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Fatal("downloaded bytes differ from the upload")
	}
	if !info.Matches(sha256.Sum256(buf.Bytes())) {
		t.Errorf("sha256 %q does not match the downloaded bytes", info.SHA256)
	}
	if info.Matches(sha256.Sum256([]byte("other"))) {
		t.Error("sha256 matches unrelated bytes")
	}

	t.Run("too large", func(t *testing.T) {
		_, err := e.client.Download(t.Context(), e.creds, info.URL, io.Discard, 1000)
		if !errors.Is(err, cloudapi.ErrMediaTooLarge) {
			t.Fatalf("error %v, want ErrMediaTooLarge", err)
		}
	})
	t.Run("without the right token", func(t *testing.T) {
		other := e.creds
		other.Token = "EAAG-unknown"
		_, err := e.client.Download(t.Context(), other, info.URL, io.Discard, 10<<20)
		st, ok := errors.AsType[*cloudapi.StatusError](err)
		if !ok || st.HTTPStatus != 401 {
			t.Fatalf("error %v, want HTTP 401", err)
		}
	})
	t.Run("expired url then re-resolve", func(t *testing.T) {
		clk.Advance(5*time.Minute + time.Second)
		_, err := e.client.Download(t.Context(), e.creds, info.URL, io.Discard, 10<<20)
		if !errors.Is(err, cloudapi.ErrMediaURLExpired) {
			t.Fatalf("expired url: %v, want ErrMediaURLExpired", err)
		}
		fresh, err := e.client.ResolveMedia(t.Context(), e.creds, id)
		if err != nil {
			t.Fatalf("re-resolving: %v", err)
		}
		if fresh.URL == info.URL {
			t.Error("re-resolving returned the expired url")
		}
		var again bytes.Buffer
		if _, err := e.client.Download(t.Context(), e.creds, fresh.URL, &again, 10<<20); err != nil || !bytes.Equal(again.Bytes(), data) {
			t.Fatalf("download after re-resolving: %v", err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := e.client.DeleteMedia(t.Context(), e.creds, id); err != nil {
			t.Fatalf("DeleteMedia: %v", err)
		}
		_, err := e.client.ResolveMedia(t.Context(), e.creds, id)
		apiErr, ok := errors.AsType[*cloudapi.APIError](err)
		if !ok || apiErr.Code != 100 || apiErr.Subcode != 33 {
			t.Fatalf("resolving deleted media: %v, want 100/33", err)
		}
		if !strings.Contains(apiErr.Explain(), "media id may have expired") {
			t.Errorf("Explain = %q", apiErr.Explain())
		}
	})
}

func TestInboundMediaSeeded(t *testing.T) {
	e := newEnv(t, graphemu.Options{}, nil)
	img := []byte("\x89PNG\r\n\x1a\nfake")
	id := e.emu.AddMedia(img, "image/png")
	info, err := e.client.ResolveMedia(t.Context(), e.creds, id)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := e.client.Download(t.Context(), e.creds, info.URL, &buf, 1<<20); err != nil || !bytes.Equal(buf.Bytes(), img) {
		t.Fatalf("Download: %v", err)
	}
	if !info.Matches(sha256.Sum256(img)) {
		t.Error("sha256 mismatch")
	}
}

func TestUploadRejected(t *testing.T) {
	e := newEnv(t, graphemu.Options{}, nil)
	_, err := e.client.UploadMedia(t.Context(), e.creds, "x.exe", "application/x-msdownload", strings.NewReader("MZ"))
	apiErr, ok := errors.AsType[*cloudapi.APIError](err)
	if !ok || apiErr.Code != 131053 || !strings.Contains(apiErr.Details, "application/x-msdownload") {
		t.Fatalf("error %v, want 131053 naming the type", err)
	}
}

func TestDownloadRefusesForeignPlainHTTP(t *testing.T) {
	c := cloudapi.New(cloudapi.Options{BaseURL: "http://127.0.0.1:1"})
	_, err := c.Download(t.Context(), cloudapi.Creds{Token: "t"}, "http://media.example.invalid/media", io.Discard, 10)
	if err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("error %v, want a refusal", err)
	}
}

// TestDownloadSendsTokenOnlyToMeta points Download at an HTTPS server the
// client trusts but that is not Meta's: the token must not reach it.
func TestDownloadSendsTokenOnlyToMeta(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Write([]byte("file"))
	}))
	defer srv.Close()
	c := cloudapi.New(cloudapi.Options{BaseURL: "https://graph.example.test", HTTP: srv.Client(), MediaHTTP: srv.Client()})
	for _, u := range []string{
		srv.URL + "/whatsapp_business/attachments/?mid=1",
		"https://lookaside.fbsbx.com.attacker.test/x",
		"https://lookaside.fbsbx.com:8443/x",
		"http://lookaside.fbsbx.com/x",
		"https://user:pw@lookaside.fbsbx.com/x",
		"https://graph.example.test.attacker.test/x",
	} {
		_, err := c.Download(t.Context(), cloudapi.Creds{Token: "secret-token"}, u, io.Discard, 1<<20)
		if !errors.Is(err, cloudapi.ErrUntrustedMediaURL) {
			t.Errorf("Download(%s) = %v, want ErrUntrustedMediaURL", u, err)
		}
		if c.TrustedMediaURL(u) {
			t.Errorf("TrustedMediaURL(%s) = true", u)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Fatalf("the foreign host was asked %d times (Authorization %q)", len(seen), seen)
	}
	for _, u := range []string{
		"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
		"https://mmg.whatsapp.net/v/t62/x", "https://scontent.xx.fbcdn.net/x", "https://graph.example.test/v25.0/x",
	} {
		if !c.TrustedMediaURL(u) {
			t.Errorf("TrustedMediaURL(%s) = false", u)
		}
	}
}
