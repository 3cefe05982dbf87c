package daemon

import (
	"strings"
	"testing"
)

// TestAuthoredTemplateFromSoftphone creates a template with an image
// header, named variables and three kinds of button, waits for Meta's
// approval webhook and sends it from a softphone with /template.
func TestAuthoredTemplateFromSoftphone(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	base := "/api/v1/channels/" + p.ch + "/templates"
	var up struct{ Handle string }
	if code := p.upload(base+"/media?filename=front.png", "image/png", []byte("\x89PNG\r\n\x1a\nfront"), &up); code != 200 {
		t.Fatalf("upload = %d", code)
	}
	draft := map[string]any{
		"name": "order_ready", "language": "en_US", "category": "UTILITY",
		"header": map[string]any{"format": "IMAGE", "handle": up.Handle},
		"body": map[string]any{"text": "Hello {{first_name}}, your order {{order_id}} is ready for pickup today.",
			"examples": map[string]string{"first_name": "Ann", "order_id": "A12"}},
		"buttons": []map[string]string{
			{"type": "QUICK_REPLY", "text": "Thanks"},
			{"type": "URL", "text": "Track", "url": "https://shop.example/t/{{1}}", "example": "A12"},
			{"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550783881"},
		},
	}
	if code := p.do("POST", base, draft, nil); code != 201 {
		t.Fatalf("create = %d", code)
	}
	p.waitTemplate(p.ch, "order_ready", "en_US", func(v templateView) bool { return v.Status == "APPROVED" })

	p.customerSays(customer, "Ann Smith", "Is my order ready?")
	p.waitFor("1001", 0, "Is my order ready?")
	p.phoneSays("1001", "wa-1-"+customer, "/template order_ready en_US https://shop.example/front.png | Ann | A12 | A12")
	p.waitSentN(t, 1)
	raw := string(p.graph.Sent(pnid)[0].Raw)
	for _, want := range []string{`"name":"order_ready"`, `"parameter_name":"first_name","text":"Ann"`, `"image":{"link":"https://shop.example/front.png"}`, `"sub_type":"url"`} {
		if !strings.Contains(raw, want) {
			t.Fatalf("sent %s, lacks %s", raw, want)
		}
	}
}
