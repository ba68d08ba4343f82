// Command evaluate is the Secret Warden evaluate Lambda (provided.al2023, arm64,
// built with -tags lambda.norpc as bootstrap). It is wiring only: the
// handler lives in internal/lambda/evaluate.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretwarden/warden/internal/lambda/wire"
)

func main() {
	lambda.Start(wire.Init("evaluate").Evaluate().Handle)
}
