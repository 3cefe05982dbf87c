package campaign

import (
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name, file string
		// want lists the kept recipients as "to params".
		want    []string
		invalid []int
		dups    int
		err     string
	}{
		{name: "positional", file: "to,1,2\n+447911123401,Ann,42\n447911123402,Bob,7\n",
			want: []string{`+447911123401 ["Ann","42"]`, `+447911123402 ["Bob","7"]`}},
		{name: "named", file: "\ufeffTo,first_name,order\n+44 7911 123401,Ann,A-1\n",
			want: []string{`+447911123401 {"first_name":"Ann","order":"A-1"}`}},
		{name: "numbers only", file: "to\n+447911123401\n\n+447911123401\n", want: []string{"+447911123401 "}, dups: 1},
		{name: "bad rows", file: "to,1\n+447911123401,a\n+44 12,b\n07911 123403,c\n+447911123404\n\"+447911123405,d\n",
			want: []string{`+447911123401 ["a"]`}, invalid: []int{3, 4, 5, 6}},
		{name: "quoted", file: "to,1\n\"+447911123401\",\"Hello, \"\"Ann\"\"\"\n",
			want: []string{`+447911123401 ["Hello, \"Ann\""]`}},
		{name: "no to column", file: "phone,1\n+447911123401,a\n", err: `must start with "to"`},
		{name: "empty header name", file: "to,,x\n", err: "column 2 is empty"},
		{name: "empty file", file: "", err: "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseCSV(strings.NewReader(tt.file))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range l.Recipients {
				got = append(got, r.To+" "+string(r.Params))
			}
			var rows []int
			for _, r := range l.Invalid {
				rows = append(rows, r.Row)
				if r.Error == "" {
					t.Errorf("row %d without a reason", r.Row)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || !equal(rows, tt.invalid) || l.Duplicates != tt.dups {
				t.Fatalf("got %q invalid %v dups %d; want %q %v %d", got, rows, l.Duplicates, tt.want, tt.invalid, tt.dups)
			}
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"to,1\n+447911123401,a\n", "to,name\n\"+44 7911 123401\",\"x\"\"y\"\n", "to\n\n\n", "to,1\n\"unterminated\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for i, r := range l.Recipients {
			if !strings.HasPrefix(r.To, "+") || r.Key != r.To[1:] || seen[r.Key] {
				t.Fatalf("recipient %+v", r)
			}
			seen[r.Key] = true
			if l.rows[i] < 2 {
				t.Fatalf("row %d", l.rows[i])
			}
		}
	})
}

func TestDecodeParams(t *testing.T) {
	tests := []struct {
		in, pos, named, err string
	}{
		{in: `["a", 1, 2.5, true]`, pos: "[a 1 2.5 true]"},
		{in: `{"name":"Ann","n":12345678901234567890}`, named: "map[n:12345678901234567890 name:Ann]"},
		{in: ``, pos: "[]"},
		{in: `null`, pos: "[]"},
		{in: `"x"`, err: "array or an object"},
		{in: `[null]`, err: "params[0]"},
		{in: `[[1]]`, err: "params[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			pos, named, err := decodeParams([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.named != "" {
				if got := fmtMap(named); got != tt.named {
					t.Fatalf("named = %s", got)
				}
				return
			}
			if got := "[" + strings.Join(pos, " ") + "]"; got != tt.pos {
				t.Fatalf("pos = %s", got)
			}
		})
	}
}

func fmtMap(m map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+":"+m[k])
	}
	return "map[" + strings.Join(parts, " ") + "]"
}
