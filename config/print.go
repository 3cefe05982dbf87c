package config

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// mask stands for a secret that is set.
const mask = "********"

// Print writes the effective configuration to w as TOML, each line followed
// by a comment saying where the value came from. A secret that is set is
// shown as "********" on a commented-out line, so the output never carries
// the secret and can still be loaded as a file.
func (c *Config) Print(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# Effective wachan configuration; secrets are masked.")
	for _, o := range options() {
		v := o.get(c)
		src := c.source(o.key)
		if o.secret && v.(string) != "" {
			fmt.Fprintf(bw, "# %s = %s # %s, secret\n", o.key, tomlString(mask), src)
			continue
		}
		fmt.Fprintf(bw, "%s = %s # %s\n", o.key, o.tomlValue(v), src)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("printing config: %w", err)
	}
	return nil
}

// Usage writes, for --help, every option with its flag, environment
// variable, file key, default and description.
func Usage(w io.Writer) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	fmt.Fprintf(bw, "Options (flag, environment variable, config file key):\n")
	fmt.Fprintf(bw, "flags override the environment, which overrides the file.\n\n")
	fmt.Fprintf(bw, "  --config path, WACHAN_CONFIG (default %s)\n", DefaultPath)
	fmt.Fprintf(bw, "        Configuration file (TOML); only the default may be missing.\n")
	for _, o := range options() {
		flagName, env := "(no flag)", o.env()
		if o.flag() != "" {
			flagName = "--" + o.flag() + " " + kindName(o.kind)
		}
		if o.secret {
			env += ", " + env + "_FILE"
		}
		def := ""
		if d := o.text(o.def); d != "" {
			def = fmt.Sprintf(" (default %s)", d)
		}
		fmt.Fprintf(bw, "  %s, %s, %s%s\n        %s\n", flagName, env, o.key, def, o.help)
	}
	fmt.Fprintf(bw, "\nSecrets have no flag; a variable ending in _FILE names a file holding the secret.\n")
}

func kindName(k kind) string {
	switch k {
	case kindInt:
		return "int"
	case kindDuration:
		return "duration"
	case kindSize:
		return "size"
	case kindBool:
		return "bool"
	}
	return "string"
}

// WriteExample writes the example configuration file: every option with its
// description and its default, commented out. wachan.example.toml in this
// package is its output.
func WriteExample(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, `# wachan configuration file (TOML).
#
# Every option is listed with its default value, commented out: uncomment a
# line to change it. Environment variables override this file and flags
# override both. Unknown keys are an error.
#
# Secrets (admin_token, ari_password) can instead be given in the environment,
# directly or as a file named by the variable plus _FILE, for example
# WACHAN_ARI_PASSWORD_FILE=/run/secrets/ari_password. Keep this file readable
# only by the wachan user if it holds one.
`)
	for _, o := range options() {
		fmt.Fprintln(bw)
		for _, line := range wrap(o.help, 76) {
			fmt.Fprintf(bw, "# %s\n", line)
		}
		if f := o.flag(); f != "" {
			fmt.Fprintf(bw, "# Environment %s, flag --%s.\n", o.env(), f)
		} else {
			fmt.Fprintf(bw, "# Environment %s or %s_FILE.\n", o.env(), o.env())
		}
		fmt.Fprintf(bw, "# %s = %s\n", o.key, o.tomlValue(o.def))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing example config: %w", err)
	}
	return nil
}

// wrap splits text into lines of at most width bytes, breaking at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
