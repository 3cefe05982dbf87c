package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"strings"
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
