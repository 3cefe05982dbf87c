package daemon

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var linkPattern = regexp.MustCompile(`http://\S+/media/[A-Za-z0-9_-]+`)

// mediaSample returns n bytes of content that starts with head.
func mediaSample(head string, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	copy(b, head)
	return b
}

// getLink downloads a media link, retrying while it is still fetching.
func getLink(t *testing.T, link string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		req, _ := http.NewRequest("GET", link, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return resp, body
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postMedia sends a multipart media reply into session id.
func (h *harness) postMedia(id, filename string, data []byte, fields map[string]string, out any) int {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", h.base+"/api/v1/sessions/"+id+"/media", &buf)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("decoding %q: %v", raw, err)
		}
	}
	return resp.StatusCode
}

// sentMedia waits for the n-th send and returns its media node.
func (p *pbxHarness) sentMedia(n int, kind string) map[string]any {
	p.t.Helper()
	p.waitSent(n)
	node, _ := p.graph.Sent(pnid)[n-1].Body[kind].(map[string]any)
	if node == nil {
		p.t.Fatalf("send #%d is not %s: %v", n, kind, p.graph.Sent(pnid)[n-1].Body)
	}
	return node
}

func TestMediaEndToEnd(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")

	// A customer's photo reaches the agent as a link that serves it.
	photo := mediaSample("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 80_000)
	_, body := p.graph.InboundMedia(pnid, customer, "Ann", "image", p.graph.AddMedia(photo, "image/jpeg"), "the damage")
	if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("webhook = %d, %v", code, err)
	}
	got, n := p.waitFor("1001", 0, "/media/")
	if !strings.Contains(got.Body, "the damage") {
		t.Fatalf("agent got %q", got.Body)
	}
	photoLink := linkPattern.FindString(got.Body)
	if !strings.HasPrefix(photoLink, p.cfg.PublicURL+"/media/") {
		t.Fatalf("link %q in %q", photoLink, got.Body)
	}
	resp, data := getLink(t, photoLink)
	if resp.StatusCode != 200 || !bytes.Equal(data, photo) || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("photo link = %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(data))
	}
	resp, data = getLink(t, photoLink, "Range", "bytes=0-3")
	if resp.StatusCode != 206 || !bytes.Equal(data, photo[:4]) {
		t.Fatalf("range = %d", resp.StatusCode)
	}

	// A document keeps its name.
	pdf := mediaSample("%PDF-1.7\n", 30_000)
	_, body = p.graph.InboundMedia(pnid, customer, "Ann", "document", p.graph.AddMediaFile(pdf, "application/pdf", "Claim form.pdf"), "")
	if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("webhook = %d, %v", code, err)
	}
	got, _ = p.waitFor("1001", n, "Claim form.pdf")
	resp, data = getLink(t, linkPattern.FindString(got.Body))
	if resp.StatusCode != 200 || !bytes.Equal(data, pdf) ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="Claim form.pdf"; filename*=UTF-8''Claim%20form.pdf` {
		t.Fatalf("document link = %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}

	// The admin answers with a picture, sent as a link the daemon serves.
	sessions := p.sessions("?state=open")
	if len(sessions) != 1 {
		t.Fatalf("sessions = %v", sessions)
	}
	sid := jsonNum(sessions[0]["id"])
	png := mediaSample("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 20_000)
	var out struct {
		ID    uint64
		Type  string
		Media map[string]any
	}
	if code := p.postMedia(sid, "repair.png", png, map[string]string{"caption": "Repaired"}, &out); code != 202 {
		t.Fatalf("POST media = %d %+v", code, out)
	}
	if out.Type != "image" || out.Media["mime_type"] != "image/png" {
		t.Fatalf("answer = %+v", out)
	}
	img := p.sentMedia(1, "image")
	if img["caption"] != "Repaired" || img["id"] != nil {
		t.Fatalf("sent image = %v", img)
	}
	resp, data = getLink(t, img["link"].(string))
	if resp.StatusCode != 200 || !bytes.Equal(data, png) {
		t.Fatalf("outbound link = %d", resp.StatusCode)
	}
	var msgs struct{ Messages []map[string]any }
	p.do("GET", "/api/v1/sessions/"+sid+"/messages", nil, &msgs)
	if last := msgs.Messages[len(msgs.Messages)-1]; last["type"] != "image" || last["text"] != "Repaired" {
		t.Fatalf("session history ends with %v", last)
	}

	// Upload mode, for PBXs the internet cannot reach.
	if code := p.postMedia(sid, "form.pdf", pdf, map[string]string{"mode": "id"}, nil); code != 202 {
		t.Fatalf("POST media mode=id = %d", code)
	}
	doc := p.sentMedia(2, "document")
	uploaded, _, name, ok := p.graph.Media(fmt.Sprint(doc["id"]))
	if doc["link"] != nil || !ok || !bytes.Equal(uploaded, pdf) || name != "form.pdf" || doc["filename"] != "form.pdf" {
		t.Fatalf("sent document = %v (uploaded %v %q)", doc, ok, name)
	}

	// Refusals.
	var apiErr struct {
		Error struct{ Code, Message, Field string }
	}
	if code := p.postMedia(sid, "photo.jpg", mediaSample("\x7fELF\x02\x01\x01", 500), nil, &apiErr); code != 422 ||
		apiErr.Error.Field != "file" || !strings.Contains(apiErr.Error.Message, "cannot be sent") {
		t.Fatalf("executable = %d %+v", code, apiErr)
	}
	if code := p.postMedia(sid, "", nil, map[string]string{"caption": "x"}, &apiErr); code != 422 || apiErr.Error.Field != "file" {
		t.Fatalf("no file = %d %+v", code, apiErr)
	}
	if code := p.postMedia("999", "a.png", png, nil, &apiErr); code != 404 {
		t.Fatalf("unknown session = %d", code)
	}

	// Stats: photo, pdf and png, the pdf stored once.
	var stats struct {
		Files        int
		Bytes        int64
		FreeBytes    int64 `json:"free_bytes"`
		MinFreeBytes int64 `json:"min_free_bytes"`
	}
	if code := p.do("GET", "/api/v1/media/stats", nil, &stats); code != 200 || stats.Files != 3 ||
		stats.Bytes != int64(len(photo)+len(pdf)+len(png)) || stats.FreeBytes <= 0 || stats.MinFreeBytes != 2*p.cfg.MediaMaxSize {
		t.Fatalf("stats = %d %+v", code, stats)
	}
	_, data = getLink(t, p.metrics+"/metrics")
	if !bytes.Contains(data, []byte("wachan_media_files 3")) {
		t.Fatalf("metrics lack the media gauge")
	}

	// Links survive a restart.
	p.restart()
	for _, l := range []string{photoLink, img["link"].(string)} {
		if resp, _ := getLink(t, l); resp.StatusCode != 200 {
			t.Fatalf("%s after restart = %d", l, resp.StatusCode)
		}
	}
	if resp, _ := getLink(t, photoLink[:len(photoLink)-2]+"xx"); resp.StatusCode != 403 && resp.StatusCode != 404 {
		t.Fatalf("tampered link = %d", resp.StatusCode)
	}
}
