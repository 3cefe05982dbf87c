package media_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/media"
	"github.com/wachan/wachan/store"
)

func TestInboundEachTypeFetchedAndServed(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		kind, mime, filename string
		data                 []byte
		wantType, wantDisp   string
	}{
		{"image", "image/jpeg", "", sample(jpegHead, 70_000), "image/jpeg", `inline; filename="image-`},
		{"audio", "audio/ogg; codecs=opus", "", sample(oggHead, 30_000), "audio/ogg; codecs=opus", `inline; filename="audio-`},
		{"video", "video/mp4", "", sample(mp4Head, 200_000), "video/mp4", `inline; filename="video-`},
		{"document", "application/pdf", "Quote \"Q3\".pdf", sample(pdfHead, 50_000), "application/pdf", `attachment; filename="Quote _Q3_.pdf"; filename*=UTF-8''Quote%20%22Q3%22.pdf`},
		{"sticker", "image/webp", "", sample(webpHead, 20_000), "image/webp", `inline; filename="sticker-`},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			id := e.emu.AddMediaFile(tc.data, tc.mime, tc.filename)
			m := e.receive(tc.kind, id, tc.mime, tc.filename, "")
			link := e.svc.Link(m) // issued before the fetch ends
			if !strings.HasPrefix(link, e.base+"/media/") {
				t.Fatalf("link = %q", link)
			}
			ref := e.wait(m.ID)
			if ref.Error != "" || ref.Size != int64(len(tc.data)) {
				t.Fatalf("media = %+v", ref)
			}
			resp, body := get(t, "GET", link)
			if resp.StatusCode != 200 || !bytes.Equal(body, tc.data) {
				t.Fatalf("GET = %d, %d bytes (want %d)", resp.StatusCode, len(body), len(tc.data))
			}
			sum := sum256(tc.data)
			for h, want := range map[string]string{
				"Content-Type":   tc.wantType,
				"Content-Length": fmt.Sprint(len(tc.data)),
				"ETag":           `"` + hex.EncodeToString(sum[:]) + `"`,
				"Accept-Ranges":  "bytes",
			} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if got := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(got, tc.wantDisp) {
				t.Errorf("Content-Disposition = %q, want prefix %q", got, tc.wantDisp)
			}

			resp, body = get(t, "GET", link, "Range", "bytes=100-199")
			if resp.StatusCode != 206 || !bytes.Equal(body, tc.data[100:200]) ||
				resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(tc.data)) || resp.Header.Get("Content-Length") != "100" {
				t.Fatalf("range = %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
			}
			resp, body = get(t, "GET", link, "Range", "bytes=-10")
			if resp.StatusCode != 206 || !bytes.Equal(body, tc.data[len(tc.data)-10:]) {
				t.Fatalf("suffix range = %d, %d bytes", resp.StatusCode, len(body))
			}
			resp, _ = get(t, "GET", link, "Range", fmt.Sprintf("bytes=%d-", len(tc.data)+5))
			if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", len(tc.data)) {
				t.Fatalf("unsatisfiable range = %d %q", resp.StatusCode, resp.Header.Get("Content-Range"))
			}
			resp, body = get(t, "GET", link, "Range", "bytes=0-9", "If-Range", `"stale"`)
			if resp.StatusCode != 200 || len(body) != len(tc.data) {
				t.Fatalf("range with stale If-Range = %d, %d bytes", resp.StatusCode, len(body))
			}
			resp, body = get(t, "GET", link, "If-None-Match", resp.Header.Get("ETag"))
			if resp.StatusCode != 304 || len(body) != 0 {
				t.Fatalf("If-None-Match = %d, %d bytes", resp.StatusCode, len(body))
			}
			resp, body = get(t, "HEAD", link)
			if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != fmt.Sprint(len(tc.data)) {
				t.Fatalf("HEAD = %d, %d bytes, length %q", resp.StatusCode, len(body), resp.Header.Get("Content-Length"))
			}
		})
	}
}

