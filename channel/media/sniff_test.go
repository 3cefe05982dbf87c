package media_test

import (
	"errors"
	"testing"

	"github.com/wachan/wachan/channel/media"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name, head, filename string
		mime, kind           string
		animated             bool
	}{
		{"jpeg", jpegHead, "", "image/jpeg", "image", false},
		{"png", pngHead, "a.webp", "image/png", "image", false},
		{"webp", webpHead, "", "image/webp", "sticker", false},
		{"animated webp", webpAnim, "", "image/webp", "sticker", true},
		{"ogg opus", oggHead, "", "audio/ogg", "audio", false},
		{"amr", amrHead, "", "audio/amr", "audio", false},
		{"mp3 id3", mp3Head, "", "audio/mpeg", "audio", false},
		{"mp3 frame", "\xFF\xFB\x90\x64", "", "audio/mpeg", "audio", false},
		{"aac adts", "\xFF\xF1\x50\x80", "", "audio/aac", "audio", false},
		{"m4a", m4aHead, "", "audio/mp4", "audio", false},
		{"mp4", mp4Head, "", "video/mp4", "video", false},
		{"3gp", threeGHead, "", "video/3gpp", "video", false},
		{"pdf", pdfHead, "", "application/pdf", "document", false},
		{"xlsx", "PK\x03\x04", "Book.XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document", false},
		{"doc", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "letter.doc", "application/msword", "document", false},
		{"text", "hello, world\n", "", "text/plain", "document", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := media.Sniff([]byte(tc.head), tc.filename)
			if err != nil || got.MIME != tc.mime || got.Kind != tc.kind || got.Animated != tc.animated || got.Limit == 0 {
				t.Fatalf("Sniff = %+v, %v", got, err)
			}
		})
	}
	for _, tc := range []struct{ name, head, filename string }{
		{"elf", "\x7fELF\x02\x01", "a.pdf"},
		{"gif", "GIF89a", "a.jpg"},
		{"html", "<!DOCTYPE html><html>", "a.txt"},
		{"quicktime", "\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "a.mp4"},
		{"zip as doc", "PK\x03\x04", "a.doc"},
		{"ole as docx", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "a.docx"},
		{"empty", "", ""},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			var r *media.Refusal
			if _, err := media.Sniff([]byte(tc.head), tc.filename); !errors.As(err, &r) || r.Reason == "" {
				t.Fatalf("Sniff = %v, want a refusal", err)
			}
		})
	}
}
