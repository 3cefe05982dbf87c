// Package canned keeps agents' canned replies: shared and personal
// snippets found by shortcut, with variables such as {{customer.name}}
// filled in for the conversation they are used in.
package canned

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/wachan/wachan/store"
)

// Variables a canned reply may use.
var Variables = []string{"customer.name", "customer.first_name", "customer.number", "agent.extension", "channel.name"}

var (
	shortcutShape = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,31}$`)
	variable      = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
)

// ErrShortcut is wrapped by errors about a malformed shortcut.
var ErrShortcut = errors.New("a shortcut is 1 to 32 lowercase letters, digits, _ . or -, starting with a letter or digit")

// CheckShortcut reports whether s can name a canned reply.
func CheckShortcut(s string) error {
	if !shortcutShape.MatchString(s) {
		return fmt.Errorf("shortcut %q: %w", s, ErrShortcut)
	}
	return nil
}

// CheckText reports an unknown variable in text.
func CheckText(text string) error {
	for _, m := range variable.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(Variables, m[1]) {
			return fmt.Errorf("unknown variable {{%s}}; use %s", m[1], strings.Join(wrap(Variables), ", "))
		}
	}
	return nil
}

func wrap(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = "{{" + v + "}}"
	}
	return out
}

// Find returns the reply shortcut for the agent ext: their own first,
// else the shared one.
func Find(tx *store.Tx, ext, shortcut string) (*store.CannedReply, error) {
	shortcut = strings.ToLower(strings.TrimSpace(shortcut))
	if ext != "" {
		c, err := tx.CannedReply(ext, shortcut)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return c, err
		}
	}
	return tx.CannedReply("", shortcut)
}

// Vars are the values of a conversation's variables.
type Vars struct {
	Customer  *store.Customer
	Channel   *store.Channel
	Extension string
}

// Expand fills the variables of text. A variable with no value (a
// customer without a profile name) becomes empty, and the spaces it
// leaves are tidied.
func Expand(text string, v Vars) string {
	out := variable.ReplaceAllStringFunc(text, func(m string) string {
		name := variable.FindStringSubmatch(m)[1]
		switch name {
		case "customer.name":
			if v.Customer != nil {
				return v.Customer.Name
			}
		case "customer.first_name":
			if v.Customer != nil {
				first, _, _ := strings.Cut(strings.TrimSpace(v.Customer.Name), " ")
				return first
			}
		case "customer.number":
			if v.Customer != nil && v.Customer.WaID != "" {
				return "+" + v.Customer.WaID
			}
		case "agent.extension":
			return v.Extension
		case "channel.name":
			if v.Channel != nil {
				return v.Channel.Name
			}
		default:
			return m
		}
		return ""
	})
	out = strings.Join(strings.FieldsFunc(out, func(r rune) bool { return r == ' ' }), " ")
	for _, p := range []string{" ,", " .", " !", " ?"} {
		out = strings.ReplaceAll(out, p, p[1:])
	}
	return out
}
