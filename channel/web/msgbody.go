package web

import (
	"strings"
)

// Body is the text shown above a message's media: nothing when the text
// only repeats what the media block shows (its type, file name and
// caption), as stored summaries of media messages do.
func (v msgView) Body() string {
	m := v.Message
	if m.Media == nil {
		return m.Text
	}
	rest := strings.TrimSpace(m.Text)
	if strings.HasPrefix(rest, "[") {
		if i := strings.Index(rest, "]"); i > 0 {
			rest = rest[i+1:]
		}
	}
	for _, shown := range []string{m.Media.Filename, m.Media.Caption} {
		if shown != "" {
			rest = strings.Replace(rest, shown, "", 1)
		}
	}
	if strings.TrimSpace(rest) == "" {
		return ""
	}
	return m.Text
}

// sameOrigin turns a link under the public URL into a path, so pages
// served under another address (and their Content-Security-Policy) can
// load it.
func (w *Web) sameOrigin(link string) string {
	if p := strings.TrimRight(w.opts.PublicURL, "/"); p != "" && strings.HasPrefix(link, p+"/") {
		return link[len(p):]
	}
	return link
}
