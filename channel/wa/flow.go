package wa

import (
	"bytes"
	"encoding/json"
	"strings"
)

// FlowFields returns the answers of a Flow response (nfm_reply) in the
// order the customer's WhatsApp sent them, as "name: value" lines, without
// the flow_token that only ties the answer to the Flow sent. It returns
// nil when response_json is not a JSON object.
func (in *Interactive) FlowFields() []string {
	if in == nil || in.ResponseJSON == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(in.ResponseJSON))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var lines []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return lines
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return lines
		}
		if name == "flow_token" {
			continue
		}
		lines = append(lines, oneLine(name+": "+flowValue(v)))
	}
	return lines
}

// flowValue renders one answer: strings bare, lists joined by commas,
// anything else as compact JSON.
func flowValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var list []json.RawMessage
	if json.Unmarshal(v, &list) == nil {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = flowValue(x)
		}
		return strings.Join(parts, ", ")
	}
	var b bytes.Buffer
	if json.Compact(&b, v) == nil {
		return b.String()
	}
	return string(v)
}

// FlowResponse returns the parsed response_json of the Flow answer in the
// message object raw (as stored), or nil when raw holds none.
func FlowResponse(raw json.RawMessage) json.RawMessage {
	var w struct {
		Interactive struct {
			NFMReply struct {
				ResponseJSON string `json:"response_json"`
			} `json:"nfm_reply"`
		} `json:"interactive"`
	}
	decodeLoose(raw, &w)
	r := strings.TrimSpace(w.Interactive.NFMReply.ResponseJSON)
	if !strings.HasPrefix(r, "{") || !json.Valid([]byte(r)) {
		return nil
	}
	return json.RawMessage(r)
}
