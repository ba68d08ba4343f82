// Package stacks defines Secret Warden's CloudFormation stacks: the central
// stack deployed with `cdk deploy` to the delegated-administrator account,
// and the member stack deployed by a service-managed stack set to every
// account and region of the configured OUs.
package stacks
