// Package dialplan matches Asterisk dialplan extension patterns, the way
// Asterisk compares an extension with the dialled user part.
package dialplan

import "strings"

// Match reports whether the dialplan extension pattern (as written
// after "exten =>", without priority) matches the dialed user part, the way
// Asterisk compares them: "_" starts a pattern with X (0-9), Z (1-9),
// N (2-9), [class], "." (one or more characters) and "!" (zero or more);
// dashes are ignored on both sides outside classes.
func Match(pattern, exten string) bool {
	pattern, _, _ = strings.Cut(pattern, "/") // caller id match
	exten = strings.ReplaceAll(exten, "-", "")
	p, isPattern := strings.CutPrefix(pattern, "_")
	if !isPattern {
		return strings.ReplaceAll(pattern, "-", "") == exten
	}
	i := 0
	for j := 0; j < len(p); j++ {
		c := p[j]
		switch {
		case c == '-':
			continue
		case c == '.':
			return i < len(exten)
		case c == '!':
			return true
		}
		if i >= len(exten) {
			return false
		}
		d := exten[i]
		switch {
		case c == 'X' || c == 'x':
			if d < '0' || d > '9' {
				return false
			}
		case c == 'Z' || c == 'z':
			if d < '1' || d > '9' {
				return false
			}
		case c == 'N' || c == 'n':
			if d < '2' || d > '9' {
				return false
			}
		case c == '[':
			end := strings.IndexByte(p[j:], ']')
			if end < 0 {
				return false
			}
			if !inClass(p[j+1:j+end], d) {
				return false
			}
			j += end
		default:
			if c != d {
				return false
			}
		}
		i++
	}
	return i == len(exten)
}

// inClass reports whether d is in a bracket class body such as 0-9a-z.
func inClass(class string, d byte) bool {
	for k := 0; k < len(class); k++ {
		if k+2 < len(class) && class[k+1] == '-' {
			if d >= class[k] && d <= class[k+2] {
				return true
			}
			k += 2
			continue
		}
		if class[k] == d {
			return true
		}
	}
	return false
}
