// Command reads is the Secret Warden reads Lambda (provided.al2023, arm64,
// built with -tags lambda.norpc as bootstrap): it takes large SQS batches of
// GetSecretValue and BatchGetSecretValue events. It is wiring only: the
// handler lives in internal/lambda/reads.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretwarden/warden/internal/lambda/wire"
)

func main() {
	lambda.Start(wire.Init("reads").Reads().Handle)
}
