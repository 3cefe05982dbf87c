package demo

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// servePage starts the customer page on opts.Listen.
func (m *Demo) servePage() error {
	ln, err := net.Listen("tcp", m.opts.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", m.opts.Listen, err)
	}
	m.pageLn = ln
	m.PageURL = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "static/index.html")
	})
	mux.HandleFunc("GET /state", m.state)
	mux.HandleFunc("POST /customer/received", m.customerGot(false))
	mux.HandleFunc("POST /customer/read", m.customerGot(true))
	mux.HandleFunc("POST /customer/{kind}", m.customer)
	mux.HandleFunc("POST /phone/{ext}/{action}", m.phone)
	m.page = &http.Server{Handler: securityHeaders(mux), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelDebug)}
	go func() {
		if err := m.page.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("demo page stopped", slog.Any("error", err))
		}
	}()
	return nil
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// chatLine is one message in the customer's WhatsApp chat.
type chatLine struct {
	From string    `json:"from"` // "customer" or "business"
	Kind string    `json:"kind"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
	// Read reports, for a customer's message, that the business marked
	// it read; for the business's, that the customer page showed it.
	Read bool `json:"read,omitempty"`
	// Delivered reports, for the business's message, that the customer
	// page received it.
	Delivered bool `json:"delivered,omitempty"`
}

// phoneView is one simulated agent phone.
type phoneView struct {
	Ext      string     `json:"ext"`
	Online   bool       `json:"online"`
	Messages []phoneMsg `json:"messages"`
	// ReplyTo is the customer address a reply from this phone goes to.
	ReplyTo string `json:"reply_to"`
}

type phoneMsg struct {
	From string    `json:"from"`
	Body string    `json:"body"`
	Time time.Time `json:"time"`
}

// stateView is what the page shows, polled by its script.
type stateView struct {
	Customer struct {
		Name   string `json:"name"`
		Number string `json:"number"`
	} `json:"customer"`
	Chat   []chatLine  `json:"chat"`
	Phones []phoneView `json:"phones"`
	Links  struct {
		Console    string `json:"console"`
		Admin      string `json:"admin"`
		AdminToken string `json:"admin_token"`
	} `json:"links"`
}

var sipUser = regexp.MustCompile(`<sip:([^@>]+)@`)

func (m *Demo) state(w http.ResponseWriter, _ *http.Request) {
	var v stateView
	v.Customer.Name, v.Customer.Number = CustomerName, "+"+CustomerNumber
	v.Links.Console, v.Links.Admin, v.Links.AdminToken = m.PanelURL+"/agent/", m.PanelURL+"/admin/", m.AdminToken
	read := map[string]bool{}
	for _, r := range m.graph.Reads(phoneNumberID) {
		read[r.MessageID] = true
	}
	m.mu.Lock()
	// A message marked read marks the customer's earlier ones read too,
	// as on WhatsApp.
	readUpTo := -1
	for i, s := range m.said {
		if read[s.WAMID] {
			readUpTo = i
		}
	}
	for i, s := range m.said {
		v.Chat = append(v.Chat, chatLine{From: "customer", Kind: s.Kind, Text: s.Text, Time: s.Time, Read: i <= readUpTo})
	}
	online := make(map[string]bool, len(m.online))
	for k, on := range m.online {
		online[k] = on
	}
	got, seen := maps.Clone(m.got), maps.Clone(m.seen)
	m.mu.Unlock()
	for _, s := range m.graph.Sent(phoneNumberID) {
		v.Chat = append(v.Chat, chatLine{From: "business", Kind: s.Type, Text: sentText(s.Type, s.Body), Time: s.Time,
			Delivered: got[s.WAMID], Read: seen[s.WAMID]})
	}
	slices.SortStableFunc(v.Chat, func(a, b chatLine) int { return a.Time.Compare(b.Time) })
	for _, ext := range Agents {
		p := phoneView{Ext: ext, Online: online[ext], Messages: []phoneMsg{}}
		for _, r := range m.ari.Inbox(ext) {
			name, _, _ := strings.Cut(r.From, " <")
			p.Messages = append(p.Messages, phoneMsg{From: strings.Trim(name, `"`), Body: r.Body, Time: r.Time})
			if u := sipUser.FindStringSubmatch(r.From); u != nil {
				p.ReplyTo = u[1]
			}
		}
		v.Phones = append(v.Phones, p)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// sentText is how the customer's phone shows a message the business sent.
func sentText(typ string, body map[string]any) string {
	node, _ := body[typ].(map[string]any)
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	switch typ {
	case "text":
		return str(node, "body")
	case "image", "video", "audio", "document", "sticker":
		if c := str(node, "caption"); c != "" {
			return "[" + typ + "] " + c
		}
		return "[" + typ + "]"
	case "template":
		return "[template " + str(node, "name") + "]"
	case "interactive":
		b, _ := node["body"].(map[string]any)
		return str(b, "text")
	}
	return "[" + typ + "]"
}

