package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wachan/wachan/pbx/dialplan"
)

// CheckFiles checks the Asterisk configuration in dir (usually
// /etc/asterisk) against p and names the file and line to change.
func CheckFiles(dir string, p Params) []Result {
	var out []Result
	out = append(out, checkHTTP(dir, p)...)
	out = append(out, checkARIConf(dir, p)...)
	out = append(out, checkDialplan(dir)...)
	return out
}

func load(dir, name string) (*confFile, *Result) {
	cf, err := parseConf(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		r := fail(name, "not found in "+dir, "create "+filepath.Join(dir, name)+" as shown by `wachan setup asterisk`")
		return nil, &r
	}
	if err != nil {
		r := fail(name, err.Error(), "make it readable by the user running this check")
		return nil, &r
	}
	return cf, nil
}

func checkHTTP(dir string, p Params) []Result {
	const name = "http.conf"
	cf, r := load(dir, name)
	if r != nil {
		return []Result{*r}
	}
	host, port := p.hostPort()
	gen := cf.find("general")
	if len(gen) == 0 {
		return []Result{fail(name, "no [general] section",
			fmt.Sprintf("add to http.conf:\n[general]\nenabled = yes\nbindaddr = %s\nbindport = %s", host, port))}
	}
	g := gen[len(gen)-1]
	var out []Result
	if v, line, found := g.get("enabled"); !found {
		out = append(out, fail(name, "[general] (line "+fmt.Sprint(g.line)+") lacks enabled = yes: the HTTP server, and so ARI, is off",
			"add `enabled = yes` under [general] in http.conf"))
	} else if !yes(v) {
		out = append(out, fail(name, cf.where(line)+": enabled = "+v+": the HTTP server, and so ARI, is off",
			"change line "+fmt.Sprint(line)+" to `enabled = yes`"))
	}
	bind, line, found := g.get("bindaddr")
	switch {
	case !found:
		out = append(out, fail(name, "[general] lacks bindaddr: the HTTP server does not listen",
			"add `bindaddr = "+host+"` under [general] in http.conf"))
	case bind != host && !wildcard(bind) && !(loopback(bind) && loopback(host)):
		out = append(out, fail(name, fmt.Sprintf("%s: bindaddr = %s but ari_url points at %s", cf.where(line), bind, host),
			fmt.Sprintf("change line %d to `bindaddr = %s`, or ari_url to http://%s:%s/ari", line, host, bind, port)))
	case wildcard(bind) && loopback(host):
		out = append(out, warn(name, cf.where(line)+": bindaddr = "+bind+" exposes ARI on every interface",
			fmt.Sprintf("change line %d to `bindaddr = 127.0.0.1` since wachan connects over loopback", line)))
	}
	bport, line, found := g.get("bindport")
	if !found {
		bport = "8088"
	}
	if bport != port {
		where := "[general] has no bindport (Asterisk uses 8088)"
		fix := "add `bindport = " + port + "` under [general]"
		if found {
			where = cf.where(line) + ": bindport = " + bport
			fix = fmt.Sprintf("change line %d to `bindport = %s`", line, port)
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

func checkARIConf(dir string, p Params) []Result {
	const name = "ari.conf"
	cf, r := load(dir, name)
	if r != nil {
		return []Result{*r}
	}
	var out []Result
	for _, g := range cf.find("general") {
		if v, line, found := g.get("enabled"); found && !yes(v) {
			out = append(out, fail(name, cf.where(line)+": enabled = "+v+": ARI is off",
				fmt.Sprintf("change line %d to `enabled = yes`", line)))
		}
	}
	user := p.user()
	addUser := fmt.Sprintf("add to ari.conf:\n[%s]\ntype = user\nread_only = no\npassword = <ari_password>\npassword_format = plain", user)
	var us *section
	for _, s := range cf.find(user) {
		if v, _, _ := s.get("type"); v == "user" {
			us = s
		}
	}
	if us == nil {
		return append(out, fail(name, "no ARI user ["+user+"] (type = user) for ari_user "+user, addUser))
	}
	if v, line, _ := us.get("read_only"); yes(v) {
		out = append(out, fail(name, cf.where(line)+": ["+user+"] is read_only: wachan cannot subscribe or send",
			fmt.Sprintf("change line %d to `read_only = no`", line)))
	}
	pw, line, found := us.get("password")
	format, _, _ := us.get("password_format")
	switch {
	case !found || pw == "":
		out = append(out, fail(name, "["+user+"] (line "+fmt.Sprint(us.line)+") has no password",
			"add `password = <ari_password>` under ["+user+"]"))
	case !strings.EqualFold(format, "crypt") && p.Password != "" && pw != p.Password:
		out = append(out, fail(name, cf.where(line)+": the password of ["+user+"] differs from wachan's ari_password",
			fmt.Sprintf("make line %d and ari_password (WACHAN_ARI_PASSWORD) the same", line)))
	}
	if len(out) == 0 {
		out = append(out, ok(name, "ARI enabled, user "+user+" may write"))
	}
	return out
}

// endpointRef is an agent endpoint and the context its messages use.
type endpointRef struct {
	name, context string
	explicit      bool // from message_context
	line          int
}

func checkDialplan(dir string) []Result {
	pj, r := load(dir, "pjsip.conf")
	if r != nil {
		return []Result{*r}
	}
	var eps []endpointRef
	for _, s := range pj.sections {
		if s.template {
			continue
		}
		if t, _, _ := s.get("type"); t != "endpoint" {
			continue
		}
		e := endpointRef{name: s.name, line: s.line}
		if v, line, found := s.get("message_context"); found {
			e.context, e.explicit, e.line = v, true, line
		} else if v, line, found := s.get("context"); found {
			e.context, e.line = v, line
		} else {
			e.context = "default"
		}
		eps = append(eps, e)
	}
	if len(eps) == 0 {
		return []Result{fail("pjsip.conf", "no endpoints (type = endpoint)",
			"configure each agent's phone as a PJSIP endpoint with message_context = wachan-messages (see `wachan setup asterisk`)")}
	}
	var out []Result
	var implicit []string
	byContext := map[string][]endpointRef{}
	var contexts []string
	for _, e := range eps {
		if !e.explicit {
			implicit = append(implicit, e.name)
		}
		if _, seen := byContext[e.context]; !seen {
			contexts = append(contexts, e.context)
		}
		byContext[e.context] = append(byContext[e.context], e)
	}
	if len(implicit) > 0 {
		out = append(out, warn("pjsip.conf", "endpoints "+strings.Join(implicit, ", ")+" have no message_context, so their messages go through their call context",
			"add `message_context = wachan-messages` to their endpoint template in pjsip.conf"))
	} else {
		out = append(out, ok("pjsip.conf", fmt.Sprintf("%d endpoints, message_context set on all", len(eps))))
	}

	ext, r := load(dir, "extensions.conf")
	if r != nil {
		return append(out, *r)
	}
	for _, ctx := range contexts {
		users := byContext[ctx]
		names := make([]string, len(users))
		for i, u := range users {
			names[i] = u.name
		}
		label := fmt.Sprintf("context [%s] (%s, %s)", ctx, strings.Join(names, ", "), pj.where(users[0].line))
		if len(ext.find(ctx)) == 0 {
			out = append(out, warn("extensions.conf", label+" does not exist",
				"add an empty ["+ctx+"] to extensions.conf (see `wachan setup asterisk`)"))
			continue
		}
		if hit, where := matchIn(ext, ctx, SampleAddress, nil); hit != "" {
			out = append(out, fail("extensions.conf",
				fmt.Sprintf("%s: exten => %s in %s matches %s addresses: with wachan subscribed to endpoint:PJSIP every agent message is handled twice, by this dialplan and by wachan, and while wachan is down the dialplan still answers 202 so the agent never learns the message was lost", ext.where(where), hit, label, SampleAddress),
				fmt.Sprintf("remove or narrow line %d (e.g. _1XXX for agent-to-agent texts), or set message_context to a context with no extension matching wa-… (see `wachan setup asterisk`)", where)))
			continue
		}
		out = append(out, ok("extensions.conf", label+" leaves wa- addresses to wachan"))
	}
	return out
}

// matchIn finds an extension of ctx, or of a context it includes, matching
// exten; it returns the pattern and its line.
func matchIn(cf *confFile, ctx, exten string, seen []string) (string, int) {
	if slices.Contains(seen, ctx) {
		return "", 0
	}
	seen = append(seen, ctx)
	for _, s := range cf.find(ctx) {
		for _, l := range s.lines {
			switch l.key {
			case "exten":
				pat, _, _ := strings.Cut(l.value, ",")
				if dialplan.Match(strings.TrimSpace(pat), exten) {
					return strings.TrimSpace(pat), l.line
				}
			case "include":
				if hit, line := matchIn(cf, strings.TrimSpace(l.value), exten, seen); hit != "" {
					return hit, line
				}
			}
		}
	}
	return "", 0
}
