package campaign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// BuildFunc builds the template message of one recipient: name and
// language of the template, params a JSON array (positional values) or
// object (named values), or empty. It may check the values against the
// channel's synced template and must return an error explaining a bad
// value.
type BuildFunc func(tx *store.Tx, channelID, name, language string, params json.RawMessage) (*cloudapi.Message, error)

// BasicBuild is a BuildFunc that does not know the template's definition:
// it puts the values in the body, positional or named, and checks only
// what the Cloud API's own rules say about them.
func BasicBuild(_ *store.Tx, _, name, language string, params json.RawMessage) (*cloudapi.Message, error) {
	pos, named, err := decodeParams(params)
	if err != nil {
		return nil, err
	}
	var body []cloudapi.Parameter
	for _, v := range pos {
		body = append(body, cloudapi.Parameter{Type: "text", Text: v})
	}
	for _, k := range sortedKeys(named) {
		body = append(body, cloudapi.Parameter{Type: "text", Name: k, Text: named[k]})
	}
	tm := &cloudapi.TemplateMessage{Name: name, Language: language}
	if len(body) > 0 {
		tm.Components = []cloudapi.Component{{Type: "body", Parameters: body}}
	}
	m := &cloudapi.Message{Type: cloudapi.TypeTemplate, To: "+10000000000", Template: tm}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m.To = ""
	return m, nil
}

// decodeParams reads a JSON array or object of scalar values as strings.
func decodeParams(raw json.RawMessage) (pos []string, named map[string]string, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil, nil
	}
	switch raw[0] {
	case '[':
		var vs []json.RawMessage
		if err := json.Unmarshal(raw, &vs); err != nil {
			return nil, nil, fmt.Errorf("reading params: %w", err)
		}
		for i, v := range vs {
			s, err := scalar(v)
			if err != nil {
				return nil, nil, fmt.Errorf("params[%d]: %w", i, err)
			}
			pos = append(pos, s)
		}
		return pos, nil, nil
	case '{':
		var vs map[string]json.RawMessage
		if err := json.Unmarshal(raw, &vs); err != nil {
			return nil, nil, fmt.Errorf("reading params: %w", err)
		}
		named = map[string]string{}
		for k, v := range vs {
			s, err := scalar(v)
			if err != nil {
				return nil, nil, fmt.Errorf("params.%s: %w", k, err)
			}
			named[k] = s
		}
		return nil, named, nil
	}
	return nil, nil, fmt.Errorf("params must be an array or an object")
}

// scalar returns a JSON string, number or boolean as text.
func scalar(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if string(v) == "null" {
		return "", errors.New("must be a string or a number")
	}
	if len(v) > 0 && v[0] == '"' {
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), nil
	}
	if string(v) == "true" || string(v) == "false" {
		return string(v), nil
	}
	return "", errors.New("must be a string or a number")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
