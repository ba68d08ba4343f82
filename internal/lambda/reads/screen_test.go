package reads

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/policy"
)

const consoleRead = `# METADATA
# title: Secret value read from the console
# description: A GetSecretValue made with console session credentials.
# scope: package
# custom:
#   id: console-read
#   severity: medium
#   controls: []
#   remediation: Read secrets from workloads, not consoles.
package events.console_read

respond contains {"kind": "alert", "severity": "medium", "reason": "console read"} if {
	input.event.name == "GetSecretValue"
	input.event.actor.from_console == true
}
`

// The screen runs the event rules (custom and built-in) on the event
// alone: the organization's own rule responds to a console read from inside
// the organization, nothing responds to a plain one.
func TestRuleScreen(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "console_read.rego"), []byte(consoleRead), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := builtin.Data()
	if err != nil {
		t.Fatal(err)
	}
	eng, cfg, err := builtin.Load(context.Background(), doc, policy.DirSource(dir))
	if err != nil {
		t.Fatal(err)
	}
	s := &RuleScreen{Engine: eng, Policy: cfg, Org: staticOrg{}}
	x := read{id: "e1", account: memberAcct, principal: "AROAAPP:alice", secret: secretARN(memberAcct, "a")}
	plain := x.envelope()
	console := strings.Replace(plain, `"eventVersion"`, `"sessionCredentialFromConsole":"true","eventVersion"`, 1)
	for body, want := range map[string]bool{plain: false, console: true} {
		evs, _ := event.Decode([]byte(body), "b")
		got, err := s.Responds(context.Background(), &evs[0], nil)
		if err != nil || got != want {
			t.Errorf("console %v: responds %v %v", want, got, err)
		}
	}
}
