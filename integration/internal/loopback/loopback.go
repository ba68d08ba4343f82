// Package loopback picks the loopback port the emulator is reached on, and
// does it before kumo's packages are initialized.
//
// Why it must run first: kumo's EventBridge delivers to SQS targets by
// posting to http://localhost:$KUMO_PORT (4566 by default), and it reads
// KUMO_PORT once, in its package init. The Go specification (since Go 1.21)
// initializes packages in import-path order among those whose imports are
// ready; this package imports only the standard library and its path
// (github.com/secretwarden/…) sorts before github.com/sivchari/kumo/…, so its
// init runs first and can bind the port and export KUMO_PORT in time.
// TestRulesRouteCloudTrailEvents fails loudly if that ever stops holding.
//
// It binds 127.0.0.1:4566 when free; when another run (or a real kumo) holds
// 4566 it binds a free loopback port instead, so two runs never collide. It
// also clears the KUMO_* variables that would make the emulator persist state
// or run init scripts, and every AWS_* variable (a profile, a service
// endpoint such as AWS_ENDPOINT_URL_SECRETS_MANAGER, credentials), so that a
// run is hermetic whatever the shell exports: the tests set what they use.
package loopback

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// PreferredPort is kumo's default port, where its EventBridge delivers.
const PreferredPort = 4566

var (
	ln      net.Listener
	initErr error
	note    string
)

func init() {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			_ = os.Unsetenv(k)
		}
	}
	for _, k := range []string{"KUMO_HOST", "KUMO_DATA_DIR", "KUMO_INIT_DIR", "KUMO_PPROF", "KUMO_PPROF_ADDR", "KUMO_PERSIST_FLUSH_INTERVAL_MS"} {
		_ = os.Unsetenv(k)
	}
	_ = os.Setenv("KUMO_LOG_LEVEL", "error")
	// kumo builds ARNs with AWS_DEFAULT_REGION (us-east-1 when unset): pin it.
	_ = os.Setenv("AWS_DEFAULT_REGION", "us-east-1")
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(PreferredPort)))
	if err != nil {
		note = fmt.Sprintf("127.0.0.1:%d is in use (%v): using another loopback port", PreferredPort, err)
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		initErr = fmt.Errorf("listen on 127.0.0.1: %w", err)
		return
	}
	ln = l
	_ = os.Setenv("KUMO_PORT", strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
}

// Listener is the bound loopback listener (127.0.0.1 only), or the error of
// binding it.
func Listener() (net.Listener, error) { return ln, initErr }

// Note says why the preferred port was not used ("" when it was).
func Note() string { return note }
