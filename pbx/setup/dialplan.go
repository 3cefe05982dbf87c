package setup

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wachan/wachan/pbx/asterisk"
	"github.com/wachan/wachan/pbx/dialplan"
)

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
