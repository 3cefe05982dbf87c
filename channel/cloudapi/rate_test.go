package cloudapi_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
)

func TestThroughputLimit(t *testing.T) {
	clk := newClock()
	e := newEnv(t, graphemu.Options{Now: clk.Now, Statuses: []string{}}, func(n *graphemu.Number) {
		n.Rate = 10
		n.Burst = 3
	})
	var ok, limited int
	for range 8 {
		_, err := e.client.Send(t.Context(), e.creds, textTo("5511912345678"))
		apiErr, isAPI := errors.AsType[*cloudapi.APIError](err)
		switch {
		case err == nil:
			ok++
		case isAPI:
			if apiErr.Code != 130429 || apiErr.Message != "(#130429) Rate limit hit" {
				t.Fatalf("error %v, want 130429", err)
			}
			if cloudapi.ClassOf(err) != cloudapi.Retry {
				t.Fatalf("class %v, want retry", cloudapi.ClassOf(err))
			}
			limited++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 3 || limited != 5 {
		t.Fatalf("%d accepted and %d limited in a frozen instant, want 3 and 5", ok, limited)
	}
	if got := e.emu.Rejected(testPNID)[130429]; got != 5 {
		t.Errorf("emulator counted %d throughput rejections, want 5", got)
	}
	clk.Advance(100 * time.Millisecond) // one token at 10/s
	if _, err := e.client.Send(t.Context(), e.creds, textTo("5511912345678")); err != nil {
		t.Fatalf("send after the bucket refilled: %v", err)
	}
	if e.emu.SentCount(testPNID) != 4 {
		t.Errorf("SentCount %d, want 4", e.emu.SentCount(testPNID))
	}
}

func TestPairRateLimit(t *testing.T) {
	clk := newClock()
	e := newEnv(t, graphemu.Options{Now: clk.Now, Statuses: []string{}}, func(n *graphemu.Number) {
		n.PairRate = 1.0 / 6
	})
	if _, err := e.client.Send(t.Context(), e.creds, textTo("5511912345678")); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.Send(t.Context(), e.creds, textTo("+5511912345678"))
	if cloudapi.ClassOf(err) != cloudapi.PairBackoff {
		t.Fatalf("second message to the same customer: %v, want pair backoff", err)
	}
	if _, err := e.client.Send(t.Context(), e.creds, textTo("5511987654321")); err != nil {
		t.Fatalf("another customer is not limited: %v", err)
	}
	clk.Advance(6 * time.Second)
	if _, err := e.client.Send(t.Context(), e.creds, textTo("5511912345678")); err != nil {
		t.Fatalf("after 6 s: %v", err)
	}
}
