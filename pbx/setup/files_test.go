package setup

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var recordedParams = Params{URL: "http://127.0.0.1:8088/ari", User: "ari", Password: "ari", App: "wachan", Subscribe: "endpoint:PJSIP", Listen: "127.0.0.1:8080"}

// at returns p checking the files in dir.
func at(p Params, dir string) Params {
	p.Dir = dir
	return p
}

// rule is the hand-off rule for p, as the guide prints it.
func rule(p Params) string {
	return strings.Join(handoffRule(p), "\n")
}

// etc copies the recorded configuration into a temp dir, applying edits
// of the form file: old -> new.
func etc(t *testing.T, edits ...[3]string) string {
	return tree(t, "testdata/recorded", edits...)
}

// tree copies the configuration in src into a temp dir, applying edits of
// the form file: old -> new ("DELETE" as the whole new content removes it).
func tree(t *testing.T, src string, edits ...[3]string) string {
	t.Helper()
	dir := t.TempDir()
	names, err := filepath.Glob(filepath.Join(src, "*.conf"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range names {
		name := filepath.Base(path)
		seen[name] = true
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s, keep := string(data), true
		for _, e := range edits {
			switch {
			case e[0] != name:
			case e[2] == "DELETE":
				keep = false
			case !strings.Contains(s, e[1]):
				t.Fatalf("%s lacks %q", name, e[1])
			default:
				s = strings.Replace(s, e[1], e[2], 1)
			}
		}
		if keep {
			os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644)
		}
	}
	for _, e := range edits {
		if !seen[e[0]] && e[1] == "" {
			os.WriteFile(filepath.Join(dir, e[0]), []byte(e[2]), 0o644)
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
	out := render(CheckFiles(at(recordedParams, "testdata/recorded")))
	for _, want := range []string{
		"ok   http.conf: HTTP server enabled on 127.0.0.1:8088",
		"ok   ari.conf: ARI enabled, user ari may write",
		"WARN pjsip.conf qualify: AORs 1001, 1002, 1003 have no qualify_frequency",
		"fix: add `qualify_frequency = 30` to their AOR template in testdata/recorded/pjsip.conf",
		"FAIL extensions.conf: extensions.conf:14: exten => _[0-9a-zA-Z]! in context [messages] (1001, 1002, 1003, pjsip.conf:15) takes wa- addresses but does not hand them to wachan",
		"fix: replace it: add the wa- rule printed by `wachan setup asterisk` to [messages] in testdata/recorded/extensions.conf",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "password = ari\n") {
		t.Fatalf("unexpected output:\n%s", out)
	}
}

func TestCheckFilesFindsEachMistake(t *testing.T) {
	good := rule(recordedParams)
	withRule := [3]string{"extensions.conf", "exten => _[0-9a-zA-Z]!,1,NoOp(MESSAGE exten=${EXTEN})", good + "\nexten => _1XXX,1,NoOp(MESSAGE exten=${EXTEN})"}
	for _, tc := range []struct {
		name  string
		edits [][3]string
		p     Params
		want  []string
	}{
		{"http disabled", [][3]string{{"http.conf", "enabled = yes", "enabled = no"}}, recordedParams,
			[]string{"FAIL http.conf: http.conf:2: enabled = no", "change http.conf:2 to `enabled = yes`"}},
		{"http enabled missing", [][3]string{{"http.conf", "enabled = yes\n", ""}}, recordedParams,
			[]string{"lacks enabled = yes", "add `enabled = yes` under [general] in "}},
		{"no bindaddr", [][3]string{{"http.conf", "bindaddr = 127.0.0.1\n", ""}}, recordedParams,
			[]string{"lacks bindaddr", "add `bindaddr = 127.0.0.1`"}},
		{"wildcard bindaddr", [][3]string{{"http.conf", "bindaddr = 127.0.0.1", "bindaddr = 0.0.0.0"}}, recordedParams,
			[]string{"WARN http.conf: http.conf:3: bindaddr = 0.0.0.0 exposes ARI"}},
		{"other port", [][3]string{{"http.conf", "bindport = 8088", "bindport = 8089"}}, recordedParams,
			[]string{"http.conf:4: bindport = 8089 but ari_url uses port 8088", "change http.conf:4 to `bindport = 8088`"}},
		{"missing http.conf", [][3]string{{"http.conf", "[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = 8088\n", "DELETE"}}, recordedParams,
			[]string{"FAIL http.conf: not found in"}},
		{"settings in an included file", [][3]string{{"http.conf", "bindport = 8088\n", "#include http_port.conf\n"}, {"http_port.conf", "", "bindport = 8089\n"}}, recordedParams,
			[]string{"http_port.conf:1: bindport = 8089 but ari_url uses port 8088"}},
		{"wrong ari password", nil, Params{URL: recordedParams.URL, User: "ari", Password: "secret-x"},
			[]string{"ari.conf:9: the password of [ari] differs from wachan's ari_password", "make ari.conf:9"}},
		{"read only user", [][3]string{{"ari.conf", "read_only = no", "read_only = yes"}}, recordedParams,
			[]string{"ari.conf:8: [ari] is read_only", "change ari.conf:8 to `read_only = no`"}},
		{"no such ari user", nil, Params{URL: recordedParams.URL, User: "wachan", Password: "pw-not-in-output"},
			[]string{"no ARI user [wachan]", "[wachan]\n", "type = user"}},
		{"ari disabled", [][3]string{{"ari.conf", "enabled = yes", "enabled = no"}}, recordedParams,
			[]string{"ari.conf:2: enabled = no: ARI is off"}},
		{"qualify on the template", [][3]string{{"pjsip.conf", "max_contacts = 1", "qualify_frequency = 30\nmax_contacts = 1"}}, recordedParams,
			[]string{"ok   pjsip.conf qualify: 3 AORs qualify their contacts"}},
		{"qualify 0 on one", [][3]string{{"pjsip.conf", "max_contacts = 1", "qualify_frequency = 30\nmax_contacts = 1"}, {"pjsip.conf", "[1003](aor-tpl)", "[1003](aor-tpl)\nqualify_frequency = 0"}}, recordedParams,
			[]string{"WARN pjsip.conf qualify: AORs 1003 have no qualify_frequency"}},
		{"no message_context: the call context", [][3]string{{"pjsip.conf", "message_context = messages\n", ""}}, recordedParams,
			[]string{"FAIL extensions.conf: context [from-internal] (1001, 1002, 1003, pjsip.conf:14) has no rule for wa- addresses", "to [from-internal] in "}},
		{"missing context", [][3]string{{"pjsip.conf", "message_context = messages", "message_context = wachan-messages"}}, recordedParams,
			[]string{"FAIL extensions.conf: context [wachan-messages]", "does not exist"}},
		{"no rule", [][3]string{{"extensions.conf", "exten => _[0-9a-zA-Z]!", "exten => _1XXX"}}, recordedParams,
			[]string{"FAIL extensions.conf: context [messages] (1001, 1002, 1003, pjsip.conf:15) has no rule for wa- addresses: agents' messages are refused (404) while wachan is stopped, and accepted and lost after a crash"}},
		{"the rule", [][3]string{withRule}, recordedParams,
			[]string{"ok   extensions.conf: context [messages] (1001, 1002, 1003, pjsip.conf:15) hands wa- addresses to wachan (extensions.conf:14)"}},
		{"the rule beside a catch-all", [][3]string{{"extensions.conf", "[messages]", "[messages]\n" + good}}, recordedParams,
			[]string{"ok   extensions.conf: context [messages] (1001, 1002, 1003, pjsip.conf:15) hands wa- addresses to wachan (extensions.conf:14)"}},
		{"the rule with another password", [][3]string{withRule}, Params{URL: recordedParams.URL, User: "ari", Password: "changed", Listen: recordedParams.Listen},
			[]string{"FAIL extensions.conf: extensions.conf:14: the hand-off's CURLOPT(userpwd) is not the one derived from ari_password"}},
		{"the rule to another address", [][3]string{withRule}, Params{URL: recordedParams.URL, User: "ari", Password: "ari", Listen: ":9000"},
			[]string{"WARN extensions.conf: extensions.conf:14: the hand-off does not post to http://127.0.0.1:9000/pbx/message"}},
		{"catch-all through include", [][3]string{{"extensions.conf", "exten => _[0-9a-zA-Z]!", "include => catchall\nexten => _1XXX"},
			{"extensions.conf", "[globals]", "[globals]\n[catchall]\nexten => _.,1,Hangup()"}}, recordedParams,
			[]string{"exten => _. in context [messages]", "does not hand them to wachan"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(CheckFiles(at(tc.p, etc(t, tc.edits...))))
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

// freePBXParams matches testdata/freepbx.
var freePBXParams = Params{URL: "http://127.0.0.1:8088/ari", User: "wachan", Password: "fpbx-ari-pw", App: "wachan", Listen: ":8080", FreePBX: true}

func TestCheckFilesFreePBX(t *testing.T) {
	dir := tree(t, "testdata/freepbx", [3]string{"extensions_custom.conf", "[from-internal-custom]\n", "[from-internal-custom]\n" + rule(freePBXParams) + "\n"})
	out := render(CheckFiles(at(freePBXParams, dir)))
	for _, want := range []string{
		"ok   http.conf: HTTP server enabled on 127.0.0.1:8088",
		"ok   ari.conf: ARI enabled, user wachan may write",
		"ok   pjsip.conf qualify: 2 AORs qualify their contacts",
		"ok   extensions.conf: context [from-internal] (1001, 1002, pjsip.endpoint.conf:5) hands wa- addresses to wachan (extensions_custom.conf:3)",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "WARN") || strings.Contains(out, "FAIL") {
		t.Fatalf("the recommended FreePBX set-up fails the check:\n%s", out)
	}

	// Without the custom files FreePBX's own settings show.
	dir = tree(t, "testdata/freepbx", [3]string{"http_custom.conf", "", "DELETE"}, [3]string{"pjsip.aor_custom_post.conf", "", "DELETE"})
	out = render(CheckFiles(at(freePBXParams, dir)))
	for _, want := range []string{
		"WARN http.conf: http_additional.conf:4: bindaddr = :: exposes ARI on every interface",
		"WARN pjsip.conf qualify: AORs 1002 have no qualify_frequency",
		"fix: set Qualify Frequency (e.g. 30) on each extension's Advanced tab, or add [<ext>](+type=aor) with qualify_frequency = 30 to " + dir + "/pjsip.aor_custom_post.conf",
		"FAIL extensions.conf: context [from-internal] (1001, 1002, pjsip.endpoint.conf:5) has no rule for wa- addresses",
		"to [from-internal-custom] in " + dir + "/extensions_custom.conf",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestIncludeAndAddition(t *testing.T) {
	dir := tree(t, "testdata/freepbx")
	pj, err := parseConf(filepath.Join(dir, "pjsip.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// [1002](+type=aor) adds to the AOR, not to the endpoint of that name
	// that comes first.
	for _, s := range pj.find("1002") {
		v, at, _ := s.get("qualify_frequency")
		switch typ, _, _ := s.get("type"); typ {
		case "aor":
			if v != "30" || at.String() != "pjsip.aor_custom_post.conf:2" {
				t.Fatalf("aor qualify_frequency %q at %s", v, at)
			}
		case "endpoint":
			if v != "" {
				t.Fatalf("the addition went to the endpoint: %q at %s", v, at)
			}
		}
	}
	// An include loop stops.
	loop := t.TempDir()
	os.WriteFile(filepath.Join(loop, "a.conf"), []byte("[x]\nk = 1\n#include b.conf\n"), 0o644)
	os.WriteFile(filepath.Join(loop, "b.conf"), []byte("#include \"a.conf\"\n"), 0o644)
	cf, err := parseConf(filepath.Join(loop, "a.conf"))
	if err != nil || len(cf.sections) == 0 {
		t.Fatalf("%v %v", cf, err)
	}
}
