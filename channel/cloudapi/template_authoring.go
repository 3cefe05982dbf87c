package cloudapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// TemplateDefinition is a template as submitted to Meta for review: the
// body of POST /{waba-id}/message_templates, and of POST /{template-id}
// (where Name and Language are left out). Components are given whole:
// an edit replaces all of them.
type TemplateDefinition struct {
	Name            string `json:"name,omitempty"`
	Language        string `json:"language,omitempty"`
	Category        string `json:"category,omitempty"`
	ParameterFormat string `json:"parameter_format,omitempty"`
	// Components are the HEADER, BODY, FOOTER and BUTTONS parts, in Meta's
	// creation shape (with example values).
	Components []json.RawMessage `json:"components,omitempty"`
}

// CreatedTemplate is Meta's answer to a template creation.
type CreatedTemplate struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Category string `json:"category"`
}

// CreateTemplate submits def to creds.WABAID for review.
func (c *Client) CreateTemplate(ctx context.Context, creds Creds, def *TemplateDefinition) (*CreatedTemplate, error) {
	if err := needCreds(creds, false, true); err != nil {
		return nil, fmt.Errorf("creating template: %w", err)
	}
	body, err := jsonBody(def)
	if err != nil {
		return nil, fmt.Errorf("creating template: %w", err)
	}
	var out CreatedTemplate
	err = c.do(ctx, request{method: http.MethodPost, url: c.graphURL(nil, creds.WABAID, "message_templates"),
		token: creds.Token, body: body, contentType: "application/json"}, &out)
	if err != nil {
		return nil, fmt.Errorf("creating template: %w", err)
	}
	if out.ID == "" {
		return nil, fmt.Errorf("creating template: %w", errMissing("template id in the answer"))
	}
	return &out, nil
}

// EditTemplate submits new components and/or a new category for the
// template id; Meta reviews it again.
func (c *Client) EditTemplate(ctx context.Context, creds Creds, id string, def *TemplateDefinition) error {
	if err := needCreds(creds, false, false); err != nil {
		return fmt.Errorf("editing template: %w", err)
	}
	if id == "" {
		return fmt.Errorf("editing template: %w", errMissing("template id"))
	}
	edit := *def
	edit.Name, edit.Language = "", ""
	body, err := jsonBody(&edit)
	if err != nil {
		return fmt.Errorf("editing template: %w", err)
	}
	err = c.do(ctx, request{method: http.MethodPost, url: c.graphURL(nil, id), token: creds.Token, body: body, contentType: "application/json"}, nil)
	if err != nil {
		return fmt.Errorf("editing template: %w", err)
	}
	return nil
}

// DeleteTemplate deletes the template name of creds.WABAID: in every
// language when id is empty, otherwise only the one with that id.
func (c *Client) DeleteTemplate(ctx context.Context, creds Creds, name, id string) error {
	if err := needCreds(creds, false, true); err != nil {
		return fmt.Errorf("deleting template: %w", err)
	}
	if name == "" {
		return fmt.Errorf("deleting template: %w", errMissing("template name"))
	}
	q := url.Values{"name": {name}}
	if id != "" {
		q.Set("hsm_id", id)
	}
	err := c.do(ctx, request{method: http.MethodDelete, url: c.graphURL(q, creds.WABAID, "message_templates"), token: creds.Token}, nil)
	if err != nil {
		return fmt.Errorf("deleting template: %w", err)
	}
	return nil
}
