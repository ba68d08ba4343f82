// Command cdk is Secret Warden's CDK app (cdk.json: "go run ./cdk"): the
// central stack, which carries the member-account stack set, and the
// management-account stacks (one per region). Configuration comes from the
// CDK context; see cdk/README.md.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/cdk/internal/config"
	"github.com/secretwarden/warden/cdk/internal/nag"
	"github.com/secretwarden/warden/cdk/stacks"
	"github.com/secretwarden/warden/rules"
)

func main() {
	if err := run(); err != nil {
		// No jsii.Close here: after an error thrown inside a callback the
		// kernel is mid-call; exiting ends it.
		fmt.Fprintf(os.Stderr, "secretwarden cdk: %v\n", err)
		os.Exit(1)
	}
	jsii.Close()
}

func run() (err error) {
	// Errors thrown inside the synth (a failed handler build, a CDK
	// validation error) arrive as panics from the jsii runtime.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesize: %v", r)
		}
	}()
	app := awscdk.NewApp(nil)
	cfg, err := config.Parse(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	if err != nil {
		return err
	}
	rs, err := rules.Rules()
	if err != nil {
		return fmt.Errorf("load event rules: %w", err)
	}
	if _, err := stacks.NewCentralStack(app, "SecretWarden", stacks.CentralStackProps{
		StackProps: awscdk.StackProps{Env: env()},
		Config:     cfg,
		Rules:      rs,
	}); err != nil {
		return err
	}
	// Not pinned to the credentials' account: deployed with the management
	// account's own credentials.
	if _, err := stacks.NewManagementStacks(app, stacks.MemberStackProps{Config: cfg, Rules: rs}); err != nil {
		return err
	}
	nag.Apply(app)
	app.Synth(nil)
	return nil
}

// env pins the stack to the account and region of the CLI's credentials
// when there are any; without credentials the stack is environment-agnostic.
func env() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}
