package setup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// pos is where a line is: the file's base name and the line number.
type pos struct {
	file string
	line int
}

func (p pos) String() string { return fmt.Sprintf("%s:%d", p.file, p.line) }

// confLine is one "key = value" or "key => value" line.
type confLine struct {
	key, value string
	at         pos
}

// section is one [name] of an Asterisk configuration, with the lines of
// every later [name](+) that adds to it.
type section struct {
	name      string
	template  bool     // declared with (!)
	inherits  []string // templates named in (…)
	at        pos
	lines     []confLine
	effective []confLine // inherited lines first, then its own
}

// confFile is a parsed Asterisk configuration file with its #includes.
type confFile struct {
	path     string
	sections []*section
}

// maxIncludeDepth stops include loops.
const maxIncludeDepth = 10

// parseConf reads an Asterisk .conf file: [sections] with optional
// (!,template,+) suffixes, key = value and key => value lines, ; comments,
// and #include / #tryinclude lines, followed like Asterisk does: relative
// names are taken from the directory of path (the configuration
// directory), and wildcards are expanded. A missing #include is skipped.
func parseConf(path string) (*confFile, error) {
	cf := &confFile{path: path}
	var cur *section
	if err := cf.read(path, &cur, 0); err != nil {
		return nil, err
	}
	for _, s := range cf.sections {
		s.effective = cf.resolve(s, 0)
	}
	return cf, nil
}

// read parses one file into cf, continuing the current section cur.
func (cf *confFile) read(path string, cur **section, depth int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	name := filepath.Base(path)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if i := strings.Index(text, ";"); i >= 0 && (i == 0 || text[i-1] != '\\') {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		switch {
		case text == "":
			continue
		case strings.HasPrefix(text, "#"):
			if err := cf.include(text, cur, depth); err != nil {
				return err
			}
		case strings.HasPrefix(text, "["):
			end := strings.Index(text, "]")
			if end < 0 {
				return fmt.Errorf("%s:%d: unterminated section name", name, n)
			}
			s := &section{name: strings.TrimSpace(text[1:end]), at: pos{name, n}}
			add, filter := false, ""
			if rest := strings.TrimSpace(text[end+1:]); strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
				for opt := range strings.SplitSeq(rest[1:len(rest)-1], ",") {
					switch opt = strings.TrimSpace(opt); opt {
					case "!":
						s.template = true
					case "":
					default:
						if f, ok := strings.CutPrefix(opt, "+"); ok {
							add, filter = true, f
							continue
						}
						s.inherits = append(s.inherits, opt)
					}
				}
			}
			if add {
				// Like Asterisk: the first section of that name whose
				// variables match the filter ("type=aor&…"); none is an
				// error there, and its lines are ignored here.
				*cur = cf.first(s.name, filter)
				continue
			}
			*cur = s
			cf.sections = append(cf.sections, s)
		default:
			if *cur == nil {
				continue
			}
			k, v, found := strings.Cut(text, "=")
			if !found {
				continue
			}
			v = strings.TrimPrefix(v, ">")
			(*cur).lines = append((*cur).lines, confLine{key: strings.ToLower(strings.TrimSpace(k)), value: strings.TrimSpace(v), at: pos{name, n}})
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

// include follows an #include or #tryinclude directive; others (#exec)
// are ignored.
func (cf *confFile) include(text string, cur **section, depth int) error {
	dir, arg, _ := strings.Cut(text, " ")
	if dir != "#include" && dir != "#tryinclude" {
		return nil
	}
	arg = strings.Trim(strings.TrimSpace(arg), `"<>`)
	if arg == "" || depth >= maxIncludeDepth {
		return nil
	}
	if !filepath.IsAbs(arg) {
		arg = filepath.Join(filepath.Dir(cf.path), arg)
	}
	matches, err := filepath.Glob(arg)
	if err != nil {
		return nil
	}
	for _, m := range matches {
		if err := cf.read(m, cur, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// first returns the first section named name whose variables match
// filter, '&'-separated key=value pairs, or nil.
func (cf *confFile) first(name, filter string) *section {
	for _, s := range cf.sections {
		if s.name != name {
			continue
		}
		s.effective = cf.resolve(s, 0)
		match := true
		for kv := range strings.SplitSeq(filter, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if k = strings.ToLower(strings.TrimSpace(k)); k == "" {
				continue
			}
			if got, _, ok := s.get(k); !ok || got != strings.TrimSpace(v) {
				match = false
			}
		}
		if match {
			return s
		}
	}
	return nil
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

// get returns the last value of key in s (own or inherited) and where it is.
func (s *section) get(key string) (string, pos, bool) {
	for i := len(s.effective) - 1; i >= 0; i-- {
		if s.effective[i].key == key {
			return s.effective[i].value, s.effective[i].at, true
		}
	}
	return "", pos{}, false
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

// yes reports Asterisk's truth values.
func yes(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "y", "t", "1", "on":
		return true
	}
	return false
}
