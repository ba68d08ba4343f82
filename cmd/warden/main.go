// Command warden is the Secret Warden CLI: scan an organization snapshot,
// replay CloudTrail events, evaluate policy inputs and list the policies.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/secretwarden/warden/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Execute(ctx, cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}
