package templates

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/wachan/wachan/store"
)

var (
	nameShape     = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	languageShape = regexp.MustCompile(`^([a-z]{2,3})(?:[_-][A-Za-z]{2})?$`)
)

// metaLanguages are the base languages Meta offers for templates; a code
// is one of them, optionally with a region (en, en_US, pt_BR, zh_HK).
var metaLanguages = strings.Fields(`af ar az bg bn ca cs da de el en es et fa fi fil fr ga gu ha he hi
	hr hu id it ja ka kk kn ko ky lo lt lv mk ml mr ms nb nl pa pl pt ro ru rw sk sl sq sr sv sw ta te
	th tr uk ur uz vi zh zu`)

// IsLanguage reports whether word is a template language code Meta knows,
// such as en, en_US, pt_BR or pt-br.
func IsLanguage(word string) bool {
	m := languageShape.FindStringSubmatch(word)
	return m != nil && slices.Contains(metaLanguages, m[1])
}

// normLanguage spells a language code as Meta lists it: "en-us" becomes
// "en_US".
func normLanguage(code string) string {
	lang, region, ok := strings.Cut(strings.ReplaceAll(code, "-", "_"), "_")
	if !ok {
		return strings.ToLower(lang)
	}
	if len(region) == 2 {
		region = strings.ToUpper(region)
	}
	return strings.ToLower(lang) + "_" + region
}

// Lookup returns the template name of channelID in language. An empty
// language means the template's only language; a template in several
// languages then fails with CodeLanguageRequired listing them. Errors are
// *Error, or the store's.
func Lookup(tx *store.Tx, channelID, name, language string) (*store.Template, error) {
	all, err := tx.TemplateLanguages(channelID, name)
	if err != nil {
		return nil, fmt.Errorf("looking up template: %w", err)
	}
	if len(all) == 0 {
		return nil, fail(CodeNotFound, "name", "channel %s has no template %q (sync its templates if it was created lately)", channelID, name)
	}
	langs := languagesOf(all)
	if language == "" {
		if len(all) == 1 {
			return all[0], nil
		}
		e := fail(CodeLanguageRequired, "language", "template %q exists in %s: say which language", name, strings.Join(langs, ", "))
		e.Options = langs
		return nil, e
	}
	for _, t := range all {
		if t.Language == language || normLanguage(t.Language) == normLanguage(language) {
			return t, nil
		}
	}
	e := fail(CodeLanguageNotFound, "language", "template %q does not exist in %s; it exists in %s", name, language, strings.Join(langs, ", "))
	e.Options = langs
	return nil, e
}

func languagesOf(ts []*store.Template) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Language
	}
	return out
}
