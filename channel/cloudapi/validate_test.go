package cloudapi_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
)

func buttons(titles ...string) []cloudapi.Button {
	var bs []cloudapi.Button
	for i, t := range titles {
		bs = append(bs, cloudapi.Button{ID: "id" + string(rune('a'+i)), Title: t})
	}
	return bs
}

func rows(n int) []cloudapi.Row {
	var rs []cloudapi.Row
	for i := range n {
		rs = append(rs, cloudapi.Row{ID: "r" + string(rune('a'+i)), Title: "Row"})
	}
	return rs
}

func TestValidate(t *testing.T) {
	const to = "5511912345678"
	text := &cloudapi.Text{Body: "hi"}
	btn := func(i cloudapi.Interactive) cloudapi.Message {
		i.Type = cloudapi.InteractiveButton
		if i.Body == "" {
			i.Body = "body"
		}
		return cloudapi.Message{To: to, Interactive: &i}
	}
	list := func(i cloudapi.Interactive) cloudapi.Message {
		i.Type = cloudapi.InteractiveList
		if i.Body == "" {
			i.Body = "body"
		}
		if i.Button == "" {
			i.Button = "Menu"
		}
		return cloudapi.Message{To: to, Interactive: &i}
	}
	tpl := func(c ...cloudapi.Component) cloudapi.Message {
		return cloudapi.Message{To: to, Template: &cloudapi.TemplateMessage{Name: "hello", Language: "en_US", Components: c}}
	}
	tests := []struct {
		name  string
		msg   cloudapi.Message
		field string // "" means valid
	}{
		{"valid text", cloudapi.Message{To: to, Text: text}, ""},
		{"no recipient", cloudapi.Message{Text: text}, "to"},
		{"both recipients", cloudapi.Message{To: to, Recipient: "US.123", Text: text}, "to"},
		{"bad phone", cloudapi.Message{To: "12ab", Text: text}, "to"},
		{"bad bsuid", cloudapi.Message{Recipient: "nope", Text: text}, "recipient"},
		{"no payload", cloudapi.Message{To: to}, "type"},
		{"two payloads", cloudapi.Message{To: to, Text: text, Image: &cloudapi.Media{ID: "1"}}, "type"},
		{"type mismatch", cloudapi.Message{To: to, Type: "image", Text: text}, "type"},
		{"text too long", cloudapi.Message{To: to, Text: &cloudapi.Text{Body: strings.Repeat("a", 4097)}}, "text.body"},
		{"text at limit", cloudapi.Message{To: to, Text: &cloudapi.Text{Body: strings.Repeat("é", 4096)}}, ""},
		{"media without id", cloudapi.Message{To: to, Image: &cloudapi.Media{}}, "image.id"},
		{"media id and link", cloudapi.Message{To: to, Image: &cloudapi.Media{ID: "1", Link: "https://x"}}, "image.id"},
		{"caption too long", cloudapi.Message{To: to, Video: &cloudapi.Media{ID: "1", Caption: strings.Repeat("a", 1025)}}, "video.caption"},
		{"audio caption", cloudapi.Message{To: to, Audio: &cloudapi.Media{ID: "1", Caption: "x"}}, "audio.caption"},
		{"image filename", cloudapi.Message{To: to, Image: &cloudapi.Media{ID: "1", Filename: "x.jpg"}}, "image.filename"},
		{"latitude", cloudapi.Message{To: to, Location: &cloudapi.Location{Latitude: 91}}, "location.latitude"},
		{"contact without name", cloudapi.Message{To: to, Contacts: []cloudapi.Contact{{}}}, "contacts[0].name.formatted_name"},
		{"no contacts", cloudapi.Message{To: to, Contacts: []cloudapi.Contact{}}, "contacts"},
		{"biz opaque too long", cloudapi.Message{To: to, Text: text, BizOpaqueCallbackData: strings.Repeat("a", 513)}, "biz_opaque_callback_data"},
		{"reply without id", cloudapi.Message{To: to, Text: text, Context: &cloudapi.Context{}}, "context.message_id"},
		{"reaction without id", cloudapi.Message{To: to, Reaction: &cloudapi.Reaction{Emoji: "👍"}}, "reaction.message_id"},

		{"valid buttons", btn(cloudapi.Interactive{Buttons: buttons("A", "B", "C")}), ""},
		{"four buttons", btn(cloudapi.Interactive{Buttons: buttons("A", "B", "C", "D")}), "interactive.action.buttons"},
		{"no buttons", btn(cloudapi.Interactive{}), "interactive.action.buttons"},
		{"button title too long", btn(cloudapi.Interactive{Buttons: buttons(strings.Repeat("x", 21))}), "interactive.action.buttons[0].reply.title"},
		{"button title at limit", btn(cloudapi.Interactive{Buttons: buttons(strings.Repeat("ç", 20))}), ""},
		{"duplicate button title", btn(cloudapi.Interactive{Buttons: buttons("Yes", "Yes")}), "interactive.action.buttons[1].reply.title"},
		{"button id too long", btn(cloudapi.Interactive{Buttons: []cloudapi.Button{{ID: strings.Repeat("i", 257), Title: "A"}}}), "interactive.action.buttons[0].reply.id"},
		{"button without id", btn(cloudapi.Interactive{Buttons: []cloudapi.Button{{Title: "A"}}}), "interactive.action.buttons[0].reply.id"},
		{"body too long", btn(cloudapi.Interactive{Body: strings.Repeat("b", 1025), Buttons: buttons("A")}), "interactive.body.text"},
		{"footer too long", btn(cloudapi.Interactive{Footer: strings.Repeat("f", 61), Buttons: buttons("A")}), "interactive.footer.text"},
		{"header text too long", btn(cloudapi.Interactive{Header: &cloudapi.Header{Type: "text", Text: strings.Repeat("h", 61)}, Buttons: buttons("A")}), "interactive.header.text"},
		{"unknown interactive type", cloudapi.Message{To: to, Interactive: &cloudapi.Interactive{Type: "carousel", Body: "b"}}, "interactive.type"},

		{"valid cta", cloudapi.Message{To: to, Interactive: &cloudapi.Interactive{Type: cloudapi.InteractiveCTAURL, Body: "b", CTA: &cloudapi.CTA{DisplayText: "Open", URL: "https://a.example"}}}, ""},
		{"cta text too long", cloudapi.Message{To: to, Interactive: &cloudapi.Interactive{Type: cloudapi.InteractiveCTAURL, Body: "b", CTA: &cloudapi.CTA{DisplayText: strings.Repeat("o", 21), URL: "https://a.example"}}}, "interactive.action.parameters.display_text"},
		{"cta not a URL", cloudapi.Message{To: to, Interactive: &cloudapi.Interactive{Type: cloudapi.InteractiveCTAURL, Body: "b", CTA: &cloudapi.CTA{DisplayText: "Open", URL: "shop"}}}, "interactive.action.parameters.url"},
		{"cta with buttons", cloudapi.Message{To: to, Interactive: &cloudapi.Interactive{Type: cloudapi.InteractiveCTAURL, Body: "b", Buttons: buttons("A"), CTA: &cloudapi.CTA{DisplayText: "Open", URL: "https://a.example"}}}, "interactive.action"},
		{"valid location request", cloudapi.Message{To: to, Interactive: &cloudapi.Interactive{Type: cloudapi.InteractiveLocationRequest, Body: "Where?"}}, ""},
		{"location request footer", cloudapi.Message{To: to, Interactive: &cloudapi.Interactive{Type: cloudapi.InteractiveLocationRequest, Body: "Where?", Footer: "f"}}, "interactive.footer"},
		{"location request without body", cloudapi.Message{To: to, Interactive: &cloudapi.Interactive{Type: cloudapi.InteractiveLocationRequest}}, "interactive.body.text"},
		{"valid list", list(cloudapi.Interactive{Sections: []cloudapi.Section{{Title: "S", Rows: rows(10)}}}), ""},
		{"eleven sections", list(cloudapi.Interactive{Sections: func() []cloudapi.Section {
			var ss []cloudapi.Section
			for range 11 {
				ss = append(ss, cloudapi.Section{Title: "S", Rows: rows(1)})
			}
			return ss
		}()}), "interactive.action.sections"},
		{"eleven rows in total", list(cloudapi.Interactive{Sections: []cloudapi.Section{{Title: "A", Rows: rows(6)}, {Title: "B", Rows: []cloudapi.Row{{ID: "x1", Title: "1"}, {ID: "x2", Title: "2"}, {ID: "x3", Title: "3"}, {ID: "x4", Title: "4"}, {ID: "x5", Title: "5"}}}}}), "interactive.action.sections"},
		{"row title too long", list(cloudapi.Interactive{Sections: []cloudapi.Section{{Rows: []cloudapi.Row{{ID: "r", Title: strings.Repeat("t", 25)}}}}}), "interactive.action.sections[0].rows[0].title"},
		{"row description too long", list(cloudapi.Interactive{Sections: []cloudapi.Section{{Rows: []cloudapi.Row{{ID: "r", Title: "t", Description: strings.Repeat("d", 73)}}}}}), "interactive.action.sections[0].rows[0].description"},
		{"list button too long", list(cloudapi.Interactive{Button: strings.Repeat("m", 21), Sections: []cloudapi.Section{{Rows: rows(1)}}}), "interactive.action.button"},
		{"untitled section among many", list(cloudapi.Interactive{Sections: []cloudapi.Section{{Title: "A", Rows: rows(1)}, {Rows: []cloudapi.Row{{ID: "z", Title: "z"}}}}}), "interactive.action.sections[1].title"},
		{"duplicate row id", list(cloudapi.Interactive{Sections: []cloudapi.Section{{Rows: []cloudapi.Row{{ID: "r", Title: "a"}, {ID: "r", Title: "b"}}}}}), "interactive.action.sections[0].rows[1].id"},
		{"list with buttons", list(cloudapi.Interactive{Buttons: buttons("A"), Sections: []cloudapi.Section{{Rows: rows(1)}}}), "interactive.action.buttons"},

		{"valid template", tpl(cloudapi.Component{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text", Text: "x"}}}), ""},
		{"template without name", cloudapi.Message{To: to, Template: &cloudapi.TemplateMessage{Language: "en"}}, "template.name"},
		{"template bad name", cloudapi.Message{To: to, Template: &cloudapi.TemplateMessage{Name: "Hello World", Language: "en"}}, "template.name"},
		{"template without language", cloudapi.Message{To: to, Template: &cloudapi.TemplateMessage{Name: "hello"}}, "template.language.code"},
		{"mixed named and positional", tpl(cloudapi.Component{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text", Name: "a", Text: "x"}, {Type: "text", Text: "y"}}}), "template.components[0].parameters"},
		{"bad parameter name", tpl(cloudapi.Component{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text", Name: "First Name", Text: "x"}}}), "template.components[0].parameters[0].parameter_name"},
		{"button without sub_type", tpl(cloudapi.Component{Type: "button", Parameters: []cloudapi.Parameter{{Type: "payload", Payload: "p"}}}), "template.components[0].sub_type"},
		{"media parameter in body", tpl(cloudapi.Component{Type: "body", Parameters: []cloudapi.Parameter{{Type: "image", Media: &cloudapi.Media{ID: "1"}}}}), "template.components[0].parameters[0].type"},
		{"header media missing", tpl(cloudapi.Component{Type: "header", Parameters: []cloudapi.Parameter{{Type: "document"}}}), "template.components[0].parameters[0].document"},
		{"empty text parameter", tpl(cloudapi.Component{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text"}}}), "template.components[0].parameters[0].text"},
		{"unknown component", tpl(cloudapi.Component{Type: "footer"}), "template.components[0].type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.msg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			var ve *cloudapi.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate: %v, want a ValidationError on %s", err, tt.field)
			}
			if ve.Field != tt.field {
				t.Errorf("field %q (%v), want %q", ve.Field, err, tt.field)
			}
			if !errors.Is(err, cloudapi.ErrInvalidMessage) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s or wrap ErrInvalidMessage", err, tt.field)
			}
		})
	}
}