// customer sends what the customer typed as a signed webhook from the
// Graph emulator: kind is text, image, button or list.
func (m *Demo) customer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 5<<20)
	var (
		kind  = r.PathValue("kind")
		wamid string
		body  []byte
		shown string
	)
	switch kind {
	case "text":
		text := strings.TrimSpace(r.FormValue("text"))
		if text == "" {
			http.Error(w, "type a message first", http.StatusBadRequest)
			return
		}
		wamid, body = m.graph.InboundText(phoneNumberID, CustomerNumber, CustomerName, text)
		shown = text
	case "image":
		data, mime := sampleImage(), "image/png"
		if f, h, err := r.FormFile("file"); err == nil {
			data, err = io.ReadAll(f)
			f.Close()
			if err != nil {
				http.Error(w, "reading the file failed", http.StatusBadRequest)
				return
			}
			mime = h.Header.Get("Content-Type")
			if !strings.HasPrefix(mime, "image/") {
				http.Error(w, "pick an image (JPEG or PNG)", http.StatusBadRequest)
				return
			}
		}
		caption := strings.TrimSpace(r.FormValue("caption"))
		wamid, body = m.graph.InboundMedia(phoneNumberID, CustomerNumber, CustomerName, "image", m.graph.AddMedia(data, mime), caption)
		shown = "[photo] " + caption
	case "button", "list":
		title := strings.TrimSpace(r.FormValue("title"))
		if title == "" || len([]rune(title)) > 24 {
			http.Error(w, "a reply title of 1 to 24 characters", http.StatusBadRequest)
			return
		}
		id := "demo-" + strings.ToLower(strings.ReplaceAll(title, " ", "-"))
		reply := map[string]any{"id": id, "title": title}
		typ := kind + "_reply"
		wamid, body = m.graph.Inbound(phoneNumberID, CustomerNumber, CustomerName, "interactive", map[string]any{"type": typ, typ: reply})
		shown = title
	default:
		http.NotFound(w, r)
		return
	}
	if body == nil {
		http.Error(w, "the emulator could not build the message", http.StatusInternalServerError)
		return
	}
	m.mu.Lock()
	m.said = append(m.said, said{WAMID: wamid, Kind: kind, Text: shown, Time: time.Now()})
	m.mu.Unlock()
	code, err := m.graph.DeliverInbound(phoneNumberID, body)
	if err != nil || code != http.StatusOK {
		m.log.Warn("demo webhook not accepted", slog.Int("status", code), slog.Any("error", err))
		http.Error(w, fmt.Sprintf("wachan answered the webhook with %d", code), http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// customerGot is the customer's phone receiving the first "shown" replies
// (the page shows them), and with read the customer opening the chat:
// their delivered and read statuses go to wachan, in that order.
func (m *Demo) customerGot(read bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		shown, err := strconv.Atoi(r.FormValue("shown"))
		if err != nil || shown < 0 {
			http.Error(w, "how many replies the page shows", http.StatusBadRequest)
			return
		}
		sent := m.graph.Sent(phoneNumberID)
		// Held while queueing, so that two requests cannot queue a read
		// ahead of its delivered.
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, s := range sent[:min(shown, len(sent))] {
			var statuses []string
			if !m.got[s.WAMID] {
				statuses, m.got[s.WAMID] = append(statuses, "delivered"), true
			}
			if read && !m.seen[s.WAMID] {
				statuses, m.seen[s.WAMID] = append(statuses, "read"), true
			}
			for _, st := range statuses {
				if !m.graph.CustomerStatus(phoneNumberID, s.WAMID, st) {
					m.log.Warn("demo status not queued", slog.String("wamid", s.WAMID), slog.String("status", st))
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// phone answers from a simulated phone (action "say") or switches it on
// or off ("on", "off").
func (m *Demo) phone(w http.ResponseWriter, r *http.Request) {
	ext := r.PathValue("ext")
	if !slices.Contains(Agents, ext) {
		http.NotFound(w, r)
		return
	}
	switch r.PathValue("action") {
	case "say":
		to, text := r.FormValue("to"), strings.TrimSpace(r.FormValue("text"))
		if !strings.HasPrefix(to, "wa-") || text == "" {
			http.Error(w, "a message and a customer to answer", http.StatusBadRequest)
			return
		}
		if code := m.ari.PhoneSend(ext, to, text); code != http.StatusAccepted {
			http.Error(w, fmt.Sprintf("the PBX answered %d", code), http.StatusBadGateway)
			return
		}
	case "on", "off":
		if err := m.setPhone(ext, r.PathValue("action") == "on"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sampleImage is the photo sent when the customer picks none: a small
// striped picture.
func sampleImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := range 64 {
		for x := range 96 {
			c := color.RGBA{37, 211, 102, 255}
			if (x/12+y/12)%2 == 0 {
				c = color.RGBA{18, 140, 126, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
