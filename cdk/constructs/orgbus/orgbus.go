// Package orgbus provides the organization event bus: a custom EventBridge
// bus whose resource policy admits events:PutEvents from principals of one
// AWS Organization only.
package orgbus

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures an OrgBus.
type Props struct {
	// BusName is the event bus name.
	BusName string
	// OrganizationID is the only organization admitted (aws:PrincipalOrgID).
	OrganizationID string
}

// OrgBus is the bus and its resource policy.
type OrgBus struct {
	constructs.Construct
	// Bus is the organization event bus.
	Bus awsevents.EventBus
}

// New creates the bus under scope.
func New(scope constructs.Construct, id string, p Props) *OrgBus {
	c := constructs.NewConstruct(scope, jsii.String(id))
	bus := awsevents.NewEventBus(c, jsii.String("Bus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(p.BusName),
		Description:  jsii.String("Secret Warden: Secrets Manager and GuardDuty events forwarded by every member account"),
	})
	// CfnEventBusPolicy with a Statement (the L2 helper uses the
	// deprecated Principal/Action properties).
	awsevents.NewCfnEventBusPolicy(c, jsii.String("Policy"), &awsevents.CfnEventBusPolicyProps{
		EventBusName: bus.EventBusName(),
		StatementId:  jsii.String("AllowPutEventsFromOrganization"),
		Statement: map[string]any{
			"Sid":       "AllowPutEventsFromOrganization",
			"Effect":    "Allow",
			"Principal": "*",
			"Action":    "events:PutEvents",
			"Resource":  bus.EventBusArn(),
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:PrincipalOrgID": p.OrganizationID},
			},
		},
	})
	return &OrgBus{Construct: c, Bus: bus}
}
