package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load builds the effective configuration from defaults, the TOML file, the
// environment and the flags in args (the command line without the program
// name), each overriding the one before. It returns the arguments left after
// the flags, such as a subcommand.
//
// The file is the one named by --config, else by WACHAN_CONFIG, else
// DefaultPath; only the default may be missing. lookupEnv is usually
// os.LookupEnv; nil means an empty environment. A secret option may also be
// read from the file named by its variable plus _FILE, trailing newline
// removed. Asking for -h or --help returns an error matching flag.ErrHelp;
// print Usage then. Load does not validate: call Validate.
func Load(args []string, lookupEnv func(string) (string, bool)) (*Config, []string, error) {
	return load(args, lookupEnv, DefaultPath)
}

func load(args []string, lookupEnv func(string) (string, bool), defaultPath string) (*Config, []string, error) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	opts := options()

	// Flags first: --config decides which file to read. Values are kept
	// aside and applied last.
	fset := flag.NewFlagSet("wachan", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	fset.Usage = func() {}
	configPath := fset.String("config", "", "configuration file")
	flagged := make(map[string]any)
	for _, o := range opts {
		if o.flag() == "" {
			continue
		}
		fset.Func(o.flag(), o.help, func(s string) error {
			v, err := o.parse(s)
			if err != nil {
				return err
			}
			flagged[o.key] = v
			return nil
		})
	}
	if err := fset.Parse(args); err != nil {
		return nil, nil, fmt.Errorf("parsing flags: %w", err)
	}

	c := Default()

	path, explicit := *configPath, true
	if path == "" {
		path, _ = lookupEnv("WACHAN_CONFIG")
	}
	if path == "" {
		path, explicit = defaultPath, false
	}
	if err := c.loadFile(opts, path, explicit); err != nil {
		return nil, nil, err
	}

	if err := c.loadEnv(opts, lookupEnv); err != nil {
		return nil, nil, err
	}

	for _, o := range opts {
		if v, ok := flagged[o.key]; ok {
			o.set(c, v, fromFlag+" --"+o.flag())
		}
	}
	return c, fset.Args(), nil
}

// loadFile applies the TOML file at path. A missing file is an error only
// when the user named it.
func (c *Config) loadFile(opts []option, path string, explicit bool) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading config file: %w", err)
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return fmt.Errorf("parsing config file %s: %w", path, err)
	}

	byKey := make(map[string]option, len(opts))
	for _, o := range opts {
		byKey[o.key] = o
	}
	type problem struct {
		line int
		msg  string
	}
	var problems []problem
	for key, rv := range raw {
		line := keyLine(data, key)
		o, ok := byKey[key]
		if !ok {
			problems = append(problems, problem{line, fmt.Sprintf("unknown key %q", key)})
			continue
		}
		v, err := o.fromTOML(rv)
		if err != nil {
			problems = append(problems, problem{line, key + ": " + err.Error()})
			continue
		}
		o.set(c, v, fromFile+" "+path)
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Slice(problems, func(i, j int) bool {
		if problems[i].line != problems[j].line {
			return problems[i].line < problems[j].line
		}
		return problems[i].msg < problems[j].msg
	})
	errs := make([]error, len(problems))
	for i, p := range problems {
		if p.line > 0 {
			errs[i] = fmt.Errorf("%s:%d: %s", path, p.line, p.msg)
		} else {
			errs[i] = fmt.Errorf("%s: %s", path, p.msg)
		}
	}
	return fmt.Errorf("loading config file: %w", errors.Join(errs...))
}

// keyLine finds the 1-based line where a top-level key is first written, as
// "key = …", "key.sub = …" or a "[key]" table header; 0 if not found.
func keyLine(data []byte, key string) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSpace(string(line))
		s = strings.TrimLeft(s, "[")
		s = strings.TrimSpace(s)
		for _, k := range []string{key, `"` + key + `"`, `'` + key + `'`} {
			rest, ok := strings.CutPrefix(s, k)
			if !ok {
				continue
			}
			rest = strings.TrimSpace(rest)
			if rest != "" && strings.ContainsRune("=.]", rune(rest[0])) {
				return i + 1
			}
		}
	}
	return 0
}

// loadEnv applies WACHAN_* variables and, for secrets, WACHAN_*_FILE.
func (c *Config) loadEnv(opts []option, lookupEnv func(string) (string, bool)) error {
	var errs []error
	for _, o := range opts {
		name := o.env()
		s, ok := lookupEnv(name)
		if o.secret {
			fileName := name + "_FILE"
			if file, fok := lookupEnv(fileName); fok {
				if ok {
					errs = append(errs, fmt.Errorf("env %s and %s are both set; use one", name, fileName))
					continue
				}
				b, err := os.ReadFile(file)
				if err != nil {
					errs = append(errs, fmt.Errorf("env %s: reading secret: %w", fileName, err))
					continue
				}
				s, ok, name = strings.TrimRight(string(b), "\r\n"), true, fileName
			}
		}
		if !ok {
			continue
		}
		v, err := o.parse(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("env %s: %w", name, err))
			continue
		}
		o.set(c, v, fromEnv+" "+name)
	}
	return errors.Join(errs...)
}
