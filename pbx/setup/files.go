package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wachan/wachan/pbx/asterisk"
	"github.com/wachan/wachan/pbx/dialplan"
)

// CheckFiles checks the Asterisk configuration in p's directory (usually
// /etc/asterisk), following #include like Asterisk, and names the file and
// line to change.
func CheckFiles(p Params) []Result {
	var out []Result
	out = append(out, checkHTTP(p)...)
	out = append(out, checkARIConf(p)...)
	out = append(out, checkPJSIP(p)...)
	return out
}

func load(p Params, name string) (*confFile, *Result) {
	cf, err := parseConf(filepath.Join(p.dir(), name))
	if errors.Is(err, fs.ErrNotExist) {
		r := fail(name, "not found in "+p.dir(), "create "+p.path(name)+" as shown by `wachan setup asterisk`")
		return nil, &r
	}
	if err != nil {
		r := fail(name, err.Error(), "make it readable by the user running this check")
		return nil, &r
	}
	return cf, nil
}

// edit names where an administrator changes a setting: the file itself on
// plain Asterisk, FreePBX's custom file otherwise.
func (p Params) edit(plain, freepbx string) string {
	if p.FreePBX {
		return p.path(freepbx)
	}
	return p.path(plain)
}

func checkHTTP(p Params) []Result {
	const name = "http.conf"
	cf, r := load(p, name)
	if r != nil {
		return []Result{*r}
	}
	file := p.edit(name, "http_custom.conf")
	host, port := p.hostPort()
	gen := cf.find("general")
	if len(gen) == 0 {
		return []Result{fail(name, "no [general] section",
			fmt.Sprintf("add to %s:\n[general]\nenabled = yes\nbindaddr = %s\nbindport = %s", file, host, port))}
	}
	g := gen[0]
	var out []Result
	if v, at, found := g.get("enabled"); !found {
		out = append(out, fail(name, "[general] ("+g.at.String()+") lacks enabled = yes: the HTTP server, and so ARI, is off",
			"add `enabled = yes` under [general] in "+file))
	} else if !yes(v) {
		out = append(out, fail(name, at.String()+": enabled = "+v+": the HTTP server, and so ARI, is off",
			"change "+at.String()+" to `enabled = yes`"))
	}
	bind, at, found := g.get("bindaddr")
	switch {
	case !found:
		out = append(out, fail(name, "[general] lacks bindaddr: the HTTP server does not listen",
			"add `bindaddr = "+host+"` under [general] in "+file))
	case bind != host && !wildcard(bind) && !(loopback(bind) && loopback(host)):
		out = append(out, fail(name, fmt.Sprintf("%s: bindaddr = %s but ari_url points at %s", at, bind, host),
			fmt.Sprintf("change %s to `bindaddr = %s`, or ari_url to http://%s:%s/ari", at, host, bind, port)))
	case wildcard(bind) && loopback(host):
		out = append(out, warn(name, at.String()+": bindaddr = "+bind+" exposes ARI on every interface",
			fmt.Sprintf("change %s to `bindaddr = 127.0.0.1` since wachan connects over loopback", at)))
	}
	bport, at, found := g.get("bindport")
	if !found {
		bport = "8088"
	}
	if bport != port {
		where := "[general] has no bindport (Asterisk uses 8088)"
		fix := "add `bindport = " + port + "` under [general] in " + file
		if found {
			where = at.String() + ": bindport = " + bport
			fix = fmt.Sprintf("change %s to `bindport = %s`", at, port)
		}
		out = append(out, fail(name, where+" but ari_url uses port "+port, fix+", or change ari_url"))
	}
	if len(out) == 0 {
		out = append(out, ok(name, fmt.Sprintf("HTTP server enabled on %s:%s", bind, bport)))
	}
	return out
}

func wildcard(h string) bool { return h == "0.0.0.0" || h == "::" || h == "[::]" }

