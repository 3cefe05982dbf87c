package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parse converts the text form of a value, as given in the environment or a
// flag, to the option's kind.
func (o option) parse(s string) (any, error) {
	switch o.kind {
	case kindInt:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("want an integer, got %q", s)
		}
		return n, nil
	case kindDuration:
		return parseDuration(s)
	case kindSize:
		return parseSize(s)
	case kindBool:
		return parseBool(s)
	default:
		return s, nil
	}
}

// parseBool reads true or false; like strconv.ParseBool it also takes 1, 0,
// t, f and their capitalized forms.
func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, fmt.Errorf("want true or false, got %q", s)
	}
	return b, nil
}

// fromTOML converts a value decoded from the TOML file to the option's kind.
func (o option) fromTOML(v any) (any, error) {
	switch o.kind {
	case kindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("want a string, got %s", describe(v))
	case kindInt:
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("want an integer, got %s", describe(v))
		}
		if n < math.MinInt || n > math.MaxInt {
			return nil, fmt.Errorf("integer %d out of range", n)
		}
		return int(n), nil
	case kindDuration:
		// Bare numbers are refused: "session_idle = 24" is far more likely a
		// mistake than 24 nanoseconds.
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf(`want a duration string like "24h", got %s`, describe(v))
		}
		return parseDuration(s)
	case kindSize:
		switch x := v.(type) {
		case int64:
			return x, nil
		case string:
			return parseSize(x)
		}
		return nil, fmt.Errorf(`want a size like "100MB" or a number of bytes, got %s`, describe(v))
	case kindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("want true or false, got %s", describe(v))
	}
	return nil, fmt.Errorf("unsupported option kind %d", o.kind)
}

// describe names a decoded TOML value's type for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("string %q", x)
	case int64:
		return fmt.Sprintf("integer %d", x)
	case float64:
		return fmt.Sprintf("float %v", x)
	case bool:
		return fmt.Sprintf("boolean %t", x)
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf(`want a duration like "24h" or "90s", got %q`, s)
	}
	return d, nil
}

// sizeUnit is a byte multiple accepted by parseSize.
type sizeUnit struct {
	name string
	mult int64
}

// sizeUnits lists the byte multiples parseSize accepts, largest first so
// formatSize picks the shortest exact spelling.
func sizeUnits() [7]sizeUnit {
	return [...]sizeUnit{
		{"GiB", 1 << 30}, {"GB", 1000 * mb}, {"MiB", 1 << 20}, {"MB", mb},
		{"KiB", 1 << 10}, {"kB", 1000}, {"B", 1},
	}
}

// parseSize reads a byte count such as "100MB", "5 MiB", "2048" or "10kb".
// Units are matched without regard to case; decimal units are powers of
// 1000, binary ones (KiB, MiB, GiB) powers of 1024.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	bad := fmt.Errorf(`want a size like "100MB", "5MiB" or a number of bytes, got %q`, s)
	if i == 0 {
		return 0, bad
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, bad
	}
	unit := strings.TrimSpace(t[i:])
	mult := int64(1)
	if unit != "" {
		mult = 0
		for _, u := range sizeUnits() {
			if strings.EqualFold(unit, u.name) {
				mult = u.mult
				break
			}
		}
		if mult == 0 {
			return 0, bad
		}
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// formatSize writes n with the largest unit that divides it exactly.
func formatSize(n int64) string {
	if n == 0 {
		return "0"
	}
	for _, u := range sizeUnits() {
		if u.mult > 1 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// formatDuration writes d without the zero tails of time.Duration.String:
// 24h rather than 24h0m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// text writes v, of the option's kind, the way a user would type it in the
// environment or a flag.
func (o option) text(v any) string {
	switch o.kind {
	case kindInt:
		return strconv.Itoa(v.(int))
	case kindDuration:
		return formatDuration(v.(time.Duration))
	case kindSize:
		return formatSize(v.(int64))
	case kindBool:
		return strconv.FormatBool(v.(bool))
	default:
		return v.(string)
	}
}

// tomlValue writes v, of the option's kind, as a TOML value.
func (o option) tomlValue(v any) string {
	if o.kind == kindInt || o.kind == kindBool {
		return o.text(v)
	}
	return tomlString(o.text(v))
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
