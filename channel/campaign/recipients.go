package campaign

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// RecipientInput is one recipient of a campaign request: To in E.164
// ("+447700900001"; digits alone are read as international), Params a JSON
// array or object.
type RecipientInput struct {
	To     string          `json:"to"`
	Params json.RawMessage `json:"params,omitempty"`
}

// RowError is a recipient that was not queued: Row is its 1-based position
// in the JSON list, or its line number in the CSV file (the header is
// line 1).
type RowError struct {
	Row   int    `json:"row"`
	To    string `json:"to"`
	Error string `json:"error"`
}

// List is a parsed recipient list.
type List struct {
	Recipients []*store.Recipient
	Invalid    []RowError
	// Duplicates counts rows dropped because their number came earlier.
	Duplicates int
	// rows are the rows of Recipients.
	rows []int
}

// NormalizeNumber returns s in E.164 and the customer key (wa_id) of that
// number.
func NormalizeNumber(s string) (e164, key string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", errors.New("number is empty")
	}
	if !strings.HasPrefix(s, "+") {
		s = "+" + strings.TrimPrefix(s, "00")
	}
	e164, err = cloudapi.ParseNumber(s)
	if err != nil {
		return "", "", fmt.Errorf("number %w", err)
	}
	return e164, e164[1:], nil
}

// listBuilder collects recipients, dropping duplicates and recording bad
// rows.
type listBuilder struct {
	list List
	seen map[string]bool
}

func newListBuilder() *listBuilder {
	return &listBuilder{seen: map[string]bool{}}
}

func (b *listBuilder) add(r row) {
	if r.bad != "" {
		b.list.Invalid = append(b.list.Invalid, RowError{Row: r.line, To: r.to, Error: r.bad})
		return
	}
	if r.err != nil {
		b.list.Invalid = append(b.list.Invalid, RowError{Row: r.line, To: r.to, Error: r.err.Error()})
		return
	}
	e164, key, params := r.e164, r.key, r.params
	if b.seen[key] {
		b.list.Duplicates++
		return
	}
	b.seen[key] = true
	b.list.Recipients = append(b.list.Recipients, &store.Recipient{To: e164, Key: key, Params: params, State: store.RecipientPending})
	b.list.rows = append(b.list.rows, r.line)
}

// ParseJSON reads a list of recipients given as JSON.
func ParseJSON(in []RecipientInput) *List {
	rows := make([]row, len(in))
	for i, r := range in {
		rows[i] = row{line: i + 1, to: r.To, params: r.Params}
	}
	return build(rows)
}

// row is one recipient as read, before its number is checked.
type row struct {
	line   int
	to     string
	params json.RawMessage
	bad    string // why the row cannot be read
	e164   string
	key    string
	err    error
}

// build checks every row's number, on every CPU since parsing numbers is
// the slow part of a large list, then drops duplicates in row order.
func build(rows []row) *List {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(rows)/500))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(rows); i += workers {
				if rows[i].bad == "" {
					rows[i].e164, rows[i].key, rows[i].err = NormalizeNumber(rows[i].to)
				}
			}
		})
	}
	wg.Wait()
	b := newListBuilder()
	for _, r := range rows {
		b.add(r)
	}
	return &b.list
}

// ParseCSV reads a CSV file whose header row is "to" followed by the
// template's parameter names (named parameters) or 1, 2, … (positional
// ones). It fails only when the file itself is unreadable.
func ParseCSV(r io.Reader) (*List, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading CSV header: %w", err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	if len(header) == 0 || !strings.EqualFold(header[0], "to") {
		return nil, errors.New(`the CSV header row must start with "to"`)
	}
	names := header[1:]
	positional := true
	for i, n := range names {
		if n != fmt.Sprint(i+1) {
			positional = false
		}
		if n == "" {
			return nil, fmt.Errorf("CSV header column %d is empty", i+2)
		}
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rows = append(rows, row{line: pe.StartLine, bad: pe.Err.Error()})
				continue
			}
			return nil, fmt.Errorf("reading CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != len(header) {
			rows = append(rows, row{line: line, to: rec[0], bad: fmt.Sprintf("has %d columns, the header has %d", len(rec), len(header))})
			continue
		}
		var params json.RawMessage
		if len(names) > 0 {
			if positional {
				params, _ = json.Marshal(rec[1:])
			} else {
				m := make(map[string]string, len(names))
				for i, n := range names {
					m[n] = rec[i+1]
				}
				params, _ = json.Marshal(m)
			}
		}
		rows = append(rows, row{line: line, to: rec[0], params: params})
	}
	return build(rows), nil
}
