package web

import "testing"

func TestRecipientsCSV(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		added    int
	}{
		{"+447700900001,Ann,A1\n+447700900002,Bo,B2", "to,1,2\n+447700900001,Ann,A1\n+447700900002,Bo,B2", 1},
		{"+447700900001\n+447700900002", "to\n+447700900001\n+447700900002", 1},
		{"to,first_name\n+447700900001,Ann", "to,first_name\n+447700900001,Ann", 0},
		{"\ufeffTo,1\n+447700900001,Ann", "To,1\n+447700900001,Ann", 0},
	} {
		got, added := recipientsCSV(tc.in)
		if got != tc.want || added != tc.added {
			t.Errorf("recipientsCSV(%q) = %q, %d; want %q, %d", tc.in, got, added, tc.want, tc.added)
		}
	}
}
