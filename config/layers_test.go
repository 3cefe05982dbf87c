package config_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLowerLayersImportNoChannel keeps settings, storage and the PBX side
// below the WhatsApp channel: nothing config, store or pbx build on, down
// to the standard library, is a channel package.
func TestLowerLayersImportNoChannel(t *testing.T) {
	const module = "github.com/wachan/wachan/"
	out, err := exec.Command("go", "list", "-deps", module+"config/...", module+"store/...", module+"pbx/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list found only %v", deps)
	}
	for _, dep := range deps {
		if strings.HasPrefix(dep, module+"channel/") || dep == module+"channel" {
			t.Errorf("%s is imported by config, store or pbx", dep)
		}
	}
}
