package graphemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strconv"
)

// idBase keeps numeric ids of media and templates in Meta's 15-16 digit
// range.
const idBase = 1_000_000_000_000_000

// newWAMID returns a Meta-shaped message id, unique per seq.
func newWAMID(seq uint64, recipient string) string {
	b := make([]byte, 0, 48)
	b = append(b, recipient...)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(b, rand.Text()[:8]...)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

// numericID returns a digit-only id for seq.
func numericID(seq uint64) string {
	return strconv.FormatUint(idBase+seq, 10)
}

// newTraceID returns an fbtrace_id-like string.
func newTraceID() string {
	return "A" + rand.Text()[:22]
}

// newURLToken returns an unguessable token for a media URL.
func newURLToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
