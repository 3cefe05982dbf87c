package wa

import (
	"encoding/json"
	"strings"
)

// RankFailed is the rank of a failed status: terminal, above every
// delivery step.
const RankFailed = 100

// StatusRank orders message statuses so that updates, which can arrive out
// of order, are applied one way only: sent 1, delivered 2, read 3,
// played 4, failed RankFailed, anything else 0.
func StatusRank(status string) int {
	switch strings.ToLower(status) {
	case "sent":
		return 1
	case "delivered":
		return 2
	case "read":
		return 3
	case "played":
		return 4
	case "failed":
		return RankFailed
	}
	return 0
}

// parseStatus converts one status object; contacts is the value's
// contacts array, used to fill a missing recipient BSUID.
func parseStatus(raw json.RawMessage, contacts []contactWire) *Status {
	var w statusWire
	decodeLoose(raw, &w)
	s := &Status{
		ID:                    w.ID,
		Status:                w.Status,
		Timestamp:             w.Timestamp.time(),
		RecipientID:           w.RecipientID,
		RecipientUserID:       w.RecipientUserID,
		RecipientType:         w.RecipientType,
		BizOpaqueCallbackData: w.BizOpaqueCallbackData,
		Errors:                convertErrors(w.Errors),
		Raw:                   raw,
	}
	splitUserID(&s.RecipientID, &s.RecipientUserID)
	if s.RecipientType == "group" {
		// recipient_id names the group.
		s.RecipientID, s.RecipientUserID = w.RecipientID, w.RecipientUserID
	}
	if p := w.Pricing; p != nil {
		s.Pricing = &Pricing{Billable: p.Billable, PricingModel: p.PricingModel, Type: p.Type, Category: p.Category}
	}
	if s.RecipientUserID == "" && s.RecipientID != "" {
		for _, c := range contacts {
			if c.WAID == s.RecipientID {
				s.RecipientUserID = c.UserID
				break
			}
		}
	}
	return s
}