func TestInboundRefused(t *testing.T) {
	e := newEnv(t, func(o *media.Options) { o.MaxSize = 64 << 10 })
	t.Run("sha256 mismatch", func(t *testing.T) {
		id := e.emu.AddMedia(sample(jpegHead, 1000), "image/jpeg")
		// Meta announces a hash the bytes do not have, before the
		// download starts.
		e.emu.SetMediaSHA256(id, "q4FzvJJRyG8sk0dOWhpWIXL6r4yiR0bRkxWFyBdPEQc=")
		m := e.receive("image", id, "image/jpeg", "", "")
		link := e.svc.Link(m)
		ref := e.wait(m.ID)
		if ref.FileID != "" || !strings.Contains(ref.Error, "SHA-256") {
			t.Fatalf("media = %+v", ref)
		}
		if got := e.failure(m.ID); got != ref.Error {
			t.Fatalf("OnFailed reason = %q, want %q", got, ref.Error)
		}
		if resp, _ := get(t, "GET", link); resp.StatusCode != 404 {
			t.Fatalf("link of failed media = %d", resp.StatusCode)
		}
		if n, _ := e.svc.Stats(); n != 0 {
			t.Fatalf("stored %d files", n)
		}
	})
	t.Run("oversize", func(t *testing.T) {
		id := e.emu.AddMedia(sample(mp4Head, 65<<10), "video/mp4")
		m := e.receive("video", id, "video/mp4", "", "")
		ref := e.wait(m.ID)
		if ref.FileID != "" || !strings.Contains(ref.Error, "larger than the 64 KB limit") {
			t.Fatalf("media = %+v", ref)
		}
		if _, downloads := e.emu.MediaCalls(id); downloads != 0 {
			t.Fatalf("downloaded %d times despite the announced size", downloads)
		}
	})
	t.Run("unknown media id", func(t *testing.T) {
		m := &store.Message{ChannelID: chID, CustomerKey: "447700900001", Direction: store.Inbound, Type: "image",
			Media: &store.MediaRef{MediaID: "999999", MIME: "image/jpeg"}}
		e.ingest(m)
		ref := e.wait(m.ID)
		if !strings.HasPrefix(ref.Error, "WhatsApp refused the download: ") || e.failure(m.ID) == "" {
			t.Fatalf("media = %+v", ref)
		}
	})
	t.Run("meta 131052", func(t *testing.T) {
		m := &store.Message{ChannelID: chID, CustomerKey: "447700900001", Direction: store.Inbound, Type: "unsupported",
			Raw: []byte(`{"type":"unsupported","errors":[{"code":131052,"title":"Media download error","error_data":{"details":"too big"}}]}`)}
		e.ingest(m)
		ref := e.wait(m.ID)
		if !strings.Contains(ref.Error, "could not be downloaded") || e.failure(m.ID) != ref.Error {
			t.Fatalf("media = %+v, reported %q", ref, e.failure(m.ID))
		}
		if e.svc.Link(&store.Message{ID: m.ID, Media: ref}) != "" {
			t.Fatal("a link was issued for media that cannot be fetched")
		}
	})
}

func TestInboundRetriesThenGivesUp(t *testing.T) {
	e := newEnv(t, func(o *media.Options) { o.Attempts = 3 })
	data := sample(pngHead, 5000)
	id := e.emu.AddMedia(data, "image/png")
	e.emu.FailSeq(id, 131000, 131000)
	m := e.receive("image", id, "image/png", "", "")
	if ref := e.wait(m.ID); ref.Error != "" || ref.Size != 5000 {
		t.Fatalf("after two transient failures: %+v", ref)
	}
	id2 := e.emu.AddMedia(data, "image/png")
	e.emu.FailSeq(id2, 131000, 131000, 131000)
	m2 := e.receive("image", id2, "image/png", "", "")
	ref := e.wait(m2.ID)
	if !strings.HasPrefix(ref.Error, "gave up after 3 attempts: WhatsApp answered error 131000") || e.failure(m2.ID) != ref.Error {
		t.Fatalf("after three: %+v", ref)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "will retry") || strings.Contains(logs, metaToken) {
		t.Fatalf("logs lack the retries or hold the access token:\n%s", logs)
	}
}

func TestInboundDuplicateStoredOnce(t *testing.T) {
	e := newEnv(t, nil)
	data := sample(jpegHead, 40_000)
	a := e.receive("image", e.emu.AddMedia(data, "image/jpeg"), "image/jpeg", "", "")
	b := e.receive("image", e.emu.AddMedia(data, "image/jpeg"), "image/jpeg", "", "")
	ra, rb := e.wait(a.ID), e.wait(b.ID)
	if ra.FileID == "" || ra.FileID != rb.FileID {
		t.Fatalf("file ids %q and %q", ra.FileID, rb.FileID)
	}
	if n, size := e.svc.Stats(); n != 1 || size != 40_000 {
		t.Fatalf("stats = %d files, %d bytes", n, size)
	}
	var onDisk int
	e.svc.Files().Walk(func(sum, _ string, _ time.Time) {
		if sum != "" {
			onDisk++
		}
	})
	if onDisk != 1 {
		t.Fatalf("%d files on disk", onDisk)
	}
	for _, m := range []*store.Message{a, b} {
		if resp, body := get(t, "GET", e.svc.Link(m)); resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Fatalf("GET = %d", resp.StatusCode)
		}
	}
}

