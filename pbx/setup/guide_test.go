package setup

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name line by line, or rewrites the
// file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	want := strings.Split(string(data), "\n")
	lines := strings.Split(got, "\n")
	for i := range max(len(want), len(lines)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(lines) {
			g = lines[i]
		}
		if w != g {
			t.Fatalf("%s line %d:\n got %q\nwant %q", name, i+1, g, w)
		}
	}
}

// goldenParams are the settings the golden guides are printed for.
var goldenParams = Params{URL: "http://127.0.0.1:8088/ari", User: "wachan", Password: "golden-ari-password", App: "wachan",
	Subscribe: "endpoint:PJSIP", Listen: "127.0.0.1:8080"}

func TestGuideGolden(t *testing.T) {
	for _, tc := range []struct {
		file    string
		freePBX bool
	}{
		{"guide-asterisk.golden", false},
		{"guide-freepbx.golden", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := goldenParams
			p.FreePBX = tc.freePBX
			var b bytes.Buffer
			Guide(&b, p)
			out := b.String()
			if strings.Contains(out, p.Password) {
				t.Fatal("the guide prints the ARI password")
			}
			golden(t, tc.file, out)
		})
	}
}

// Each reload command is one line that pastes and runs on its own.
func TestGuideReloadCommands(t *testing.T) {
	for _, freePBX := range []bool{false, true} {
		p := goldenParams
		p.FreePBX = freePBX
		var b bytes.Buffer
		Guide(&b, p)
		n := 0
		for line := range strings.SplitSeq(b.String(), "\n") {
			if !strings.HasPrefix(line, "asterisk ") {
				continue
			}
			n++
			if strings.Count(line, "-rx") != 1 || !strings.HasPrefix(line, "asterisk -rx '") || !strings.HasSuffix(line, "'") {
				t.Fatalf("not one command: %q", line)
			}
			if strings.Contains(line, "pjsip reload") {
				t.Fatalf("Asterisk 22 has no 'pjsip reload': %q", line)
			}
		}
		if n == 0 {
			t.Fatal("no reload commands")
		}
	}
}

func TestGuideFollowsSettings(t *testing.T) {
	var b bytes.Buffer
	Guide(&b, Params{Dir: "/opt/pbx/etc", Listen: ":9090", Password: "x"})
	out := b.String()
	for _, want := range []string{
		"ari_url is not set: wachan does not connect to Asterisk until it is.",
		`ari_url = "http://127.0.0.1:8088/ari", ari_user = "wachan"`,
		"in /opt/pbx/etc/http.conf:", "in /opt/pbx/etc/ari.conf:", "in /opt/pbx/etc/pjsip.conf,", "in /opt/pbx/etc/extensions.conf.",
		"CURL(http://127.0.0.1:9090/pbx/message,",
		"wachan setup asterisk --check --asterisk-dir /opt/pbx/etc",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("guide lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "/etc/asterisk") || strings.Contains(out, "(ari_url ,") {
		t.Fatalf("guide ignores the settings:\n%s", out)
	}
	// With HTTPS the hand-off goes to public_url.
	b.Reset()
	Guide(&b, Params{Listen: ":443", TLS: true, PublicURL: "https://wa.example.com", Password: "x"})
	if !strings.Contains(b.String(), "CURL(https://wa.example.com/pbx/message,") {
		t.Fatalf("TLS guide:\n%s", b.String())
	}
}

// The rule posts exactly the fields wachan's hand-off reads.
func TestRuleFields(t *testing.T) {
	var curl string
	for _, l := range handoffRule(goldenParams) {
		if strings.Contains(l, "CURL(") {
			curl = l
		}
	}
	_, post, _ := strings.Cut(curl, "/pbx/message,")
	post = strings.TrimSuffix(post, ")})")
	var names []string
	for f := range strings.SplitSeq(post, "&") {
		name, value, _ := strings.Cut(f, "=")
		if !strings.HasPrefix(value, "${URIENCODE(") {
			t.Fatalf("%s is not URI-encoded: %q", name, value)
		}
		names = append(names, name)
	}
	if want := []string{"from", "to", "call_id", "cseq", "length", "body"}; !slices.Equal(names, want) {
		t.Fatalf("fields %v, want %v", names, want)
	}
	for _, l := range handoffRule(goldenParams) {
		if strings.Contains(l, ";") {
			t.Fatalf("a ';' starts a comment in extensions.conf: %q", l)
		}
		paren, brace := 0, 0
		for _, c := range l {
			switch c {
			case '(':
				paren++
			case ')':
				paren--
			case '{':
				brace++
			case '}':
				brace--
			}
			if paren < 0 || brace < 0 {
				break
			}
		}
		if paren != 0 || brace != 0 {
			t.Fatalf("unbalanced: %q", l)
		}
	}
}

// The file checks of the recorded Asterisk and of the FreePBX layout (its
// rule not added yet), line by line.
func TestCheckFilesGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		p    Params
	}{
		{"check-asterisk.golden", at(recordedParams, "testdata/recorded")},
		{"check-freepbx.golden", at(freePBXParams, "testdata/freepbx")},
	} {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, tc.file, render(CheckFiles(tc.p)))
		})
	}
}
