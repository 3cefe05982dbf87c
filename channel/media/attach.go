package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

// Attachment is a file an agent or API client wants to send. Set Reader
// (an upload) or URL (fetched by the daemon).
type Attachment struct {
	Reader io.Reader
	URL    string
	// Filename is the name shown for documents; for URLs it defaults to the
	// server's suggestion.
	Filename string
	Caption  string
	// Mode is ModeLink, ModeID or "" for the service's default.
	Mode string
	// AsDocument sends an image, audio or video file as a document.
	AsDocument bool
}

// Outgoing is a checked and stored attachment, ready to queue.
type Outgoing struct {
	// Message is the Cloud API message; its To or Recipient is unset.
	Message *cloudapi.Message
	// Media is the record of the file for the stored message.
	Media *store.MediaRef
	// Text is what the message record and the agents' history show.
	Text string
}

// Request returns the outbox request that sends o to cust within session
// sessionID (0 for none) on behalf of agent.
func (o *Outgoing) Request(cust *store.Customer, sessionID uint64, agent string) *outbox.Request {
	msg := *o.Message
	if cust.WaID != "" {
		msg.To = cust.WaID
	} else {
		msg.Recipient = cust.UserID
	}
	return &outbox.Request{ChannelID: cust.ChannelID, CustomerKey: cust.Key, SessionID: sessionID,
		Agent: agent, Text: o.Text, Message: &msg, Media: o.Media}
}

// SendURL is Attach for the agents' chat command "/send <url> [caption]":
// it fetches rawURL and returns the message to queue. Call it outside any
// store transaction (it does network I/O and writes the store). A
// *Refusal error carries a reason to show the agent as is.
func (s *Service) SendURL(ctx context.Context, channelID, rawURL, caption string) (*Outgoing, error) {
	return s.Attach(ctx, channelID, Attachment{URL: rawURL, Caption: caption})
}

