package daemon

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/graphemu"
)

// TestRequestStringsOutliveRequests keeps a request's path parameter past
// its handler (the panel keeps Test Connection's result under the channel
// id) and checks it is intact after the connection served other requests:
// fiber's strings must not alias buffers it reuses.
func TestRequestStringsOutliveRequests(t *testing.T) {
	t.Parallel()
	graph := graphemu.New(graphemu.Options{})
	graphURL, err := graph.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { graph.Close() })
	h := start(t, testConfig(t, graphURL))
	var ch map[string]any
	if code := h.do("POST", "/api/v1/channels", newChannelBody(), &ch); code != 201 {
		t.Fatalf("create channel: %d %v", code, ch)
	}
	id := ch["id"].(string)
	if err := graph.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Sales Ltd", Token: metaToken, AppSecret: appSecret, WebhookURL: ch["webhook_url"].(string)}); err != nil {
		t.Fatal(err)
	}
	admin := signInAs(t, h.base, "admin", "", adminToken)
	if code, body := admin.post("/admin/channels/"+id+"/test", nil); code != 303 {
		t.Fatalf("test connection = %d %s", code, body)
	}
	// The same connection serves requests whose paths overwrite the
	// bytes where the id was.
	for i := range 20 {
		admin.get(fmt.Sprintf("/admin/channels/%s", strings.Repeat(string(rune('a'+i%26)), len(id))))
		admin.get("/admin/queues?" + strings.Repeat("z", 40+i))
	}
	// The emulator's number has no app subscribed yet, so the result is
	// that step's failure; what matters is that it is still there.
	if _, page := admin.get("/admin/channels"); strings.Contains(page, "Not tested") || !strings.Contains(page, "subscription") {
		t.Fatalf("Test Connection's result was lost:\n%s", page)
	}
}