func loopback(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

func checkARIConf(p Params) []Result {
	const name = "ari.conf"
	cf, r := load(p, name)
	if r != nil {
		return []Result{*r}
	}
	var out []Result
	for _, g := range cf.find("general") {
		if v, at, found := g.get("enabled"); found && !yes(v) {
			out = append(out, fail(name, at.String()+": enabled = "+v+": ARI is off",
				fmt.Sprintf("change %s to `enabled = yes`", at)))
		}
	}
	user := p.user()
	file := p.edit(name, "ari_additional_custom.conf")
	addUser := fmt.Sprintf("add to %s:\n[%s]\ntype = user\nread_only = no\npassword = <ari_password>\npassword_format = plain", file, user)
	var us *section
	for _, s := range cf.find(user) {
		if v, _, _ := s.get("type"); v == "user" {
			us = s
		}
	}
	if us == nil {
		return append(out, fail(name, "no ARI user ["+user+"] (type = user) for ari_user "+user, addUser))
	}
	if v, at, _ := us.get("read_only"); yes(v) {
		out = append(out, fail(name, at.String()+": ["+user+"] is read_only: wachan cannot subscribe or send",
			fmt.Sprintf("change %s to `read_only = no`", at)))
	}
	pw, at, found := us.get("password")
	format, _, _ := us.get("password_format")
	switch {
	case !found || pw == "":
		out = append(out, fail(name, "["+user+"] ("+us.at.String()+") has no password",
			"add `password = <ari_password>` under ["+user+"]"))
	case !strings.EqualFold(format, "crypt") && p.Password != "" && pw != p.Password:
		out = append(out, fail(name, at.String()+": the password of ["+user+"] differs from wachan's ari_password",
			fmt.Sprintf("make %s and ari_password (WACHAN_ARI_PASSWORD) the same", at)))
	}
	if len(out) == 0 {
		out = append(out, ok(name, "ARI enabled, user "+user+" may write"))
	}
	return out
}

// checkPJSIP checks the agents' AORs for qualify and the contexts their
// messages go to for the hand-off rule.
func checkPJSIP(p Params) []Result {
	pj, r := load(p, "pjsip.conf")
	if r != nil {
		return []Result{*r}
	}
	out := []Result{checkQualify(p, pj)}
	eps := endpoints(pj)
	if len(eps) == 0 {
		return append(out, fail("pjsip.conf", "no endpoints (type = endpoint)",
			"configure each agent's phone as a PJSIP endpoint (see `wachan setup asterisk`)"))
	}
	ext, r := load(p, "extensions.conf")
	if r != nil {
		return append(out, *r)
	}
	return append(out, checkDialplan(p, ext, eps)...)
}

// checkQualify warns about AORs that never qualify their contacts: a phone
// that vanishes without un-registering stays online until its registration
// expires, and messages sent to it meanwhile are lost.
func checkQualify(p Params, pj *confFile) Result {
	var none []string
	n := 0
	for _, s := range pj.sections {
		if t, _, _ := s.get("type"); s.template || t != "aor" {
			continue
		}
		n++
		if v, _, _ := s.get("qualify_frequency"); v == "" || strings.Trim(v, "0") == "" {
			none = append(none, s.name)
		}
	}
	const name = "pjsip.conf qualify"
	if len(none) == 0 {
		return ok(name, fmt.Sprintf("%d AORs qualify their contacts", n))
	}
	list := none
	if len(list) > 8 {
		list = append(slices.Clone(list[:8]), fmt.Sprintf("and %d more", len(none)-8))
	}
	fix := "add `qualify_frequency = 30` to their AOR template in " + p.path("pjsip.conf")
	if p.FreePBX {
		fix = "set Qualify Frequency (e.g. 30) on each extension's Advanced tab, or add [<ext>](+type=aor) with qualify_frequency = 30 to " + p.path("pjsip.aor_custom_post.conf")
	}
	return warn(name, "AORs "+strings.Join(list, ", ")+" have no qualify_frequency: a phone that vanishes without un-registering stays online until its registration expires, and messages sent to it meanwhile are lost", fix)
}

// endpointRef is an agent endpoint and the context its messages use.
type endpointRef struct {
	name, context string
	at            pos
}

// endpoints lists the PJSIP endpoints with the context of their messages:
// message_context, else context, else "default".
func endpoints(pj *confFile) []endpointRef {
	var eps []endpointRef
	for _, s := range pj.sections {
		if t, _, _ := s.get("type"); s.template || t != "endpoint" {
			continue
		}
		e := endpointRef{name: s.name, context: "default", at: s.at}
		if v, at, found := s.get("message_context"); found && v != "" {
			e.context, e.at = v, at
		} else if v, at, found := s.get("context"); found {
			e.context, e.at = v, at
		}
		eps = append(eps, e)
	}
	return eps
}

// checkDialplan checks that each context agents' messages go to hands wa-
// addresses to wachan.
func checkDialplan(p Params, ext *confFile, eps []endpointRef) []Result {
	const name = "extensions.conf"
	var contexts []string
	byContext := map[string][]endpointRef{}
	for _, e := range eps {
		if _, seen := byContext[e.context]; !seen {
			contexts = append(contexts, e.context)
		}
		byContext[e.context] = append(byContext[e.context], e)
	}
	target := handoffContext
	if p.FreePBX {
		target = freePBXContext
	}
	file := p.edit(name, "extensions_custom.conf")
	var out []Result
	for _, ctx := range contexts {
		users := byContext[ctx]
		names := make([]string, 0, len(users))
		for _, u := range users {
			names = append(names, u.name)
		}
		if len(names) > 8 {
			names = append(names[:8], fmt.Sprintf("and %d more", len(users)-8))
		}
		label := fmt.Sprintf("context [%s] (%s, %s)", ctx, strings.Join(names, ", "), users[0].at)
		into := "[" + ctx + "]"
		if p.FreePBX && ctx == "from-internal" {
			into = "[" + target + "]"
		}
		addRule := "add the wa- rule printed by `wachan setup asterisk` to " + into + " in " + file
		rule, found := findExtension(ext, ctx, SampleAddress)
		switch {
		case len(ext.find(ctx)) == 0:
			out = append(out, fail(name, label+" does not exist: agents' messages to wa- addresses are refused (404) while wachan is stopped, and accepted and lost after a crash", addRule))
		case !found:
			out = append(out, fail(name, label+" has no rule for wa- addresses: agents' messages are refused (404) while wachan is stopped, and accepted and lost after a crash", addRule))
		default:
			out = append(out, judgeRule(p, label, rule, addRule))
		}
	}
	return out
}

// judgeRule checks that the extension taking wa- addresses is wachan's
// hand-off, with the right password and address.
func judgeRule(p Params, label string, rule extension, addRule string) Result {
	const name = "extensions.conf"
	body := strings.Join(rule.values, "\n")
	if !strings.Contains(body, "CURL(") || !strings.Contains(body, asterisk.HandoffPath) {
		return fail(name, fmt.Sprintf("%s: exten => %s in %s takes wa- addresses but does not hand them to wachan: Asterisk accepts agents' messages for it (202) while wachan is down, and nobody tells them",
			rule.at, rule.pattern, label), "replace it: "+addRule)
	}
	if secret := userpwd(body); p.Password != "" && secret != asterisk.HandoffUser+":"+asterisk.HandoffSecret(p.Password) {
		return fail(name, fmt.Sprintf("%s: the hand-off's CURLOPT(userpwd) is not the one derived from ari_password: wachan refuses every message and agents get the notice although ARI may deliver",
			rule.at), "print the rule again with `wachan setup asterisk` and replace it")
	}
	if want := p.handoffURL(); !strings.Contains(body, "CURL("+want+",") {
		return warn(name, fmt.Sprintf("%s: the hand-off does not post to %s, where wachan listens", rule.at, want),
			"check the URL in its CURL(), or print the rule again with `wachan setup asterisk`")
	}
	return ok(name, label+" hands wa- addresses to wachan ("+rule.at.String()+")")
}

// userpwd extracts the value set with CURLOPT(userpwd)=….
func userpwd(body string) string {
	_, rest, ok := strings.Cut(body, "CURLOPT(userpwd)=")
	if !ok {
		return ""
	}
	end := strings.IndexAny(rest, ")\n")
	if end < 0 {
		return rest
	}
	return rest[:end]
}

// extension is a dialplan extension: its pattern and the values of its
// exten and same lines.
type extension struct {
	pattern string
	at      pos
	values  []string
}

// findExtension finds the extension of ctx, or of a context it includes
// (depth first, in order, like Asterisk), matching exten.
func findExtension(cf *confFile, ctx, exten string) (extension, bool) {
	return findIn(cf, ctx, exten, nil)
}

func findIn(cf *confFile, ctx, exten string, seen []string) (extension, bool) {
	if slices.Contains(seen, ctx) {
		return extension{}, false
	}
	seen = append(seen, ctx)
	// The context's own extensions first, the most specific match winning
	// (approximated by the longest literal start), then its includes.
	var best extension
	found := false
	for _, s := range cf.find(ctx) {
		for i, l := range s.lines {
			if l.key != "exten" {
				continue
			}
			pat, _, _ := strings.Cut(l.value, ",")
			pat = strings.TrimSpace(pat)
			if dialplan.Match(pat, exten) && (!found || literal(pat) > literal(best.pattern)) {
				best, found = collect(s, i, pat), true
			}
		}
	}
	if found {
		return best, true
	}
	for _, s := range cf.find(ctx) {
		for _, l := range s.lines {
			if l.key == "include" {
				if e, ok := findIn(cf, strings.TrimSpace(l.value), exten, seen); ok {
					return e, true
				}
			}
		}
	}
	return extension{}, false
}

// literal is the length of a pattern's literal start: "_wa-." gives 3.
func literal(pat string) int {
	p, isPattern := strings.CutPrefix(pat, "_")
	if !isPattern {
		return len(pat) + 1000 // an exact extension beats any pattern
	}
	n := 0
	for n < len(p) && !strings.ContainsRune("XxZzNn[.!", rune(p[n])) {
		n++
	}
	return n
}

// collect gathers the lines of the extension pat whose first line is
// s.lines[i]: its later exten lines and the same lines after each.
func collect(s *section, i int, pat string) extension {
	e := extension{pattern: pat, at: s.lines[i].at}
	mine := false
	for _, l := range s.lines[i:] {
		switch l.key {
		case "exten":
			p, _, _ := strings.Cut(l.value, ",")
			mine = strings.TrimSpace(p) == pat
		case "same":
		default:
			mine = false
		}
		if mine {
			e.values = append(e.values, l.value)
		}
	}
	return e
}
