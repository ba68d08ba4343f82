// Package integration runs Secret Warden's real code (the AWS inventory,
// the CLI, the store, the actions and the Lambda handlers) with the real
// aws-sdk-go-v2 clients over HTTP against kumo, an independent AWS
// emulator, on 127.0.0.1 only. See README.md.
package integration

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/secretwarden/warden/integration/internal/loopback"
)

var (
	// emu is the one emulator of the run (kumo's services are process-wide).
	emu *emulator
	// suiteOps records the operation of every SDK call made by every client
	// built from emu.sdkConfig(), across the whole suite.
	suiteOps = newOpRecorder()
)

// secretValueOps are the calls that read a secret value. Secret Warden never
// makes them.
var secretValueOps = []string{"GetSecretValue", "BatchGetSecretValue"}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ln, err := loopback.Listener()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: cannot listen on the loopback interface: %v\n", err)
		return 1
	}
	if n := loopback.Note(); n != "" {
		fmt.Fprintf(os.Stderr, "integration: %s\n", n)
	}
	emu, err = startEmulator(ln)
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: start the emulator: %v\n", err)
		return 1
	}
	defer emu.close()
	code := m.Run()
	// Requirement: no secret value is ever read, across the whole suite.
	// Both witnesses: the SDK middleware on every client the suite built,
	// and the front door, which sees every request that reached the
	// emulator (the CLI's and the handlers' own clients included).
	if bad := secretValueCalls(suiteOps.snapshot(), emu.ops(0)); len(bad) > 0 {
		fmt.Fprintf(os.Stderr, "integration: FAIL: a secret value was read: %s\n", strings.Join(bad, ", "))
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "integration: %d requests reached the emulator, %d SDK calls recorded; none read a secret value\n",
			len(emu.requests(0)), total(suiteOps.snapshot()))
	}
	return code
}

// secretValueCalls lists the forbidden operations seen by either witness.
func secretValueCalls(sdk, wire map[string]int) []string {
	var bad []string
	for _, witness := range []map[string]int{sdk, wire} {
		for k, n := range witness {
			op := k[strings.LastIndex(k, ":")+1:]
			for _, f := range secretValueOps {
				if op == f {
					bad = append(bad, fmt.Sprintf("%s ×%d", k, n))
				}
			}
		}
	}
	sort.Strings(bad)
	return bad
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
