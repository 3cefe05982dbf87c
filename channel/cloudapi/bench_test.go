package cloudapi_test

import (
	"testing"

	"github.com/wachan/wachan/channel/graphemu"
)

func BenchmarkSendText(b *testing.B) {
	e := newEnv(b, graphemu.Options{Statuses: []string{}}, nil)
	msg := textTo("5511912345678")
	ctx := b.Context()
	for b.Loop() {
		if _, err := e.client.Send(ctx, e.creds, msg); err != nil {
			b.Fatal(err)
		}
	}
}
