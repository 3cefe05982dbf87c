package wa

import (
	"strconv"
	"strings"
)

// Summary is what an agent is shown of m, whatever its type: the text
// body, or a bracketed label such as "[image] caption",
// "[location] name lat,lon", "[reaction 👍 to <id>]", "[reaction removed]"
// or "[unsupported: <type>]", prefixed with "[forwarded] " when forwarded
// and followed by the ad or product it refers to and Meta's errors about
// it. It is one line (line breaks become spaces; Message.Text keeps the
// original) except for a Flow answer, whose fields follow one per line
// as "name: value". It is never empty.
func (m *Message) Summary() string {
	var b strings.Builder
	if m.GroupID != "" {
		b.WriteString("[group " + m.GroupID + "] ")
		if who := strings.TrimSpace(m.ProfileName + " " + firstNonEmpty(m.From, m.FromUserID)); who != "" {
			b.WriteString(who + ": ")
		}
	}
	if c := m.Context; c != nil {
		switch {
		case c.FrequentlyForwarded:
			b.WriteString("[forwarded many times] ")
		case c.Forwarded:
			b.WriteString("[forwarded] ")
		}
	}
	b.WriteString(m.core())
	if c := m.Context; c != nil && c.ReferredProduct != nil {
		b.WriteString(" [about product " + c.ReferredProduct.ProductRetailerID + "]")
	}
	if r := m.Referral; r != nil {
		b.WriteString(" [via " + firstNonEmpty(r.SourceType, "ad") + ": " + firstNonEmpty(r.Headline, r.SourceURL, r.SourceID) + "]")
	}
	for _, e := range m.Errors {
		b.WriteString(" [WhatsApp " + e.Text() + "]")
	}
	s := oneLine(b.String())
	if m.Interactive != nil && m.Interactive.Type == "nfm_reply" {
		if lines := m.Interactive.FlowFields(); len(lines) > 0 {
			s += "\n" + strings.Join(lines, "\n")
		}
	}
	return s
}

// core renders the content of m without context or referral.
func (m *Message) core() string {
	switch {
	case m.Type == "text" || (m.Type == "" && m.Text != ""):
		return firstNonEmpty(m.Text, "[text]")
	case m.Reaction != nil:
		if m.Reaction.Removed {
			return "[reaction removed]"
		}
		return "[reaction " + m.Reaction.Emoji + " to " + m.Reaction.MessageID + "]"
	case m.Media != nil:
		return mediaSummary(m.Type, m.Media)
	case m.Location != nil:
		return locationSummary(m.Location)
	case len(m.Contacts) > 0:
		return contactsSummary(m.Contacts)
	case m.Interactive != nil:
		return interactiveSummary(m.Interactive)
	case m.Button != nil:
		return label("button", m.Button.Text, m.Button.Payload)
	case m.Order != nil:
		return orderSummary(m.Order)
	case m.System != nil:
		return label("system", m.System.Body, m.System.Type)
	case m.Unsupported != nil:
		return "[unsupported: " + firstNonEmpty(m.Unsupported.Type, "unknown") + "]"
	case m.Edit != nil:
		if m.Edit.Message != nil {
			return "[edited] " + m.Edit.Message.core()
		}
		return "[edited " + m.Edit.OriginalMessageID + "]"
	case m.Revoke != nil:
		return "[deleted message " + m.Revoke.OriginalMessageID + "]"
	case m.Type == "request_welcome":
		return "[welcome request]"
	case m.Text != "":
		return m.Text
	}
	return "[" + firstNonEmpty(m.Type, "message") + "]"
}

func mediaSummary(typ string, md *Media) string {
	name := firstNonEmpty(typ, "media")
	switch {
	case typ == "audio" && md.Voice:
		name = "voice"
	case typ == "sticker" && md.Animated:
		name = "animated sticker"
	}
	if md.Filename != "" {
		name += " " + md.Filename
	}
	return label(name, md.Caption)
}

func locationSummary(l *Location) string {
	parts := []string{"[location]"}
	if l.Name != "" {
		parts = append(parts, l.Name)
	}
	if l.Address != "" {
		parts = append(parts, "("+l.Address+")")
	}
	parts = append(parts, formatFloat(l.Latitude)+","+formatFloat(l.Longitude))
	return strings.Join(parts, " ")
}

func contactsSummary(cs []Contact) string {
	items := make([]string, 0, len(cs))
	for _, c := range cs {
		s := strings.TrimSpace(firstNonEmpty(c.Name.FormattedName, c.Name.FirstName+" "+c.Name.LastName))
		if len(c.Phones) > 0 {
			s = strings.TrimSpace(s + " " + firstNonEmpty(c.Phones[0].Phone, c.Phones[0].WAID))
		}
		if s != "" {
			items = append(items, s)
		}
	}
	return label("contacts", strings.Join(items, ", "))
}

func interactiveSummary(in *Interactive) string {
	switch in.Type {
	case "button_reply":
		return label("button", in.Title, in.ID)
	case "list_reply":
		s := label("list", in.Title, in.ID)
		if in.Description != "" {
			s += " (" + in.Description + ")"
		}
		return s
	case "nfm_reply":
		return label("form "+firstNonEmpty(in.Name, "reply"), in.Body)
	case "call_permission_reply":
		return "[call permission: " + firstNonEmpty(in.Response, "unknown") + "]"
	}
	return "[" + strings.TrimSpace("interactive "+in.Type) + "]"
}

// orderSummary renders a cart: its catalog, each product id with
// quantity and unit price, the total per currency and the customer's
// note.
func orderSummary(o *Order) string {
	var b strings.Builder
	b.WriteString("[order")
	if o.CatalogID != "" {
		b.WriteString(" from catalog " + o.CatalogID)
	}
	b.WriteString("]")
	totals := map[string]float64{}
	var currencies []string
	for i, it := range o.Items {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(" " + strconv.Itoa(it.Quantity) + " × " + firstNonEmpty(it.ProductRetailerID, "?") +
			" at " + formatFloat(it.ItemPrice) + " " + it.Currency)
		if _, ok := totals[it.Currency]; !ok {
			currencies = append(currencies, it.Currency)
		}
		totals[it.Currency] += float64(it.Quantity) * it.ItemPrice
	}
	if len(o.Items) == 0 {
		b.WriteString(" no items")
	}
	for _, c := range currencies {
		b.WriteString("; total " + strconv.FormatFloat(totals[c], 'f', 2, 64) + " " + c)
	}
	if o.Text != "" {
		b.WriteString("; note: " + o.Text)
	}
	return strings.TrimRight(b.String(), " ")
}

// Text renders e in Meta's own words for a person, such as
// "error 131051 (Message type unknown): Message type is not currently
// supported".
func (e Error) Text() string {
	title := firstNonEmpty(e.Title, e.Message)
	s := "error " + strconv.Itoa(e.Code)
	if title != "" {
		s += " (" + title + ")"
	}
	if e.Details != "" && e.Details != title {
		s += ": " + e.Details
	}
	return s
}

// label renders "[name] text", text being the first non-empty of texts.
func label(name string, texts ...string) string {
	if t := firstNonEmpty(texts...); t != "" {
		return "[" + name + "] " + t
	}
	return "[" + name + "]"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\u2028", " ", "\u2029", " ")

func oneLine(s string) string { return lineBreaks.Replace(s) }
