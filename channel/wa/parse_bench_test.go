package wa

import "testing"

func BenchmarkParse(b *testing.B) {
	body := fixtureBody(b, "whaloc/text-message.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		events, err := Parse(body)
		if err != nil || len(events) != 1 {
			b.Fatalf("Parse: %d events, %v", len(events), err)
		}
	}
}
