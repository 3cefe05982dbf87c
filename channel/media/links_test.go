package media_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/media"
)

func TestLinkRefusals(t *testing.T) {
	e := newEnv(t, nil)
	data := sample(jpegHead, 2000)
	m := e.receive("image", e.emu.AddMedia(data, "image/jpeg"), "image/jpeg", "", "")
	e.wait(m.ID)
	link := e.svc.Link(m)
	token := strings.TrimPrefix(link, e.base+media.RoutePrefix)
	flip := func(i int) string {
		b := []byte(token)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	other := media.NewSigner(bytes.Repeat([]byte("k"), 32))
	tests := []struct {
		name string
		path string
		want int
	}{
		{"tampered id", media.RoutePrefix + flip(4), 403},
		{"tampered signature", media.RoutePrefix + flip(len(token)-3), 403},
		{"other install's key", media.RoutePrefix + other.Sign(media.Target{Kind: media.KindMessage, ID: m.ID, Expires: time.Now().Add(time.Hour)}), 403},
		{"truncated", media.RoutePrefix + token[:len(token)-1], 404},
		{"extended", media.RoutePrefix + token + "A", 404},
		{"empty", media.RoutePrefix, 404},
		{"unknown message", media.RoutePrefix + e.svc.Signer().Sign(media.Target{Kind: media.KindMessage, ID: 424242, Expires: time.Now().Add(time.Hour)}), 404},
		{"unknown file", media.RoutePrefix + e.svc.Signer().Sign(media.Target{Kind: media.KindFile, ID: 424242, Expires: time.Now().Add(time.Hour)}), 404},
		{"expired", media.RoutePrefix + e.svc.Signer().Sign(media.Target{Kind: media.KindMessage, ID: m.ID, Expires: time.Now().Add(-time.Second)}), 404},
		{"dot dot", media.RoutePrefix + "../wachan.db", 404},
		{"encoded dot dot", media.RoutePrefix + "..%2F..%2Fwachan.db", 404},
		{"encoded dot dot into media dir", media.RoutePrefix + "..%2Fmedia%2Ftmp", 404},
		{"directory", media.RoutePrefix + "tmp/", 404},
		{"sha path", media.RoutePrefix + "ab/" + strings.Repeat("a", 64), 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, "GET", e.base+tc.path)
			if resp.StatusCode != tc.want {
				t.Fatalf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
			if bytes.Contains(body, data[:64]) || bytes.Contains(body, []byte("SQLite")) {
				t.Fatalf("body leaks: %q", body)
			}
			if s := string(body); strings.Contains(s, "signature") || strings.Contains(s, "expired") {
				t.Fatalf("body explains the refusal: %q", s)
			}
		})
	}
	if resp, _ := get(t, "GET", link); resp.StatusCode != 200 {
		t.Fatalf("genuine link = %d", resp.StatusCode)
	}
}

func TestSignerRoundTrip(t *testing.T) {
	s := media.NewSigner(bytes.Repeat([]byte{7}, 32))
	now := time.Unix(1_800_000_000, 0)
	for _, target := range []media.Target{
		{Kind: media.KindMessage, ID: 1, Expires: now.Add(time.Second)},
		{Kind: media.KindFile, ID: 1<<64 - 1, Expires: now.Add(72 * time.Hour)},
	} {
		tok := s.Sign(target)
		got, err := s.Verify(tok, now)
		if err != nil || got != target {
			t.Fatalf("Verify(Sign(%+v)) = %+v, %v", target, got, err)
		}
		if strings.ContainsAny(tok, "/.%\\") {
			t.Fatalf("token %q holds path characters", tok)
		}
		if _, err := s.Verify(tok, target.Expires); err != media.ErrTokenExpired {
			t.Fatalf("at expiry: %v", err)
		}
	}
}

// FuzzVerify checks that the link verifier never panics and accepts
// nothing but tokens it signed.
func FuzzVerify(f *testing.F) {
	s := media.NewSigner(bytes.Repeat([]byte{9}, 32))
	now := time.Unix(1_800_000_000, 0)
	good := s.Sign(media.Target{Kind: media.KindMessage, ID: 42, Expires: now.Add(time.Hour)})
	f.Add(good)
	f.Add("")
	f.Add("../../etc/passwd")
	f.Add(strings.Repeat("A", len(good)))
	f.Add(good[:len(good)-1] + "B")
	f.Fuzz(func(t *testing.T, tok string) {
		target, err := s.Verify(tok, now)
		if err != nil {
			return
		}
		if tok != s.Sign(target) {
			t.Fatalf("accepted %q, which is not the token signed for %+v", tok, target)
		}
		if target.ID == 0 || !now.Before(target.Expires) {
			t.Fatalf("accepted %+v", target)
		}
	})
}

func TestDisposition(t *testing.T) {
	tests := []struct {
		attach bool
		name   string
		want   string
	}{
		{true, "report.pdf", `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`},
		{false, "résumé café.jpg", `inline; filename="r_sum_ caf_.jpg"; filename*=UTF-8''r%C3%A9sum%C3%A9%20caf%C3%A9.jpg`},
		{true, "a\"; filename=evil.exe", `attachment; filename="a_; filename=evil.exe"; filename*=UTF-8''a%22%3B%20filename%3Devil.exe`},
		{true, "x\r\nSet-Cookie: a=b.pdf", `attachment; filename="xSet-Cookie: a=b.pdf"; filename*=UTF-8''xSet-Cookie%3A%20a%3Db.pdf`},
		{true, "../../etc/passwd", `attachment; filename="passwd"; filename*=UTF-8''passwd`},
		{true, `C:\Users\x\100%.txt`, `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`},
		{true, "", `attachment; filename="file"; filename*=UTF-8''file`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := media.Disposition(tc.attach, tc.name)
			if got != tc.want {
				t.Fatalf("Disposition(%q) =\n %s\nwant\n %s", tc.name, got, tc.want)
			}
			if strings.ContainsAny(got, "\r\n") || strings.Count(got, `"`) != 2 {
				t.Fatalf("unsafe header value %q", got)
			}
		})
	}
}
