package wire

import (
	"context"
	"fmt"
	"os"

	"github.com/secretwarden/warden/internal/lambda/config"
)

// Init is a handler's cold start: configuration from the environment, then
// the dependencies. On failure it ends the init with one line on stderr
// naming the function (the Lambda's init error) and exit status 1.
func Init(function string) *Deps {
	cfg, err := config.Load(os.Getenv)
	if err == nil {
		var d *Deps
		if d, err = NewFunction(context.Background(), function, cfg); err == nil {
			return d
		}
	}
	fmt.Fprintf(os.Stderr, "secret warden %s: %v\n", function, err)
	os.Exit(1)
	return nil
}
