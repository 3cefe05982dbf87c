package graphemu

import "net/url"

// validateCTA checks a call-to-action URL message's action
// {name:"cta_url", parameters:{display_text ≤ 20, url}}.
func validateCTA(i, action map[string]any) *graphError {
	if str(action, "name") != "cta_url" {
		return required("interactive['action']['name']")
	}
	p := obj(action, "parameters")
	if p == nil {
		return required("interactive['action']['parameters']")
	}
	if n := chars(str(p, "display_text")); n < 1 || n > 20 {
		return notValid("Button display_text length invalid. Min length: 1, Max length: 20")
	}
	u, err := url.Parse(str(p, "url"))
	if str(p, "url") == "" {
		return required("interactive['action']['parameters']['url']")
	}
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return notValid("Parameter url is not a valid URL")
	}
	if h := obj(i, "header"); h != nil {
		switch str(h, "type") {
		case "text", "image", "video", "document":
		default:
			return notValid("Header type must be text, image, video or document")
		}
	}
	return nil
}

// validateLocationRequest checks a location request: a body and the
// send_location action, nothing else.
func validateLocationRequest(i, action map[string]any) *graphError {
	if str(action, "name") != "send_location" {
		return required("interactive['action']['name']")
	}
	if obj(i, "header") != nil || obj(i, "footer") != nil {
		return notValid("A location request message has no header or footer")
	}
	return nil
}
