// Package nag applies the cdk-nag AwsSolutions rule pack to a CDK app, as
// cdk-nag's README shows: every synth is checked.
package nag

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Apply adds the AwsSolutions checks to scope (usually the App). Errors
// become error annotations, which fail `cdk synth` and `cdk deploy`.
func Apply(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Verbose: jsii.Bool(true),
		// Reports are written next to the templates (AwsSolutions-<stack>-NagReport.csv).
		Reports: jsii.Bool(true),
	}), nil)
}
