package optout

import (
	"slices"
	"strings"
	"unicode"

	"github.com/wachan/wachan/store"
)

// defaultStop are the stop words used when a channel has none set: the
// keywords carriers and WhatsApp users commonly send to unsubscribe.
var defaultStop = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPT OUT", "OPTOUT"}

// defaultStart are the opt-in words used when a channel has none set.
var defaultStart = []string{"START", "UNSTOP", "OPT IN", "OPTIN"}

// DefaultWords returns the keywords of a channel that has none set.
func DefaultWords() store.OptOutWords {
	return store.OptOutWords{Stop: slices.Clone(defaultStop), Start: slices.Clone(defaultStart)}
}

// Normalize returns text as keywords are compared: surrounding whitespace
// and punctuation removed, inner whitespace collapsed to one space, upper
// case.
func Normalize(text string) string {
	text = strings.TrimFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	})
	return strings.ToUpper(strings.Join(strings.Fields(text), " "))
}

// Match returns the word of words that text consists of, normalised, or
// "" when none does.
func Match(text string, words []string) string {
	n := Normalize(text)
	if n == "" {
		return ""
	}
	for _, w := range words {
		if Normalize(w) == n {
			return n
		}
	}
	return ""
}

// CleanWords normalises words, dropping empty ones and duplicates.
func CleanWords(words []string) []string {
	var out []string
	for _, w := range words {
		if n := Normalize(w); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
