package setup

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var recordedParams = Params{URL: "http://127.0.0.1:8088/ari", User: "ari", Password: "ari", App: "wachan", Subscribe: "endpoint:PJSIP"}

// etc copies the recorded configuration into a temp dir, applying edits
// of the form file: old -> new.
func etc(t *testing.T, edits ...[3]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"http.conf", "ari.conf", "pjsip.conf", "extensions.conf"} {
		data, err := os.ReadFile(filepath.Join("testdata/recorded", name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		for _, e := range edits {
			if e[0] == name {
				if !strings.Contains(s, e[1]) {
					t.Fatalf("%s lacks %q", name, e[1])
				}
				s = strings.Replace(s, e[1], e[2], 1)
			}
		}
		if s != "DELETE" {
			os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644)
		}
	}
	return dir
}

func render(results []Result) string {
	var b bytes.Buffer
	Print(&b, results)
	return b.String()
}

func TestCheckFilesRecorded(t *testing.T) {
	got := CheckFiles("testdata/recorded", recordedParams)
	out := render(got)
	for _, want := range []string{
		"ok   http.conf: HTTP server enabled on 127.0.0.1:8088",
		"ok   ari.conf: ARI enabled, user ari may write",
		"ok   pjsip.conf: 3 endpoints, message_context set on all",
		"FAIL extensions.conf: extensions.conf:14: exten => _[0-9a-zA-Z]! in context [messages] (1001, 1002, 1003, pjsip.conf:15) matches wa-447700900001 addresses",
		"handled twice",
		"remove or narrow line 14",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "fix:") || strings.Contains(out, "password = ari\n") {
		t.Fatalf("unexpected output:\n%s", out)
	}
}

func TestCheckFilesFindsEachMistake(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits [][3]string
		p     Params
		want  []string
	}{
		{"http disabled", [][3]string{{"http.conf", "enabled = yes", "enabled = no"}}, recordedParams,
			[]string{"FAIL http.conf: http.conf:2: enabled = no", "change line 2 to `enabled = yes`"}},
		{"http enabled missing", [][3]string{{"http.conf", "enabled = yes\n", ""}}, recordedParams,
			[]string{"lacks enabled = yes", "add `enabled = yes` under [general]"}},
		{"no bindaddr", [][3]string{{"http.conf", "bindaddr = 127.0.0.1\n", ""}}, recordedParams,
			[]string{"lacks bindaddr", "add `bindaddr = 127.0.0.1`"}},
		{"wildcard bindaddr", [][3]string{{"http.conf", "bindaddr = 127.0.0.1", "bindaddr = 0.0.0.0"}}, recordedParams,
			[]string{"WARN http.conf: http.conf:3: bindaddr = 0.0.0.0 exposes ARI"}},
		{"other port", [][3]string{{"http.conf", "bindport = 8088", "bindport = 8089"}}, recordedParams,
			[]string{"http.conf:4: bindport = 8089 but ari_url uses port 8088", "change line 4 to `bindport = 8088`"}},
		{"missing http.conf", [][3]string{{"http.conf", "[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = 8088\n", "DELETE"}}, recordedParams,
			[]string{"FAIL http.conf: not found in"}},
		{"wrong ari password", nil, Params{URL: recordedParams.URL, User: "ari", Password: "secret-x"},
			[]string{"ari.conf:9: the password of [ari] differs from wachan's ari_password", "make line 9"}},
		{"read only user", [][3]string{{"ari.conf", "read_only = no", "read_only = yes"}}, recordedParams,
			[]string{"ari.conf:8: [ari] is read_only", "change line 8 to `read_only = no`"}},
		{"no such ari user", nil, Params{URL: recordedParams.URL, User: "wachan", Password: "pw-not-in-output"},
			[]string{"no ARI user [wachan]", "[wachan]\n", "type = user"}},
		{"ari disabled", [][3]string{{"ari.conf", "enabled = yes", "enabled = no"}}, recordedParams,
			[]string{"ari.conf:2: enabled = no: ARI is off"}},
		{"no message_context", [][3]string{{"pjsip.conf", "message_context = messages\n", ""}}, recordedParams,
			[]string{"WARN pjsip.conf: endpoints 1001, 1002, 1003 have no message_context", "context [from-internal]", "leaves wa- addresses to wachan"}},
		{"missing context", [][3]string{{"pjsip.conf", "message_context = messages", "message_context = wachan-messages"}}, recordedParams,
			[]string{"WARN extensions.conf: context [wachan-messages]", "does not exist", "add an empty [wachan-messages]"}},
		{"fixed dialplan", [][3]string{{"extensions.conf", "exten => _[0-9a-zA-Z]!", "exten => _1XXX"}}, recordedParams,
			[]string{"ok   extensions.conf: context [messages] (1001, 1002, 1003, pjsip.conf:15) leaves wa- addresses to wachan"}},
		{"match through include", [][3]string{{"extensions.conf", "exten => _[0-9a-zA-Z]!", "include => catchall\nexten => _1XXX"},
			{"extensions.conf", "[globals]", "[globals]\n[catchall]\nexten => _.,1,Hangup()"}}, recordedParams,
			[]string{"exten => _. in context [messages]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(CheckFiles(etc(t, tc.edits...), tc.p))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Fatalf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, tc.p.Password) && tc.p.Password != "ari" {
				t.Fatalf("the password leaked:\n%s", out)
			}
		})
	}
}

func TestGuide(t *testing.T) {
	var b bytes.Buffer
	Guide(&b, Params{URL: "http://127.0.0.1:8090/ari", User: "wachan", Password: "top-secret-pw", App: "wachan", Subscribe: "endpoint:PJSIP,endpoint:PJSIP/1001"})
	out := b.String()
	for _, want := range []string{"bindport = 8090", "[wachan]\ntype = user", "message_context = wachan-messages", "[wachan-messages]", "handle each message a second time", "overlapping sources"} {
		if !strings.Contains(out, want) {
			t.Fatalf("guide lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "top-secret-pw") {
		t.Fatal("the guide prints the password")
	}
	// The recommended context must itself pass the file check.
	dir := etc(t, [3]string{"pjsip.conf", "message_context = messages", "message_context = wachan-messages"},
		[3]string{"extensions.conf", "[messages]", "[wachan-messages]\nexten => _1XXX,1,MessageSend(pjsip:${EXTEN},${MESSAGE(from)})\n same => n,Hangup()\n[messages]"})
	if res := render(CheckFiles(dir, recordedParams)); strings.Contains(res, "FAIL") || strings.Contains(res, "WARN") {
		t.Fatalf("the guide's setup fails the check:\n%s", res)
	}
}
