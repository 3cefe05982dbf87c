package media_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/wachan/wachan/channel/media"
)

// BenchmarkMediaServe10MB measures link serving of a 10 MB file over
// loopback, reported in MB/s.
func BenchmarkMediaServe10MB(b *testing.B) {
	e := newEnv(b, nil)
	data := sample(pdfHead, 10<<20)
	out, err := e.svc.Attach(b.Context(), chID, media.Attachment{Reader: bytes.NewReader(data), Filename: "big.pdf"})
	if err != nil {
		b.Fatal(err)
	}
	link := out.Message.Document.Link
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var total int64
	for b.Loop() {
		resp, err := client.Get(link)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != int64(len(data)) || resp.StatusCode != 200 {
			b.Fatalf("GET = %d, %d bytes, %v", resp.StatusCode, n, err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/(1<<20)/b.Elapsed().Seconds(), "MB/s")
}
