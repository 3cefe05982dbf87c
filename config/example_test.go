package config

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite wachan.example.toml from the options table")

const examplePath = "wachan.example.toml"

// TestExampleGolden checks that the committed example file is what the table
// generates. Run "go test ./config -run Example -update" after changing the
// table.
func TestExampleGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteExample(&buf); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(examplePath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, buf.Bytes()) {
		t.Errorf("%s is stale; regenerate it with: go test ./config -run Example -update", examplePath)
	}
}

func TestExampleLoads(t *testing.T) {
	example, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("as committed", func(t *testing.T) {
		c, _, err := Load([]string{"--config", examplePath}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("every key uncommented", func(t *testing.T) {
		lines := strings.Split(string(example), "\n")
		uncommented := 0
		for _, o := range options() {
			for i, l := range lines {
				if strings.HasPrefix(l, "# "+o.key+" = ") {
					lines[i] = strings.TrimPrefix(l, "# ")
					uncommented++
				}
			}
		}
		if uncommented != len(options()) {
			t.Fatalf("found %d commented defaults, want %d", uncommented, len(options()))
		}
		p := writeFile(t, "wachan.toml", strings.Join(lines, "\n"))
		c, _, err := Load([]string{"--config", p}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range options() {
			if s := c.source(o.key); s != "file "+p {
				t.Errorf("%s came from %q, want the file", o.key, s)
			}
		}
		want := Default()
		want.origin = c.origin
		if !reflect.DeepEqual(c, want) {
			t.Errorf("example values\n%+v\ndiffer from defaults\n%+v", c, want)
		}
	})
}
