package media

import (
	"fmt"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// extensions are the usual extensions of WhatsApp's media types.
var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
	"audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/aac": ".aac", "audio/amr": ".amr",
	"video/mp4": ".mp4", "video/3gpp": ".3gp", "application/pdf": ".pdf", "text/plain": ".txt",
}

// extensionOf returns the usual extension for MIME type t, or "".
func extensionOf(t string) string {
	mt, _, err := mime.ParseMediaType(t)
	if err != nil {
		return ""
	}
	if e, ok := extensions[mt]; ok {
		return e
	}
	for ext, o := range officeTypes {
		if o == mt {
			return ext
		}
	}
	return ""
}

// fileName cleans name for a download (last path element, no control
// characters, at most 180 bytes) and adds the usual extension of t when
// name has none.
func fileName(name, t string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base("/" + name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, "."))
	if name == "" || name == "/" {
		name = "file"
	}
	for len(name) > 180 {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if path.Ext(name) == "" {
		name += extensionOf(t)
	}
	return name
}

// Disposition returns a Content-Disposition header value for name (RFC
// 6266): an ASCII fallback in filename with quotes, backslashes and
// anything outside printable ASCII replaced, and the exact name in
// filename* (RFC 5987 percent-encoding). attachment asks for a download
// rather than inline display.
func Disposition(attachment bool, name string) string {
	kind := "inline"
	if attachment {
		kind = "attachment"
	}
	name = fileName(name, "")
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, ascii, encode5987(name))
}

// encode5987 percent-encodes every byte of s outside RFC 5987's attr-char.
func encode5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
