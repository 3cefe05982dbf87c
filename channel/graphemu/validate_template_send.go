package graphemu

import (
	"fmt"
	"strconv"
	"strings"
)

// sendComponent returns the send's component of typ (and, for buttons,
// index), or nil.
func sendComponent(send map[string]any, typ string, index int) map[string]any {
	for _, c := range arr(send, "components") {
		cm, _ := c.(map[string]any)
		if !strings.EqualFold(str(cm, "type"), typ) {
			continue
		}
		if typ != "button" {
			return cm
		}
		if i, err := strconv.Atoi(fmt.Sprint(cm["index"])); err == nil && i == index {
			return cm
		}
	}
	return nil
}

// checkTemplateParts checks what a send must give beyond text variables:
// the media of an IMAGE, VIDEO or DOCUMENT header, the location of a
// LOCATION header, and the suffix of a URL button whose URL ends in a
// variable.
func checkTemplateParts(tpl Template, send map[string]any) *graphError {
	for _, c := range tpl.Components {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			f := strings.ToLower(c.Format)
			switch f {
			case "image", "video", "document", "location":
			default:
				continue
			}
			h := sendComponent(send, "header", 0)
			ps := arr(h, "parameters")
			var p map[string]any
			if len(ps) == 1 {
				p, _ = ps[0].(map[string]any)
			}
			if str(p, "type") != f || obj(p, f) == nil {
				e := codeError(132012).withDetails("header: format mismatch, expected %s, received %s", strings.ToUpper(f), strings.ToUpper(str(p, "type")))
				return &e
			}
		case "BUTTONS":
			for i, b := range c.Buttons {
				if !strings.EqualFold(b.Type, "URL") || !strings.Contains(b.URL, "{{") {
					continue
				}
				bc := sendComponent(send, "button", i)
				ps := arr(bc, "parameters")
				if len(ps) != 1 {
					e := codeError(131008).withDetails("buttons: button at index %d needs its URL parameter", i)
					return &e
				}
			}
		}
	}
	return nil
}
