package setup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// confLine is one "key = value" or "key => value" line.
type confLine struct {
	key, value string
	line       int
}

// section is one [name] of an Asterisk configuration file.
type section struct {
	name      string
	template  bool     // declared with (!)
	inherits  []string // templates named in (…)
	line      int
	lines     []confLine
	effective []confLine // inherited lines first, then its own
}

// confFile is a parsed Asterisk configuration file.
type confFile struct {
	path     string
	sections []*section
}

// parseConf reads an Asterisk .conf file: [sections] with optional
// (!,template) suffixes, key = value and key => value lines, ; comments.
// #include lines are not followed.
func parseConf(path string) (*confFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cf := &confFile{path: path}
	var cur *section
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if i := strings.Index(text, ";"); i >= 0 && (i == 0 || text[i-1] != '\\') {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
			continue
		case strings.HasPrefix(text, "["):
			end := strings.Index(text, "]")
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: unterminated section name", path, n)
			}
			cur = &section{name: strings.TrimSpace(text[1:end]), line: n}
			if rest := strings.TrimSpace(text[end+1:]); strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
				for opt := range strings.SplitSeq(rest[1:len(rest)-1], ",") {
					switch opt = strings.TrimSpace(opt); opt {
					case "!":
						cur.template = true
					case "":
					default:
						cur.inherits = append(cur.inherits, opt)
					}
				}
			}
			cf.sections = append(cf.sections, cur)
		default:
			if cur == nil {
				continue
			}
			k, v, found := strings.Cut(text, "=")
			if !found {
				continue
			}
			v = strings.TrimPrefix(v, ">")
			cur.lines = append(cur.lines, confLine{key: strings.ToLower(strings.TrimSpace(k)), value: strings.TrimSpace(v), line: n})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	for _, s := range cf.sections {
		s.effective = cf.resolve(s, 0)
	}
	return cf, nil
}

// resolve returns s's lines after those of its templates.
func (cf *confFile) resolve(s *section, depth int) []confLine {
	var out []confLine
	if depth < 10 {
		for _, t := range s.inherits {
			for _, ts := range cf.sections {
				if ts.template && ts.name == t {
					out = append(out, cf.resolve(ts, depth+1)...)
				}
			}
		}
	}
	return append(out, s.lines...)
}

// get returns the last value of key in s (own or inherited) and its line.
func (s *section) get(key string) (string, int, bool) {
	for i := len(s.effective) - 1; i >= 0; i-- {
		if s.effective[i].key == key {
			return s.effective[i].value, s.effective[i].line, true
		}
	}
	return "", 0, false
}

// find returns the non-template sections named name.
func (cf *confFile) find(name string) []*section {
	var out []*section
	for _, s := range cf.sections {
		if s.name == name && !s.template {
			out = append(out, s)
		}
	}
	return out
}

// where formats a file position.
func (cf *confFile) where(line int) string {
	return fmt.Sprintf("%s:%d", filepath.Base(cf.path), line)
}

// yes reports Asterisk's truth values.
func yes(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "y", "t", "1", "on":
		return true
	}
	return false
}
