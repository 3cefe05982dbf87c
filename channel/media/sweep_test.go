package media_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/media"
	"github.com/wachan/wachan/store"
)

func TestSweepDeletesExactlyWhatExpired(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newEnv(t, func(o *media.Options) { o.Now = clk.Now; o.Retention = 72 * time.Hour })
	attach := func(data []byte) *media.Outgoing {
		t.Helper()
		out, err := e.svc.Attach(t.Context(), chID, media.Attachment{Reader: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	old, shared, young := sample(jpegHead, 1000), sample(pngHead, 2000), sample(pdfHead, 3000)
	oldOut := attach(old)
	m := e.receive("image", e.emu.AddMedia(shared, "image/png"), "image/png", "", "")
	e.wait(m.ID)
	inboundLink := e.svc.Link(m)
	clk.Add(48 * time.Hour)
	attach(shared) // a second reference keeps the shared file 48 h longer
	youngOut := attach(young)

	clk.Add(24*time.Hour - time.Second)
	if n, err := e.svc.Sweep(); err != nil || n != 0 {
		t.Fatalf("sweep before expiry deleted %d (%v)", n, err)
	}
	clk.Add(time.Second)
	if n, err := e.svc.Sweep(); err != nil || n != 1 {
		t.Fatalf("sweep at 72 h deleted %d, want 1 (%v)", n, err)
	}
	if files, size := e.svc.Stats(); files != 2 || size != 5000 {
		t.Fatalf("stats = %d files, %d bytes", files, size)
	}
	if resp, _ := get(t, "GET", oldOut.Message.Image.Link); resp.StatusCode != 404 {
		t.Fatalf("expired file's link = %d", resp.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "media", oldOut.Media.SHA256[:2], oldOut.Media.SHA256)); !os.IsNotExist(err) {
		t.Fatalf("expired file still on disk: %v", err)
	}
	if resp, body := get(t, "GET", youngOut.Message.Document.Link); resp.StatusCode != 200 || !bytes.Equal(body, young) {
		t.Fatalf("young file = %d", resp.StatusCode)
	}
	// The inbound message's own link has expired with its retention even
	// though the content lives on for the later reference.
	if resp, _ := get(t, "GET", inboundLink); resp.StatusCode != 404 {
		t.Fatalf("expired inbound link = %d", resp.StatusCode)
	}
	if resp, body := get(t, "GET", e.svc.Link(m)); resp.StatusCode != 200 || !bytes.Equal(body, shared) {
		t.Fatalf("shared file = %d", resp.StatusCode)
	}

	clk.Add(48 * time.Hour)
	if n, _ := e.svc.Sweep(); n != 2 {
		t.Fatalf("final sweep deleted %d, want 2", n)
	}
	if files, size := e.svc.Stats(); files != 0 || size != 0 {
		t.Fatalf("stats = %d files, %d bytes", files, size)
	}
	var left int
	e.svc.Files().Walk(func(string, string, time.Time) { left++ })
	if left != 0 {
		t.Fatalf("%d files left on disk", left)
	}
}

func TestSweepRemovesStrayFiles(t *testing.T) {
	e := newEnv(t, nil)
	kept, err := e.svc.Attach(t.Context(), chID, media.Attachment{Reader: bytes.NewReader(sample(jpegHead, 100))})
	if err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(e.dir, "media", "tmp", "in-123")
	orphan := filepath.Join(e.dir, "media", "ab", "ab"+string(bytes.Repeat([]byte("0"), 62)))
	fresh := filepath.Join(e.dir, "media", "tmp", "in-456")
	os.MkdirAll(filepath.Dir(orphan), 0o750)
	for _, p := range []string{stray, orphan, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stray, past, past)
	os.Chtimes(orphan, past, past)
	if _, err := e.svc.Sweep(); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{stray: false, orphan: false, fresh: true,
		filepath.Join(e.dir, "media", kept.Media.SHA256[:2], kept.Media.SHA256): true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", p, err == nil, want)
		}
	}
}

func TestRestartKeepsFilesAndLinks(t *testing.T) {
	e := newEnv(t, nil)
	data := sample(jpegHead, 5000)
	m := e.receive("image", e.emu.AddMedia(data, "image/jpeg"), "image/jpeg", "", "")
	e.wait(m.ID)
	link := e.svc.Link(m)
	out, err := e.svc.Attach(t.Context(), chID, media.Attachment{Reader: bytes.NewReader(sample(pdfHead, 100)), Filename: "a.pdf"})
	if err != nil {
		t.Fatal(err)
	}

	// A job queued but not fetched before the stop is fetched after it.
	e.emu.SetDelay(time.Hour)
	pending := e.receive("image", e.emu.AddMedia(sample(pngHead, 700), "image/png"), "image/png", "", "")
	e.restart()
	e.emu.SetDelay(0)
	e.svc.Wake()
	if ref := e.wait(pending.ID); ref.Error != "" || ref.Size != 700 {
		t.Fatalf("pending media after restart: %+v", ref)
	}
	for _, l := range []string{link, out.Message.Document.Link} {
		if resp, _ := get(t, "GET", l); resp.StatusCode != 200 {
			t.Fatalf("link %s after restart = %d", l, resp.StatusCode)
		}
	}
	if e.svc.Link(m) == "" {
		t.Fatal("no link after restart")
	}
	var msg *store.Message
	e.st.View(func(tx *store.Tx) (err error) { msg, err = tx.Message(m.ID); return })
	if msg.Media.FileID == "" {
		t.Fatal("file id lost")
	}
}
