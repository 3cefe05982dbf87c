package cloudapi_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
)

func TestListTemplatesPaging(t *testing.T) {
	e := newEnv(t, graphemu.Options{TemplatePageSize: 4}, nil)
	const total = 11 // three pages of 4, 4 and 3
	for i := range total {
		e.emu.AddTemplate(testWABA, graphemu.Template{
			Name:       fmt.Sprintf("tpl_%02d", i),
			Category:   "MARKETING",
			Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}"}},
		})
	}
	e.emu.AddTemplate("other-waba", graphemu.Template{Name: "not_ours"})
	got, err := e.client.ListTemplates(t.Context(), e.creds)
	if err != nil {
		t.Fatalf("ListTemplates: %v", err)
	}
	if len(got) != total {
		t.Fatalf("got %d templates, want %d", len(got), total)
	}
	for i, tpl := range got {
		if want := fmt.Sprintf("tpl_%02d", i); tpl.Name != want {
			t.Errorf("template %d is %q, want %q (paging lost or repeated one)", i, tpl.Name, want)
		}
		if tpl.ID == "" || tpl.Status != "APPROVED" || tpl.Language != "en_US" || tpl.Category != "MARKETING" {
			t.Errorf("template %d fields: %+v", i, tpl)
		}
		if len(tpl.Components) != 1 || tpl.Components[0].Text != "Hi {{1}}" {
			t.Errorf("template %d components: %+v", i, tpl.Components)
		}
	}
}

func TestListTemplatesEmptyAndForbidden(t *testing.T) {
	e := newEnv(t, graphemu.Options{}, nil)
	got, err := e.client.ListTemplates(t.Context(), e.creds)
	if err != nil || len(got) != 0 {
		t.Fatalf("empty account: %v, %v", got, err)
	}
	other := e.creds
	other.WABAID = "999"
	_, err = e.client.ListTemplates(t.Context(), other)
	apiErr, ok := errors.AsType[*cloudapi.APIError](err)
	if !ok || apiErr.Code != 100 || apiErr.Subcode != 33 {
		t.Fatalf("foreign WABA: %v, want 100/33", err)
	}
	if _, err := e.client.ListTemplates(t.Context(), cloudapi.Creds{Token: testToken}); !errors.Is(err, cloudapi.ErrMissingArgument) {
		t.Fatalf("missing WABA id: %v", err)
	}
}

func TestSendTemplateChecks(t *testing.T) {
	e := newEnv(t, graphemu.Options{Statuses: []string{}}, nil)
	e.emu.AddTemplate(testWABA, graphemu.Template{Name: "two_params", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "{{1}} and {{2}}"}}})
	e.emu.AddTemplate(testWABA, graphemu.Template{Name: "paused_one", Status: "PAUSED"})
	tests := []struct {
		name   string
		tpl    cloudapi.TemplateMessage
		code   int
		wantOK bool
	}{
		{"ok", cloudapi.TemplateMessage{Name: "two_params", Language: "en_US", Components: []cloudapi.Component{{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text", Text: "a"}, {Type: "text", Text: "b"}}}}}, 0, true},
		{"count mismatch", cloudapi.TemplateMessage{Name: "two_params", Language: "en_US", Components: []cloudapi.Component{{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text", Text: "a"}}}}}, 132000, false},
		{"unknown", cloudapi.TemplateMessage{Name: "nope", Language: "en_US"}, 132001, false},
		{"wrong language", cloudapi.TemplateMessage{Name: "two_params", Language: "pt_BR"}, 132001, false},
		{"paused", cloudapi.TemplateMessage{Name: "paused_one", Language: "en_US"}, 132015, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.Send(t.Context(), e.creds, &cloudapi.Message{To: "5511912345678", Template: &tt.tpl})
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				return
			}
			apiErr, ok := errors.AsType[*cloudapi.APIError](err)
			if !ok || apiErr.Code != tt.code {
				t.Fatalf("error %v, want code %d", err, tt.code)
			}
			if cloudapi.ClassOf(err) != cloudapi.Never {
				t.Errorf("class %v, want never", cloudapi.ClassOf(err))
			}
		})
	}
}
