package graphemu

import (
	"encoding/json"
	"fmt"
	"regexp"
	"unicode/utf8"
)

var (
	phonePattern = regexp.MustCompile(`^\+?[1-9][0-9]{6,14}$`)
	bsuidPattern = regexp.MustCompile(`^[A-Z]{2}\.(ENT\.)?[0-9A-Za-z]{1,128}$`)
)

// obj returns m[key] as an object, or nil.
func obj(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

// arr returns m[key] as an array, or nil.
func arr(m map[string]any, key string) []any {
	v, _ := m[key].([]any)
	return v
}

// str returns m[key] as a string, or "".
func str(m map[string]any, key string) string {
	v, _ := m[key].(string)
	return v
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// required is Meta's answer for a missing parameter, spelled like
// "text['body']".
func required(param string) *graphError {
	e := errParam(fmt.Sprintf("(#100) The parameter %s is required.", param))
	return &e
}

// tooLong is Meta's answer for a parameter over its length limit.
func tooLong(param string, limit int) *graphError {
	e := errParam("(#100) Invalid parameter").withDetails("Param %s must be at most %d characters long.", param, limit)
	return &e
}

// notValid is Meta's 131009 answer.
func notValid(format string, args ...any) *graphError {
	e := codeError(131009).withDetails(format, args...)
	return &e
}

// validateSend checks a send body the way Meta does before accepting it.
func validateSend(b map[string]any) *graphError {
	to, recipient := str(b, "to"), str(b, "recipient")
	switch {
	case to == "" && recipient == "":
		return required("to")
	case to != "" && !phonePattern.MatchString(to):
		e := errParam("(#100) Invalid parameter").withDetails("Parameter to is not a valid phone number")
		return &e
	case len(str(b, "biz_opaque_callback_data")) > 0 && chars(str(b, "biz_opaque_callback_data")) > 512:
		return tooLong("biz_opaque_callback_data", 512)
	}
	if rt := str(b, "recipient_type"); rt != "" && rt != "individual" {
		e := errParam("(#100) Invalid parameter").withDetails("recipient_type must be individual")
		return &e
	}
	if c, ok := b["context"]; ok {
		cm, _ := c.(map[string]any)
		if str(cm, "message_id") == "" {
			return required("context['message_id']")
		}
	}
	typ := str(b, "type")
	if typ == "" {
		typ = "text"
		b["type"] = typ
	}
	node := obj(b, typ)
	if typ != "contacts" && node == nil {
		return required(typ)
	}
	switch typ {
	case "text":
		body := str(node, "body")
		if body == "" {
			return required("text['body']")
		}
		if chars(body) > 4096 {
			return tooLong("text['body']", 4096)
		}
	case "image", "video", "document", "audio", "sticker":
		id, link := str(node, "id"), str(node, "link")
		if id == "" && link == "" {
			return required(typ + "['id'] or " + typ + "['link']")
		}
		if id != "" && link != "" {
			e := errParam("(#100) Invalid parameter").withDetails("Only one of id or link may be set for %s", typ)
			return &e
		}
		if chars(str(node, "caption")) > 1024 {
			return tooLong(typ+"['caption']", 1024)
		}
	case "location":
		for _, k := range []string{"latitude", "longitude"} {
			if _, ok := node[k].(json.Number); !ok {
				return required("location['" + k + "']")
			}
		}
	case "contacts":
		cs := arr(b, "contacts")
		if len(cs) == 0 {
			return required("contacts")
		}
		for i, c := range cs {
			cm, _ := c.(map[string]any)
			if str(obj(cm, "name"), "formatted_name") == "" {
				return required(fmt.Sprintf("contacts[%d]['name']['formatted_name']", i))
			}
		}
	case "interactive":
		return validateInteractive(node)
	case "template":
		if str(node, "name") == "" {
			return required("template['name']")
		}
		if str(obj(node, "language"), "code") == "" {
			return required("template['language']['code']")
		}
	case "reaction":
		if str(node, "message_id") == "" {
			return required("reaction['message_id']")
		}
		if _, ok := node["emoji"].(string); !ok {
			return required("reaction['emoji']")
		}
	default:
		return &graphError{status: 400, code: 131051, typ: "OAuthException", message: codeInfo[131051].message, details: "Unsupported message type " + typ}
	}
	return nil
}

func validateInteractive(i map[string]any) *graphError {
	body := str(obj(i, "body"), "text")
	if body == "" {
		return required("interactive['body']['text']")
	}
	if chars(body) > 1024 {
		return tooLong("interactive['body']['text']", 1024)
	}
	if chars(str(obj(i, "footer"), "text")) > 60 {
		return tooLong("interactive['footer']['text']", 60)
	}
	if h := obj(i, "header"); h != nil && str(h, "type") == "text" && chars(str(h, "text")) > 60 {
		return tooLong("interactive['header']['text']", 60)
	}
	action := obj(i, "action")
	if action == nil {
		return required("interactive['action']")
	}
	switch str(i, "type") {
	case "button":
		buttons := arr(action, "buttons")
		if len(buttons) == 0 || len(buttons) > 3 {
			return notValid("Buttons count invalid. Min: 1, Max: 3, Given: %d", len(buttons))
		}
		titles := map[string]bool{}
		for _, b := range buttons {
			bm, _ := b.(map[string]any)
			reply := obj(bm, "reply")
			id, title := str(reply, "id"), str(reply, "title")
			if str(bm, "type") != "reply" || id == "" {
				return required("interactive['action']['buttons'][]['reply']['id']")
			}
			if chars(id) > 256 {
				return notValid("Button id length invalid. Max length: 256")
			}
			if n := chars(title); n < 1 || n > 20 {
				return notValid("Button title length invalid. Min length: 1, Max length: 20")
			}
			if titles[title] {
				return notValid("Button title must be unique: %s", title)
			}
			titles[title] = true
		}
	case "list":
		if n := chars(str(action, "button")); n < 1 || n > 20 {
			return notValid("Button text length invalid. Min length: 1, Max length: 20")
		}
		sections := arr(action, "sections")
		if len(sections) == 0 || len(sections) > 10 {
			return notValid("Sections count invalid. Min: 1, Max: 10, Given: %d", len(sections))
		}
		rows := 0
		for _, sec := range sections {
			sm, _ := sec.(map[string]any)
			if chars(str(sm, "title")) > 24 {
				return notValid("Section title length invalid. Max length: 24")
			}
			for _, row := range arr(sm, "rows") {
				rows++
				rm, _ := row.(map[string]any)
				if str(rm, "id") == "" || chars(str(rm, "id")) > 200 {
					return notValid("Row id length invalid. Min length: 1, Max length: 200")
				}
				if n := chars(str(rm, "title")); n < 1 || n > 24 {
					return notValid("Row title length invalid. Min length: 1, Max length: 24")
				}
				if chars(str(rm, "description")) > 72 {
					return notValid("Row description length invalid. Max length: 72")
				}
			}
		}
		if rows == 0 || rows > 10 {
			return notValid("Total row count exceed max allowed count: 10")
		}
	case "cta_url":
		return validateCTA(i, action)
	case "location_request_message":
		return validateLocationRequest(i, action)
	default:
		return required("interactive['type']")
	}
	return nil
}

// checkTemplate checks a template send against the stored definition.
func checkTemplate(tpl Template, found bool, send map[string]any) *graphError {
	if !found {
		e := codeError(132001).withDetails("template name (%s) does not exist in %s", str(send, "name"), str(obj(send, "language"), "code"))
		return &e
	}
	switch tpl.Status {
	case "APPROVED":
	case "PAUSED":
		e := codeError(132015).withDetails("template %s is paused", tpl.Name)
		return &e
	case "DISABLED":
		e := codeError(132016).withDetails("template %s is disabled", tpl.Name)
		return &e
	default:
		e := codeError(132001).withDetails("template %s is not approved (%s)", tpl.Name, tpl.Status)
		return &e
	}
	for _, part := range []string{"header", "body"} {
		want := tpl.placeholders(part)
		got := 0
		named := 0
		for _, c := range arr(send, "components") {
			cm, _ := c.(map[string]any)
			if str(cm, "type") != part {
				continue
			}
			for _, p := range arr(cm, "parameters") {
				pm, _ := p.(map[string]any)
				if str(pm, "type") == "text" {
					got++
					if str(pm, "parameter_name") != "" {
						named++
					}
				}
			}
		}
		if got != want {
			e := codeError(132000).withDetails("%s: number of localizable_params (%d) does not match the expected number of params (%d)", part, got, want)
			return &e
		}
		if tpl.ParameterFormat == "NAMED" && named != got {
			e := codeError(132012).withDetails("%s: named parameters need parameter_name", part)
			return &e
		}
	}
	return nil
}
