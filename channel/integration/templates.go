package integration

import (
	"encoding/json"
	"errors"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// templateRequest is a send's "template" object.
type templateRequest struct {
	Name       string           `json:"name"`
	Language   string           `json:"language"`
	Params     templates.Params `json:"params"`
	Components json.RawMessage  `json:"components"`
}

// BuildTemplate is an api.TemplateBuilder that checks a send's template
// {"name","language","params"} against the channel's stored templates.
func BuildTemplate(tx *store.Tx, channelID string, raw json.RawMessage) (*cloudapi.Message, error) {
	var t templateRequest
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, api.Invalid("template", "must be {\"name\",\"language\",\"params\"}: %s", err.Error())
	}
	if len(t.Components) > 0 {
		return nil, api.Invalid("template.components", "give params instead; wachan builds the components from the stored template")
	}
	if t.Name == "" {
		return nil, api.Invalid("template.name", "is required")
	}
	m, err := templates.Build(tx, channelID, t.Name, t.Language, t.Params)
	var te *templates.Error
	if errors.As(err, &te) {
		e := &api.Error{Status: te.HTTPStatus(), Code: te.Code, Message: te.Message}
		if te.Field != "" {
			e.Field = "template." + te.Field
		}
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}
