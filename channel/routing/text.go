package routing

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wachan/wachan/store"
)

// Split cuts body into parts of at most limit bytes on UTF-8 boundaries,
// numbering them "(1/3) " when there is more than one. A limit below 16 is
// taken as 16.
func Split(body string, limit int) []string {
	limit = max(limit, 16)
	if len(body) <= limit {
		return []string{body}
	}
	n := 2
	for {
		parts := splitN(body, limit, n)
		if len(parts) <= n {
			total := len(parts)
			out := make([]string, total)
			for i, p := range parts {
				out[i] = fmt.Sprintf("(%d/%d) %s", i+1, total, p)
			}
			return out
		}
		n = len(parts)
	}
}

// splitN cuts body into chunks that leave room for a "(i/n) " prefix sized
// for n parts.
func splitN(body string, limit, n int) []string {
	room := limit - len(fmt.Sprintf("(%d/%d) ", n, n))
	var out []string
	for len(body) > 0 {
		if len(body) <= room {
			out = append(out, body)
			break
		}
		cut := max(room, 1)
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		if cut == 0 {
			// Room for less than one character: take one anyway.
			_, cut = utf8.DecodeRuneInString(body)
		}
		// Prefer a space in the last quarter of the chunk.
		if sp := strings.LastIndexByte(body[:cut], ' '); sp > room*3/4 {
			cut = sp + 1
		}
		out = append(out, body[:cut])
		body = body[cut:]
	}
	return out
}

// displayName is the customer's name as shown on agents' phones, stripped
// of anything that could break the SIP From header.
func displayName(c *store.Customer) string {
	for _, name := range []string{c.Name, c.Username} {
		if s := sanitize(name); s != "" {
			return s
		}
	}
	if c.WaID != "" {
		return "+" + sanitize(c.WaID)
	}
	return "Customer"
}

// sanitize removes CR, LF, quotes, backslashes, angle brackets and other
// control characters.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '\\' || r == '<' || r == '>' || r == '\r' || r == '\n':
			return -1
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		cut := 64
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// who names the customer with their number when known.
func who(c *store.Customer) string {
	n := displayName(c)
	if c.WaID != "" && n != "+"+c.WaID {
		return n + " (+" + c.WaID + ")"
	}
	return n
}

// fmtDuration prints d rounded to minutes, like "23h59m" or "5m".
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%dh%dm", h, m)
	case h > 0:
		return fmt.Sprintf("%dh", h)
	case m > 0:
		return fmt.Sprintf("%dm", m)
	}
	return "less than a minute"
}

// snippet shortens s for a notice.
func snippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= 60 {
		return s
	}
	cut := 57
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// mediaLine describes a media message for a phone: type, caption or file
// name, and link (or why there is none).
func mediaLine(m *store.Message, link string) string {
	var b strings.Builder
	if (m.Direction == store.Inbound || m.Origin != "") && m.Text != "" {
		// The summary already names the type, file and caption, and
		// keeps what the caption would hide (forwarded, the ad).
		b.WriteString(m.Text)
		return withMediaState(&b, m, link)
	}
	b.WriteString("[" + m.Type + "]")
	caption := m.Text
	if m.Media != nil {
		if m.Media.Caption != "" {
			caption = m.Media.Caption
		}
		if m.Media.Filename != "" {
			b.WriteString(" " + sanitize(m.Media.Filename))
		}
	}
	if caption != "" {
		b.WriteString(" " + caption)
	}
	return withMediaState(&b, m, link)
}

// withMediaState ends b with why m's file could not be fetched, or its
// link.
func withMediaState(b *strings.Builder, m *store.Message, link string) string {
	switch {
	case m.Media != nil && m.Media.Error != "":
		b.WriteString(" (media could not be fetched: " + m.Media.Error + ")")
	case link != "":
		b.WriteString(" " + link)
	}
	return b.String()
}

// mediaLink returns the link shown for m's media, if any.
func (r *Router) mediaLink(m *store.Message) string {
	if m.Media == nil || r.opts.MediaLink == nil {
		return ""
	}
	return r.opts.MediaLink(m)
}
