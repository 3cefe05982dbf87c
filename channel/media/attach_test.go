package media_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/media"
	"github.com/wachan/wachan/store"
)

func TestAttachKindsAndLimits(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name, filename, caption string
		data                    []byte
		asDoc                   bool
		kind, mime              string
		refused                 string
	}{
		{name: "jpeg", data: sample(jpegHead, 5<<20), caption: "the invoice", kind: "image", mime: "image/jpeg"},
		{name: "png named like a pdf", filename: "x.pdf", data: sample(pngHead, 1000), kind: "image", mime: "image/png"},
		{name: "png over 5 MB", data: sample(pngHead, 5<<20+1), refused: "more than WhatsApp's 5 MB limit"},
		{name: "ogg opus", data: sample(oggHead, 1000), kind: "audio", mime: "audio/ogg"},
		{name: "ogg vorbis", data: sample("OggS\x00\x02"+strings.Repeat("\x00", 22)+"\x01vorbis", 1000), refused: "Opus"},
		{name: "audio with a caption", data: sample(oggHead, 1000), caption: "hi", refused: "no caption"},
		{name: "amr", data: sample(amrHead, 1000), kind: "audio", mime: "audio/amr"},
		{name: "mp3", data: sample(mp3Head, 1000), kind: "audio", mime: "audio/mpeg"},
		{name: "m4a", data: sample(m4aHead, 1000), kind: "audio", mime: "audio/mp4"},
		{name: "mp4", data: sample(mp4Head, 1000), kind: "video", mime: "video/mp4"},
		{name: "3gp", data: sample(threeGHead, 1000), kind: "video", mime: "video/3gpp"},
		{name: "mp4 over 16 MB", data: sample(mp4Head, 16<<20+1), refused: "16 MB limit"},
		{name: "pdf", filename: "Offer.pdf", data: sample(pdfHead, 1000), caption: "offer", kind: "document", mime: "application/pdf"},
		{name: "text", filename: "notes.txt", data: []byte("plain notes\nline two\n"), kind: "document", mime: "text/plain"},
		{name: "docx", filename: "a.docx", data: sample("PK\x03\x04", 1000), kind: "document",
			mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{name: "zip", filename: "a.zip", data: sample("PK\x03\x04", 1000), refused: "ZIP archives"},
		{name: "executable renamed", filename: "photo.jpg", data: sample("\x7fELF\x02\x01\x01", 1000), refused: "cannot be sent"},
		{name: "html", filename: "a.html", data: []byte("<html><script>alert(1)</script></html>"), refused: "cannot be sent"},
		{name: "static sticker", data: sample(webpHead, 100<<10), kind: "sticker", mime: "image/webp"},
		{name: "static sticker over 100 KB", data: sample(webpHead, 100<<10+1), refused: "100 KB limit"},
		{name: "animated sticker", data: sample(webpAnim, 400<<10), kind: "sticker", mime: "image/webp"},
		{name: "animated sticker over 500 KB", data: sample(webpAnim, 500<<10+1), refused: "animated sticker"},
		{name: "jpeg as document", filename: "scan.jpg", data: sample(jpegHead, 1000), asDoc: true, kind: "document", mime: "image/jpeg"},
		{name: "empty", data: []byte{}, refused: "empty"},
		{name: "caption too long", data: sample(jpegHead, 100), caption: strings.Repeat("x", 1025), refused: "caption"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.Attach(t.Context(), chID, media.Attachment{Reader: bytes.NewReader(tc.data),
				Filename: tc.filename, Caption: tc.caption, AsDocument: tc.asDoc})
			if tc.refused != "" {
				var r *media.Refusal
				if !errors.As(err, &r) || !strings.Contains(r.Reason, tc.refused) {
					t.Fatalf("Attach = %v, want a refusal containing %q", err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			msg := out.Message
			if msg.Type != tc.kind || out.Media.MIME != tc.mime || out.Media.Size != int64(len(tc.data)) {
				t.Fatalf("type %q mime %q size %d", msg.Type, out.Media.MIME, out.Media.Size)
			}
			md := map[string]*cloudapi.Media{"image": msg.Image, "audio": msg.Audio, "video": msg.Video,
				"document": msg.Document, "sticker": msg.Sticker}[tc.kind]
			if md == nil || md.ID != "" || md.Caption != tc.caption {
				t.Fatalf("payload = %+v", md)
			}
			if tc.kind == "document" && (md.Filename == "" || md.Filename != out.Media.Filename) {
				t.Fatalf("document filename %q / %q", md.Filename, out.Media.Filename)
			}
			resp, body := get(t, "GET", md.Link)
			if resp.StatusCode != 200 || !bytes.Equal(body, tc.data) || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.mime) {
				t.Fatalf("GET link = %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
			}
			req := out.Request(&store.Customer{ChannelID: chID, Key: "447700900001", WaID: "447700900001"}, 7, "1001")
			if err := req.Message.Validate(); err != nil {
				t.Fatalf("message does not validate: %v", err)
			}
			if req.Message.To != "447700900001" || req.Media != out.Media || req.SessionID != 7 || out.Message.To != "" {
				t.Fatalf("request = %+v", req)
			}
		})
	}
}

func TestAttachByUpload(t *testing.T) {
	e := newEnv(t, nil)
	data := sample(pdfHead, 3000)
	out, err := e.svc.Attach(t.Context(), chID, media.Attachment{Reader: bytes.NewReader(data), Filename: "Terms.pdf", Mode: media.ModeID})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Message.Document
	if d == nil || d.ID == "" || d.Link != "" || out.Media.MediaID != d.ID || d.Filename != "Terms.pdf" {
		t.Fatalf("document = %+v, media %+v", d, out.Media)
	}
	got, mime, name, ok := e.emu.Media(d.ID)
	if !ok || !bytes.Equal(got, data) || mime != "application/pdf" || name != "Terms.pdf" {
		t.Fatalf("uploaded %v %q %q, %d bytes", ok, mime, name, len(got))
	}
	// Meta refuses the upload: the reason reaches the sender.
	e.emu.FailNext(pnid, 1, 131053)
	_, err = e.svc.Attach(t.Context(), chID, media.Attachment{Reader: bytes.NewReader(data), Mode: media.ModeID})
	var r *media.Refusal
	if !errors.As(err, &r) || !strings.HasPrefix(r.Reason, "WhatsApp refused the upload") {
		t.Fatalf("Attach = %v", err)
	}
	if _, err := e.svc.Attach(t.Context(), "nope", media.Attachment{Reader: bytes.NewReader(data)}); !errors.As(err, &r) {
		t.Fatalf("unknown channel: %v", err)
	}
}

func TestSendURL(t *testing.T) {
	jpeg := sample(jpegHead, 30_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/pics/cat.jpg":
			w.Write(jpeg)
		case "/doc":
			w.Header().Set("Content-Disposition", `attachment; filename="Price list.pdf"`)
			w.Write(sample(pdfHead, 500))
		case "/big":
			w.Write(sample(pdfHead, 70<<10))
		case "/redirect-ftp":
			http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	e := newEnv(t, func(o *media.Options) { o.FetchPrivate = true; o.MaxSize = 64 << 10 })
	out, err := e.svc.SendURL(t.Context(), chID, srv.URL+"/pics/cat.jpg", "look")
	if err != nil {
		t.Fatal(err)
	}
	if out.Message.Image == nil || out.Message.Image.Caption != "look" || out.Text != "look" {
		t.Fatalf("message = %+v", out.Message)
	}
	if resp, body := get(t, "GET", out.Message.Image.Link); resp.StatusCode != 200 || !bytes.Equal(body, jpeg) {
		t.Fatalf("GET link = %d", resp.StatusCode)
	}
	out, err = e.svc.SendURL(t.Context(), chID, srv.URL+"/doc", "")
	if err != nil || out.Message.Document == nil || out.Message.Document.Filename != "Price list.pdf" || out.Text != "[document] Price list.pdf" {
		t.Fatalf("document = %+v, %v", out, err)
	}
	for _, tc := range []struct{ url, want string }{
		{"ftp://example.com/a.jpg", "only http and https"},
		{"file:///etc/passwd", "only http and https"},
		{"javascript:alert(1)", "only http and https"},
		{"//example.com/a.jpg", "not a valid URL"},
		{"http://user:pw@" + strings.TrimPrefix(srv.URL, "http://") + "/pics/cat.jpg", "password"},
		{srv.URL + "/missing", "HTTP 404"},
		{srv.URL + "/big", "64 KB limit"},
		{srv.URL + "/redirect-ftp", "could not fetch"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, err := e.svc.SendURL(t.Context(), chID, tc.url, "")
			var r *media.Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Reason, tc.want) {
				t.Fatalf("SendURL = %v, want a refusal containing %q", err, tc.want)
			}
		})
	}

	// By default the daemon fetches nothing on its own network.
	strict := newEnv(t, nil)
	_, err = strict.svc.SendURL(t.Context(), chID, srv.URL+"/pics/cat.jpg", "")
	var r *media.Refusal
	if !errors.As(err, &r) || !strings.Contains(r.Reason, "local network") {
		t.Fatalf("loopback URL: %v", err)
	}
	// Nor any other address IANA reserves, however it is written.
	for _, u := range []string{
		"http://100.64.0.1/x", "http://198.18.0.1/x", "http://192.0.0.170/x", "http://[64:ff9b::7f00:1]/x",
		"http://[64:ff9b::a9fe:a9fe]/latest/meta-data", "http://[::ffff:169.254.169.254]/x", "http://[2002:c0a8:101::1]/x",
	} {
		_, err := strict.svc.SendURL(t.Context(), chID, u, "")
		if !errors.As(err, &r) || !strings.Contains(r.Reason, "local network") {
			t.Errorf("%s: %v", u, err)
		}
	}
}
