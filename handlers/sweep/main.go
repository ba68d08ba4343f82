// Command sweep is the Secret Warden sweep Lambda (provided.al2023, arm64,
// built with -tags lambda.norpc as bootstrap). It is wiring only: the
// handler lives in internal/lambda/sweep.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretwarden/warden/internal/lambda/wire"
)

func main() {
	lambda.Start(wire.Init("sweep").Sweep().Handle)
}
