package templates_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		args, name, lang string
		params           []string
		fails            bool
	}{
		{args: "plain", name: "plain"},
		{args: "  welcome   en  ", name: "welcome", lang: "en"},
		{args: "order_update en_US A1 | Ann Smith |  today ", name: "order_update", lang: "en_US", params: []string{"A1", "Ann Smith", "today"}},
		{args: "order_update pt_BR A1|Ana|hoje", name: "order_update", lang: "pt_BR", params: []string{"A1", "Ana", "hoje"}},
		{args: "order_update Ann Smith | A1", name: "order_update", params: []string{"Ann Smith", "A1"}},
		{args: "order_update en | A1", name: "order_update", params: []string{"en", "A1"}},
		{args: "order_update en_US | A1", name: "order_update", params: []string{"en_US", "A1"}},
		{args: "order_update ann | A1", name: "order_update", params: []string{"ann", "A1"}},
		{args: "order_update xx_YY A1", name: "order_update", params: []string{"xx_YY A1"}},
		{args: "order_update zh-hk A1", name: "order_update", lang: "zh-hk", params: []string{"A1"}},
		{args: `note a\|b | c\\d | e\x`, name: "note", params: []string{"a|b", `c\d`, `e\x`}},
		{args: "note | ", name: "note", params: []string{"", ""}},
		{args: "note\tx", name: "note", params: []string{"x"}},
		{args: "", fails: true},
		{args: "   ", fails: true},
		{args: "Order_Update x", fails: true},
		{args: "order-update", fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			name, lang, params, err := templates.ParseCommand(tt.args)
			if tt.fails {
				var te *templates.Error
				if !errors.As(err, &te) || te.Field != "name" || te.Code != templates.CodeUsage {
					t.Fatalf("ParseCommand(%q) = %q %q %q, %v; want a name error", tt.args, name, lang, params, err)
				}
				return
			}
			if err != nil || name != tt.name || lang != tt.lang || !slices.Equal(params, tt.params) {
				t.Fatalf("ParseCommand(%q) = %q %q %q, %v; want %q %q %q", tt.args, name, lang, params, err, tt.name, tt.lang, tt.params)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"plain", "order_update en_US A1 | Ann | today", `note a\|b | c\\`, "x en", "x en | y", "x | |", "x \u00a0y", "x en\t\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		name, lang, params, err := templates.ParseCommand(args)
		if err != nil {
			return
		}
		if name == "" || strings.ContainsFunc(name, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') }) {
			t.Fatalf("name %q accepted", name)
		}
		for _, p := range params {
			if p != strings.TrimSpace(p) {
				t.Fatalf("value %q not trimmed", p)
			}
		}
		// What FormatCommand writes parses back the same.
		again := templates.FormatCommand(name, lang, params)
		n2, l2, p2, err := templates.ParseCommand(again)
		if err != nil || n2 != name || l2 != lang || !slices.Equal(p2, params) {
			t.Fatalf("%q -> %q %q %q -> %q -> %q %q %q, %v", args, name, lang, params, again, n2, l2, p2, err)
		}
	})
}

// TestResolveCommand: a first value that looks like a language code stays a
// value unless the template exists in that language.
func TestResolveCommand(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.sync(t)
	tests := []struct {
		args, lang string
		params     []string
		code, say  string
	}{
		{args: "order_update pt_BR A1 | Ana | hoje", lang: "pt_BR", params: []string{"A1", "Ana", "hoje"}},
		{args: "order_update pt-br A1", lang: "pt_BR", params: []string{"A1"}},
		{args: "order_update A1", params: []string{"A1"}}, // Build asks for the language
		{args: "welcome ann | Acme", lang: "en", params: []string{"ann", "Acme"}},
		{args: "welcome en hi | Acme", lang: "en", params: []string{"hi", "Acme"}},
		{args: "welcome hi there | Acme", code: templates.CodeLanguageNotFound, say: "/template welcome en hi …"},
		{args: "ghost en x", code: templates.CodeNotFound, say: "ghost"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			err := e.st.View(func(tx *store.Tx) error {
				_, lang, params, err := templates.ResolveCommand(tx, channelID, tt.args)
				var te *templates.Error
				switch {
				case tt.code != "":
					if !errors.As(err, &te) || te.Code != tt.code || !strings.Contains(te.Message, tt.say) {
						t.Errorf("ResolveCommand = %v; want %s saying %q", err, tt.code, tt.say)
					}
				case err != nil || lang != tt.lang || !slices.Equal(params, tt.params):
					t.Errorf("ResolveCommand = %q %q, %v; want %q %q", lang, params, err, tt.lang, tt.params)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBuildCommand(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.addAuth()
	e.sync(t)
	tests := []struct {
		args  string
		want  string // part of the template JSON, or
		code  string // the error code
		field string
	}{
		{args: "order_update en_US H1 | Ann | A1 | today | T1", want: `"components":[{"type":"header","parameters":[{"type":"text","text":"H1"}]},{"type":"body","parameters":[{"type":"text","text":"Ann"},{"type":"text","text":"A1"},{"type":"text","text":"today"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"T1"}]}]`},
		{args: "welcome Ann | Acme", want: `{"type":"text","parameter_name":"shop","text":"Acme"}`},
		{args: "invoice https://files.example/7.pdf | 7", want: `{"type":"document","document":{"link":"https://files.example/7.pdf"}}`},
		{args: "invoice 4490011 | 7", want: `{"type":"document","document":{"id":"4490011"}}`},
		{args: "plain", want: `"name":"plain"`},
		{args: "login_code 123456 | 123456", want: `"sub_type":"url","index":"0","parameters":[{"type":"text","text":"123456"}]`},
		{args: "order_update A1 | Ann", code: templates.CodeLanguageRequired, field: "language"},
		{args: "order_update en_US A1 | Ann", code: templates.CodeParamCount, field: "params"},
		{args: "welcome Ann", code: templates.CodeParamCount, field: "params"},
		{args: "welcome Ann | Acme\tLtd", code: templates.CodeParamText, field: "params.named.shop"},
		{args: "promo", code: templates.CodeNotApproved, field: "name"},
		{args: "ghost x", code: templates.CodeNotFound, field: "name"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var msg *cloudapi.Message
			err := e.st.View(func(tx *store.Tx) error {
				var err error
				msg, err = templates.BuildCommand(tx, channelID, tt.args)
				return err
			})
			if tt.code != "" {
				var te *templates.Error
				if !errors.As(err, &te) || te.Code != tt.code || te.Field != tt.field {
					t.Fatalf("BuildCommand = %v; want %s on %s", err, tt.code, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := msg.Template.MarshalJSON()
			if !strings.Contains(string(b), tt.want) {
				t.Fatalf("template = %s; want %s", b, tt.want)
			}
		})
	}
}
