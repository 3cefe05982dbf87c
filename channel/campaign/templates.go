package campaign

import (
	"encoding/json"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// TemplateBuild is a BuildFunc that checks every value against the
// channel's synced template: a JSON array gives the values in the order
// an agent types them (media header link, header, body, URL buttons), an
// object gives named values.
func TemplateBuild(tx *store.Tx, channelID, name, language string, params json.RawMessage) (*cloudapi.Message, error) {
	pos, named, err := decodeParams(params)
	if err != nil {
		return nil, err
	}
	t, err := templates.Lookup(tx, channelID, name, language)
	if err != nil {
		return nil, err
	}
	var p templates.Params
	if named != nil {
		p.Named = named
	} else if p, err = templates.ParamsFromList(t, pos); err != nil {
		return nil, err
	}
	return templates.BuildFrom(t, p)
}
