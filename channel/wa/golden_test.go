package wa

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/whatsapp/meta")

const metaDir = fixtureDir + "/meta"

// render is what wachan makes of one update: the agent's line of a
// message, the outcome of a status, the admin's line of anything else.
func render(ev *Event) string {
	switch ev.Kind {
	case KindMessage, KindMessageEcho:
		return string(ev.Kind) + " " + firstNonEmpty(ev.Message.CustomerKey(), "(no sender)") + ": " + ev.Message.Summary()
	case KindStatus:
		s := ev.Status
		line := "status " + s.Status + " of " + s.ID + " to " + firstNonEmpty(s.RecipientID, "?")
		if s.RecipientUserID != "" {
			line += " / " + s.RecipientUserID
		}
		if s.RecipientType == "group" {
			line += " (group)"
		}
		for _, e := range s.Errors {
			line += " [" + e.Text() + "]"
		}
		return line
	}
	return string(ev.Kind) + ": " + ev.Notice()
}

// TestGolden renders every payload written from Meta's reference (one per
// message type and webhook field, see SOURCES.md) and compares it with its
// golden file.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(metaDir, "*.json"))
	if err != nil || len(paths) < 40 {
		t.Fatalf("found %d payloads (%v), want every type", len(paths), err)
	}
	sources := string(readFile(t, filepath.Join(metaDir, "SOURCES.md")))
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(sources, "`"+name+".json` | https://developers.facebook.com/") {
				t.Errorf("%s has no Meta reference page in SOURCES.md", name)
			}
			events, err := Parse(readFile(t, path))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i := range events {
				b.WriteString(render(&events[i]) + "\n")
			}
			golden := strings.TrimSuffix(path, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := string(readFile(t, golden)); b.String() != want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
			}
		})
	}
}
