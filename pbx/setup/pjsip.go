package setup

import (
	"fmt"
	"slices"
	"strings"
)

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