// Attach checks a file against WhatsApp's limits by its content, stores
// it and builds the message pointing at it: a link served by this daemon
// (ModeLink) or a media id uploaded to the Graph API (ModeID). Refusals
// are *Refusal errors with a reason for the sender.
func (s *Service) Attach(ctx context.Context, channelID string, a Attachment) (*Outgoing, error) {
	var ch *store.Channel
	if err := s.store.View(func(tx *store.Tx) (err error) { ch, err = tx.Channel(channelID); return }); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, refuse("unknown channel %q", channelID)
		}
		return nil, fmt.Errorf("attaching media: %w", err)
	}
	if len(a.Caption) > cloudapi.MaxCaption {
		return nil, refuse("the caption is longer than %d bytes", cloudapi.MaxCaption)
	}
	if err := s.checkDisk(); err != nil {
		return nil, err
	}
	tmp, err := s.files.Create()
	if err != nil {
		return nil, fmt.Errorf("attaching media: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Discard()
		}
	}()
	name := a.Filename
	switch {
	case a.URL != "":
		u, err := checkURL(strings.TrimSpace(a.URL))
		if err != nil {
			return nil, err
		}
		suggested, err := s.fetchURL(ctx, u, tmp, s.opts.MaxSize)
		if err != nil {
			return nil, err
		}
		if name == "" {
			name = suggested
		}
	case a.Reader != nil:
		n, err := io.Copy(tmp, io.LimitReader(a.Reader, s.opts.MaxSize+1))
		if err != nil {
			return nil, fmt.Errorf("reading attachment: %w", err)
		}
		if n > s.opts.MaxSize {
			return nil, refuse("the file is more than the %s limit", humanSize(s.opts.MaxSize))
		}
	default:
		return nil, refuse("no file given")
	}
	size := tmp.Size()
	if size == 0 {
		return nil, refuse("the file is empty")
	}
	sn, err := Sniff(tmp.Head(4096), name)
	if err != nil {
		return nil, err
	}
	if a.AsDocument && sn.Kind != cloudapi.TypeDocument {
		sn.Kind, sn.Limit = cloudapi.TypeDocument, MaxDocument
	}
	if err := checkLimits(sn, size, s.opts.MaxSize, a.Caption); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		name = sn.Kind + sn.Ext
	}
	name = fileName(name, sn.MIME)

	s.mu.Lock()
	sum, err := s.files.Commit(tmp)
	committed = true
	var f *store.MediaFile
	if err == nil {
		now := s.opts.Now()
		err = s.store.Update(func(tx *store.Tx) (err error) {
			f, err = keep(tx, sum, size, sn.MIME, now, now.Add(s.opts.Retention))
			return err
		})
	}
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("storing attachment: %w", err)
	}

	ref := &store.MediaRef{MIME: sn.MIME, SHA256: sum, Caption: a.Caption, FileID: f.Key(), Size: size}
	media := &cloudapi.Media{Caption: a.Caption}
	if sn.Kind == cloudapi.TypeDocument {
		media.Filename, ref.Filename = name, name
	}
	mode := a.Mode
	if mode == "" {
		mode = s.opts.Mode
	}
	if mode == ModeLink && s.opts.PublicURL == "" {
		mode = ModeID
	}
	switch mode {
	case ModeLink:
		media.Link = s.FileLink(f.ID, s.opts.Now().Add(s.opts.Retention))
	case ModeID:
		id, err := s.upload(ctx, ch, sum, name, sn.MIME)
		if err != nil {
			return nil, err
		}
		media.ID, ref.MediaID = id, id
	default:
		return nil, refuse("mode must be %q or %q, not %q", ModeLink, ModeID, mode)
	}
	msg := &cloudapi.Message{Type: sn.Kind}
	switch sn.Kind {
	case cloudapi.TypeImage:
		msg.Image = media
	case cloudapi.TypeAudio:
		msg.Audio = media
	case cloudapi.TypeVideo:
		msg.Video = media
	case cloudapi.TypeSticker:
		msg.Sticker = media
	default:
		msg.Document = media
	}
	text := a.Caption
	if text == "" {
		text = "[" + sn.Kind + "] " + name
	}
	return &Outgoing{Message: msg, Media: ref, Text: text}, nil
}

// checkLimits applies WhatsApp's per-kind size limits, the configured
// maximum and the caption rules.
func checkLimits(sn Sniffed, size, maxSize int64, caption string) error {
	what := sn.Kind
	if sn.Kind == cloudapi.TypeSticker && sn.Animated {
		what = "animated sticker"
	}
	if size > sn.Limit {
		return refuse("this %s (%s) is %s, more than WhatsApp's %s limit", what, sn.MIME, humanSize(size), humanSize(sn.Limit))
	}
	if size > maxSize {
		return refuse("the file is %s, more than the %s limit set on this server", humanSize(size), humanSize(maxSize))
	}
	if caption != "" && (sn.Kind == cloudapi.TypeAudio || sn.Kind == cloudapi.TypeSticker) {
		return refuse("WhatsApp shows no caption with %s messages: send the text separately", sn.Kind)
	}
	return nil
}

// upload sends stored content sum to the Graph API for ch and returns the
// media id.
func (s *Service) upload(ctx context.Context, ch *store.Channel, sum, name, mimeType string) (string, error) {
	f, err := s.files.Open(sum)
	if err != nil {
		return "", fmt.Errorf("uploading attachment: %w", err)
	}
	defer f.Close()
	creds := cloudapi.Creds{PhoneNumberID: ch.PhoneNumberID, WABAID: ch.WABAID, Token: ch.AccessToken}
	id, err := s.graph.UploadMedia(ctx, creds, name, mimeType, f)
	var apiErr *cloudapi.APIError
	if errors.As(err, &apiErr) {
		return "", refuse("WhatsApp refused the upload: %s", apiErr.Explain())
	}
	if err != nil {
		return "", fmt.Errorf("uploading attachment: %w", err)
	}
	return id, nil
}
