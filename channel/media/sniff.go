package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/wachan/wachan/channel/cloudapi"
)

// Kind sizes WhatsApp accepts for outbound media.
const (
	MaxImage           = 5 << 20
	MaxAudio           = 16 << 20
	MaxVideo           = 16 << 20
	MaxDocument        = 100 << 20
	MaxSticker         = 100 << 10
	MaxAnimatedSticker = 500 << 10
)

// Sniffed is what the content of a file says it is.
type Sniffed struct {
	MIME     string // the MIME type sent to WhatsApp
	Kind     string // cloudapi.TypeImage, TypeAudio, TypeVideo, TypeDocument or TypeSticker
	Animated bool   // animated WebP sticker
	Limit    int64  // WhatsApp's size limit for this kind
	Ext      string // usual file name extension, with the dot
}

// officeTypes maps document extensions to the MIME types WhatsApp takes,
// used only to name a container format found by content.
var officeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".ppt":  "application/vnd.ms-powerpoint",
}

// Sniff classifies head, the first bytes (512 or more) of a file, by its
// content. filename only chooses between Office formats that share a
// container (a .docx and an .xlsx are both ZIP files); it never makes
// unknown content acceptable. It returns a *Refusal for content WhatsApp
// does not take.
func Sniff(head []byte, filename string) (Sniffed, error) {
	ext := strings.ToLower(path.Ext(filename))
	switch {
	case len(head) == 0:
		return Sniffed{}, refuse("the file is empty")
	case bytes.HasPrefix(head, []byte("\xFF\xD8\xFF")):
		return Sniffed{MIME: "image/jpeg", Kind: cloudapi.TypeImage, Limit: MaxImage, Ext: ".jpg"}, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return Sniffed{MIME: "image/png", Kind: cloudapi.TypeImage, Limit: MaxImage, Ext: ".png"}, nil
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		s := Sniffed{MIME: "image/webp", Kind: cloudapi.TypeSticker, Limit: MaxSticker, Ext: ".webp"}
		if webpAnimated(head) {
			s.Animated, s.Limit = true, MaxAnimatedSticker
		}
		return s, nil
	case bytes.HasPrefix(head, []byte("#!AMR")):
		return Sniffed{MIME: "audio/amr", Kind: cloudapi.TypeAudio, Limit: MaxAudio, Ext: ".amr"}, nil
	case bytes.HasPrefix(head, []byte("OggS")):
		if !bytes.Contains(head, []byte("OpusHead")) {
			return Sniffed{}, refuse("Ogg audio must be Opus-encoded for WhatsApp")
		}
		return Sniffed{MIME: "audio/ogg", Kind: cloudapi.TypeAudio, Limit: MaxAudio, Ext: ".ogg"}, nil
	case bytes.HasPrefix(head, []byte("ID3")), mpegFrame(head):
		return Sniffed{MIME: "audio/mpeg", Kind: cloudapi.TypeAudio, Limit: MaxAudio, Ext: ".mp3"}, nil
	case adtsFrame(head):
		return Sniffed{MIME: "audio/aac", Kind: cloudapi.TypeAudio, Limit: MaxAudio, Ext: ".aac"}, nil
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return sniffISO(head)
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return document("application/pdf", ".pdf"), nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if t, ok := officeTypes[ext]; ok && strings.HasSuffix(ext, "x") {
			return document(t, ext), nil
		}
		return Sniffed{}, refuse("ZIP archives are sent only as Word, Excel or PowerPoint files (.docx, .xlsx, .pptx)")
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		if t, ok := officeTypes[ext]; ok && !strings.HasSuffix(ext, "x") {
			return document(t, ext), nil
		}
		return Sniffed{}, refuse("legacy Office files are sent only as .doc, .xls or .ppt")
	}
	if ct := http.DetectContentType(head); strings.HasPrefix(ct, "text/plain") {
		return document("text/plain", ".txt"), nil
	}
	return Sniffed{}, refuse("this kind of file cannot be sent on WhatsApp (images: JPEG, PNG; audio: AAC, AMR, MP3, M4A, Ogg Opus; video: MP4, 3GP; stickers: WebP; documents: PDF, text, Office)")
}

func document(mime, ext string) Sniffed {
	return Sniffed{MIME: mime, Kind: cloudapi.TypeDocument, Limit: MaxDocument, Ext: ext}
}

// sniffISO classifies an ISO base media file (MP4, M4A, 3GP) by its brands.
func sniffISO(head []byte) (Sniffed, error) {
	size := int(binary.BigEndian.Uint32(head[:4]))
	if size < 16 || size > len(head) {
		size = min(len(head), 64)
	}
	var brands []string
	for i := 8; i+4 <= size; i += 4 {
		if i == 12 {
			continue // minor version
		}
		brands = append(brands, string(head[i:i+4]))
	}
	for _, b := range brands {
		switch {
		case b == "M4A " || b == "M4B ":
			return Sniffed{MIME: "audio/mp4", Kind: cloudapi.TypeAudio, Limit: MaxAudio, Ext: ".m4a"}, nil
		case strings.HasPrefix(b, "3gp") || strings.HasPrefix(b, "3g2"):
			return Sniffed{MIME: "video/3gpp", Kind: cloudapi.TypeVideo, Limit: MaxVideo, Ext: ".3gp"}, nil
		}
	}
	for _, b := range brands {
		switch b {
		case "isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "MSNV":
			return Sniffed{MIME: "video/mp4", Kind: cloudapi.TypeVideo, Limit: MaxVideo, Ext: ".mp4"}, nil
		}
	}
	return Sniffed{}, refuse("this MP4-family file (QuickTime or HEIF?) is not one WhatsApp takes: send MP4 or 3GP video, or M4A audio")
}

// webpAnimated reports whether a WebP header declares animation (VP8X
// flags bit 1, or an ANIM chunk near the start).
func webpAnimated(head []byte) bool {
	if len(head) >= 21 && string(head[12:16]) == "VP8X" && head[20]&0x02 != 0 {
		return true
	}
	return bytes.Contains(head[12:], []byte("ANIM"))
}

// mpegFrame reports whether head starts with an MPEG-1/2 layer III frame
// header.
func mpegFrame(head []byte) bool {
	return len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0 && head[1]&0x06 == 0x02
}

// adtsFrame reports whether head starts with an AAC ADTS frame header.
func adtsFrame(head []byte) bool {
	return len(head) >= 2 && head[0] == 0xFF && head[1]&0xF6 == 0xF0
}

// Refusal is a media file or request WhatsApp would not take, with a
// reason fit to show to an agent or an API client.
type Refusal struct {
	Reason string
}

// Error returns the reason.
func (r *Refusal) Error() string { return r.Reason }

func refuse(format string, args ...any) *Refusal {
	return &Refusal{Reason: fmt.Sprintf(format, args...)}
}

// humanSize writes n bytes as a short figure (5 MB, 100 KB).
func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		if n%(1<<20) == 0 {
			return fmt.Sprintf("%d MB", n>>20)
		}
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		if n%(1<<10) == 0 {
			return fmt.Sprintf("%d KB", n>>10)
		}
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
