package wa

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

const fixtureDir = "../../testdata/whatsapp"

// fixture is one webhook body from the fixture tree.
type fixture struct {
	name string // "pywa/<file>/<case>" or "whaloc/<file>"
	body []byte
}

// loadFixtures returns every webhook body: each case of each pywa update
// file, each whaloc file and each payload written from Meta's reference.
func loadFixtures(tb testing.TB) []fixture {
	tb.Helper()
	var out []fixture
	pywa, err := filepath.Glob(filepath.Join(fixtureDir, "pywa/tests/data/updates/*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, path := range pywa {
		var cases map[string]json.RawMessage
		if err := json.Unmarshal(readFile(tb, path), &cases); err != nil {
			tb.Fatalf("decoding %s: %v", path, err)
		}
		for _, k := range slices.Sorted(maps.Keys(cases)) {
			out = append(out, fixture{name: "pywa/" + filepath.Base(path) + "/" + k, body: cases[k]})
		}
	}
	whaloc, err := filepath.Glob(filepath.Join(fixtureDir, "whaloc/docs/fixtures/webhooks/*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, path := range whaloc {
		out = append(out, fixture{name: "whaloc/" + filepath.Base(path), body: readFile(tb, path)})
	}
	meta, err := filepath.Glob(filepath.Join(fixtureDir, "meta/*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, path := range meta {
		out = append(out, fixture{name: "meta/" + filepath.Base(path), body: readFile(tb, path)})
	}
	return out
}

// fixtureBody returns the body of the fixture called name.
func fixtureBody(tb testing.TB, name string) []byte {
	tb.Helper()
	for _, f := range loadFixtures(tb) {
		if f.name == name {
			return f.body
		}
	}
	tb.Fatalf("no fixture %q", name)
	return nil
}

// otherJSONFiles returns the template and Flow request bodies: JSON that is
// not a webhook, used to seed the fuzzer.
func otherJSONFiles(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, pattern := range []string{"pywa/tests/data/templates/*/*.json", "pywa/tests/data/flows/*/*.json"} {
		paths, err := filepath.Glob(filepath.Join(fixtureDir, pattern))
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range paths {
			out = append(out, readFile(tb, p))
		}
	}
	return out
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
