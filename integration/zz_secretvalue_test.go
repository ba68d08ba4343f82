package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestNoSecretValueIsRead runs last (files run in name order) and checks
// both witnesses over everything the suite did before it: the SDK
// middleware installed on every client the suite built (the handlers' and
// the inventory's included) and the emulator's front door, which sees every
// request, the CLI's own clients included. TestMain checks the same again
// after every test, so a filtered run is covered too.
func TestNoSecretValueIsRead(t *testing.T) {
	sdk, wire := suiteOps.snapshot(), emu.ops(0)
	if bad := secretValueCalls(sdk, wire); len(bad) > 0 {
		t.Fatalf("a secret value was read: %v", bad)
	}
	t.Logf("%d SDK calls and %d requests to the emulator, none reads a secret value", total(sdk), total(wire))
}

// TestSecretValueWitnessesWork proves the witnesses would see a read: a
// GetSecretValue through a client with its own recorder, answered
// in-process (it never reaches the emulator, so the suite's own record
// stays clean), is recorded and flagged.
func TestSecretValueWitnessesWork(t *testing.T) {
	rec := newOpRecorder()
	cfg := aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("AKIAWITNESS", "x", ""), BaseEndpoint: aws.String("http://127.0.0.1:9")}
	rec.install(&cfg)
	fakeOps{"Secrets Manager:GetSecretValue": func(any) (any, error) { return &secretsmanager.GetSecretValueOutput{}, nil }}.install(&cfg)
	if _, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	if bad := secretValueCalls(rec.snapshot(), map[string]int{"secretsmanager:BatchGetSecretValue": 1}); len(bad) != 2 {
		t.Errorf("flagged %v, want the SDK call and the wire request", bad)
	}
}