func TestInboundWebhookURLExpiredIsResolvedAgain(t *testing.T) {
	e := newEnv(t, nil)
	data := sample(jpegHead, 10_000)
	id := e.emu.AddMedia(data, "image/jpeg")
	fresh := e.emu.MediaURL(e.emuURL, id)
	m := e.receive("image", id, "image/jpeg", "", fresh)
	if ref := e.wait(m.ID); ref.Error != "" {
		t.Fatalf("media = %+v", ref)
	}
	if r, d := e.emu.MediaCalls(id); r != 0 || d != 1 {
		t.Fatalf("with a live webhook URL: %d resolves, %d downloads; want 0, 1", r, d)
	}

	id2 := e.emu.AddMedia(sample(jpegHead, 10_000), "image/jpeg")
	stale := e.emu.MediaURL(e.emuURL, id2)
	e.emu.ExpireMediaURLs()
	m2 := e.receive("image", id2, "image/jpeg", "", stale)
	if ref := e.wait(m2.ID); ref.Error != "" {
		t.Fatalf("media = %+v", ref)
	}
	if r, d := e.emu.MediaCalls(id2); r != 1 || d != 1 {
		t.Fatalf("with an expired webhook URL: %d resolves, %d downloads; want 1, 1", r, d)
	}
}

func TestLinkWhileFetching(t *testing.T) {
	e := newEnv(t, func(o *media.Options) { o.WaitPending = 50 * time.Millisecond })
	e.emu.SetDelay(400 * time.Millisecond)
	data := sample(jpegHead, 1000)
	m := e.receive("image", e.emu.AddMedia(data, "image/jpeg"), "image/jpeg", "", "")
	link := e.svc.Link(m)
	resp, _ := get(t, "GET", link)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("link during fetch = %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.wait(m.ID)
	if resp, body := get(t, "GET", link); resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("link after fetch = %d", resp.StatusCode)
	}
}

func TestLinkWaitsForFetchInProgress(t *testing.T) {
	e := newEnv(t, nil)
	e.emu.SetDelay(100 * time.Millisecond)
	data := sample(jpegHead, 1000)
	m := e.receive("image", e.emu.AddMedia(data, "image/jpeg"), "image/jpeg", "", "")
	if resp, body := get(t, "GET", e.svc.Link(m)); resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("link during a short fetch = %d", resp.StatusCode)
	}
}

func TestLowDiskSpace(t *testing.T) {
	var free atomic.Int64
	free.Store(1 << 20)
	e := newEnv(t, func(o *media.Options) {
		o.MaxSize = 1 << 20
		o.FreeSpace = func(string) (int64, error) { return free.Load(), nil }
	})
	for range 2 {
		m := e.receive("image", e.emu.AddMedia(sample(jpegHead, 100), "image/jpeg"), "image/jpeg", "", "")
		ref := e.wait(m.ID)
		if ref.Error != "not enough free disk space on the wachan server to store media (1 MB free, 2 MB needed)" || e.failure(m.ID) == "" {
			t.Fatalf("media = %+v", ref)
		}
	}
	if n := strings.Count(e.logs.String(), "media disk space low"); n != 1 {
		t.Fatalf("low disk space logged %d times:\n%s", n, e.logs.String())
	}
	free.Store(3 << 20)
	m := e.receive("image", e.emu.AddMedia(sample(jpegHead, 100), "image/jpeg"), "image/jpeg", "", "")
	if ref := e.wait(m.ID); ref.Error != "" || !strings.Contains(e.logs.String(), "space available again") {
		t.Fatalf("after space returned: %+v", ref)
	}
	free.Store(1 << 20)
	_, err := e.svc.Attach(t.Context(), chID, media.Attachment{Reader: bytes.NewReader(sample(jpegHead, 100))})
	if err == nil || !strings.Contains(err.Error(), "not enough free disk space") {
		t.Fatalf("Attach = %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(e.dir, "media", "tmp"))
	if len(entries) != 0 {
		t.Fatalf("%d temporary files left", len(entries))
	}
}

// TestInboundWebhookURLOffMetaIgnored receives media whose webhook URL is
// an HTTPS host the client trusts but that is not Meta's: it is never
// asked (so never sees the access token), and the media is fetched by
// its id.
func TestInboundWebhookURLOffMetaIgnored(t *testing.T) {
	var foreign atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreign.Add(1)
		w.Write(sample(jpegHead, 10_000))
	}))
	defer srv.Close()
	e := newEnv(t, nil)
	e.graph = cloudapi.New(cloudapi.Options{BaseURL: e.emuURL, HTTP: srv.Client(), MediaHTTP: srv.Client()})
	e.restart()
	data := sample(jpegHead, 10_000)
	id := e.emu.AddMedia(data, "image/jpeg")
	m := e.receive("image", id, "image/jpeg", "", srv.URL+"/whatsapp_business/attachments/?mid="+id)
	if ref := e.wait(m.ID); ref.Error != "" {
		t.Fatalf("media = %+v", ref)
	}
	if n := foreign.Load(); n != 0 {
		t.Fatalf("the webhook's foreign URL was fetched %d times", n)
	}
	if r, d := e.emu.MediaCalls(id); r != 1 || d != 1 {
		t.Fatalf("%d resolves, %d downloads; want 1, 1", r, d)
	}
}
