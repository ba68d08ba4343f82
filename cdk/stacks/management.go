package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ManagementStackPrefix names the management-account stacks, one per
// covered region: SecretWardenManagement-<region>.
const ManagementStackPrefix = "SecretWardenManagement"

// ManagementStackName is the stack of the management account in region.
func ManagementStackName(region string) string { return ManagementStackPrefix + "-" + region }

// NewManagementStacks builds the organization management account's unit,
// one stack per covered region: the same forwarding rules and member roles
// as the member stack (both come from memberunit.Add, with the same
// parameters), for the one account the stack set cannot reach. A
// service-managed stack set never deploys there: "StackSets doesn't deploy
// stack instances to the organization management account, even if the
// organization management account is in your organization or in an OU in
// your organization" (AWS CloudFormation API Reference, DeploymentTargets).
//
// Each stack is pinned to its region and left account-agnostic: it is
// deployed with `cdk deploy 'SecretWardenManagement-*'` and the management
// account's credentials, its parameters from the central stack's
// ManagementStackParameters output. Like the member stack it needs no CDK
// bootstrap (no assets, template under the 51,200-byte inline limit).
func NewManagementStacks(scope constructs.Construct, p MemberStackProps) ([]awscdk.Stack, error) {
	var out []awscdk.Stack
	for _, region := range p.Config.Regions {
		st, err := newMemberUnitStack(scope, ManagementStackName(region), p, &awscdk.StackProps{
			Env: &awscdk.Environment{Region: jsii.String(region)},
			Description: jsii.String("Secret Warden, organization management account (which the service-managed stack set skips): " +
				"forwards Secrets Manager and GuardDuty events to the organization bus; audit, responder and findings roles"),
		})
		if err != nil {
			return nil, fmt.Errorf("build management stack for %s: %w", region, err)
		}
		out = append(out, st)
	}
	return out, nil
}
