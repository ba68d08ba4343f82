// Command evaluate is the Secret Warden evaluate Lambda (provided.al2023, arm64,
// built with -tags lambda.norpc as bootstrap). It is wiring only: the
// handler lives in internal/lambda/evaluate.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretwarden/warden/internal/lambda/config"
	"github.com/secretwarden/warden/internal/lambda/wire"
)

func main() {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fail(err)
	}
	deps, err := wire.New(context.Background(), cfg)
	if err != nil {
		fail(err)
	}
	lambda.Start(deps.Evaluate().Handle)
}

// fail ends the init with the reason on stderr (the Lambda's init error).
func fail(err error) {
	fmt.Fprintf(os.Stderr, "secret warden evaluate: %v\n", err)
	os.Exit(1)
}
