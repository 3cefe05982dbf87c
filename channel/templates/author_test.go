package templates_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

const testApp = "584544743160774"

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR sample")

func (e *env) setApp(t *testing.T, app string) {
	t.Helper()
	err := e.st.Update(func(tx *store.Tx) error {
		ch, err := tx.Channel(channelID)
		if err != nil {
			return err
		}
		ch.AppID = app
		return tx.PutChannel(ch)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err error, code, field, says string) {
	t.Helper()
	var te *templates.Error
	if !errors.As(err, &te) || te.Code != code || te.Field != field || !strings.Contains(te.Message, says) {
		t.Fatalf("error = %v, want %s at %q saying %q", err, code, field, says)
	}
}

func TestAuthorLifecycle(t *testing.T) {
	e := newEnv(t, 0)
	e.emu.SetTemplateReview(nil) // reviews come from the test
	ctx := t.Context()

	_, err := e.svc.UploadMedia(ctx, channelID, "pic.png", "image/png", pngBytes)
	wantErr(t, err, templates.CodeMedia, "app_id", "no app_id")
	e.setApp(t, testApp)
	_, err = e.svc.UploadMedia(ctx, channelID, "pic.gif", "image/gif", []byte("GIF89a"))
	wantErr(t, err, templates.CodeMedia, "file", "image/jpeg")
	handle, err := e.svc.UploadMedia(ctx, channelID, "pic.png", "image/png", pngBytes)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := e.emu.Handle(handle); !ok || !u.Complete || u.App != testApp || u.MIME != "image/png" {
		t.Fatalf("uploaded %q = %+v %v", handle, u, ok)
	}

	// Meta refuses what wachan cannot know: a handle that is no upload.
	_, err = e.svc.Create(ctx, channelID, goodDraft("4::not-an-upload"))
	wantErr(t, err, templates.CodeDraft, "header", "media header needs a handle")

	created, err := e.svc.Create(ctx, channelID, goodDraft(handle))
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.Status != "PENDING" || created.Category != "UTILITY" || created.ParameterFormat != "NAMED" {
		t.Fatalf("created = %+v", created)
	}
	spec := templates.SpecOf(e.template(t, "order_ready", "en_US"))
	if spec.HeaderFormat != "IMAGE" || strings.Join(spec.Body, ",") != "first_name,order_id" || len(spec.Buttons) != 3 || !spec.Buttons[1].Variable {
		t.Fatalf("stored spec = %+v", spec)
	}
	// What wachan stored is what Meta lists.
	if res := e.sync(t); res.Unchanged != 1 || res.Updated != 0 || res.Total != 1 {
		t.Fatalf("sync after create = %+v", res)
	}
	_, err = e.svc.Create(ctx, channelID, goodDraft(handle))
	wantErr(t, err, templates.CodeDuplicate, "name", "already exists in en_US")

	// The same name in a language created elsewhere and not yet synced:
	// Meta's refusal is explained.
	e.emu.AddTemplate(testWABA, graphemu.Template{Name: "order_ready", Language: "de", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hallo"}}})
	d := goodDraft(handle)
	d.Language = "de"
	_, err = e.svc.Create(ctx, channelID, d)
	wantErr(t, err, templates.CodeDuplicate, "name", "already exists in this language")

	// A pending template waits for its review before an edit.
	edit := goodDraft(handle)
	edit.Body.Text = "Hello {{first_name}}, order {{order_id}} can be picked up from tomorrow."
	_, err = e.svc.Edit(ctx, channelID, "order_ready", "en_US", edit)
	wantErr(t, err, templates.CodeNotEditable, "status", "PENDING")
	e.emu.SetTemplateStatus(testWABA, "order_ready", "en_US", "APPROVED", "")
	e.apply(t, update(testWABA, "message_template_status_update",
		`{"event":"APPROVED","message_template_id":`+created.ID+`,"message_template_name":"order_ready","message_template_language":"en_US","reason":"NONE"}`))
	cat := goodDraft(handle)
	cat.Category = "MARKETING"
	_, err = e.svc.Edit(ctx, channelID, "order_ready", "en_US", cat)
	wantErr(t, err, templates.CodeNotEditable, "category", "approved")
	edited, err := e.svc.Edit(ctx, channelID, "order_ready", "en_US", edit)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Status != "PENDING" || !strings.Contains(edited.Components[1].Text, "tomorrow") {
		t.Fatalf("edited = %+v", edited)
	}
	if res := e.sync(t); res.Unchanged != 1 || res.Added != 1 || res.Updated != 0 {
		t.Fatalf("sync after edit = %+v", res)
	}

	langs, err := e.svc.Delete(ctx, channelID, "order_ready", "en_US")
	if err != nil || strings.Join(langs, ",") != "en_US" {
		t.Fatalf("delete = %v %v", langs, err)
	}
	if res := e.sync(t); res.Total != 1 || res.Removed != 0 {
		t.Fatalf("sync after delete = %+v", res)
	}
	_, err = e.svc.Delete(ctx, channelID, "order_ready", "en_US")
	wantErr(t, err, templates.CodeLanguageNotFound, "language", "exists in de")
}

// fastReview is a Graph client whose template creations are reviewed
// before their answer arrives: Meta's status webhook overtakes it.
type fastReview struct {
	*cloudapi.Client
	webhook func(id string)
}

func (f fastReview) CreateTemplate(ctx context.Context, creds cloudapi.Creds, def *cloudapi.TemplateDefinition) (*cloudapi.CreatedTemplate, error) {
	out, err := f.Client.CreateTemplate(ctx, creds, def)
	if err == nil {
		f.webhook(out.ID)
	}
	return out, err
}

func TestCreateKeepsAReviewThatCameFirst(t *testing.T) {
	e := newEnv(t, 0)
	e.emu.SetTemplateReview(nil)
	e.svc = templates.New(e.st, fastReview{e.client, func(id string) {
		e.apply(t, update(testWABA, "message_template_status_update",
			`{"event":"APPROVED","message_template_id":`+id+`,"message_template_name":"note","message_template_language":"en_US","reason":"NONE"}`))
	}}, quiet(), templates.Options{})
	d := &templates.Draft{Name: "note", Language: "en_US", Category: "UTILITY", Body: templates.DraftBody{Text: "Your parcel has left our warehouse."}}
	got, err := e.svc.Create(t.Context(), channelID, d)
	if err != nil {
		t.Fatal(err)
	}
	if stored := e.template(t, "note", "en_US"); got.Status != "APPROVED" || stored.Status != "APPROVED" || stored.Partial || len(stored.Components) != 1 {
		t.Fatalf("created %+v, stored %+v", got, stored)
	}
}
