package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/internal/store"
)

// addFindingIndexes declares the two global secondary indexes over current
// findings that `warden findings` and `warden report --table` query
// (internal/store: ByAccount, ByPolicy). They project keys only, so a sweep
// that re-records an unchanged finding writes nothing to them.
func addFindingIndexes(table awsdynamodb.Table) {
	for _, ix := range []struct{ name, pk, sk string }{
		{store.IndexByAccount, store.AttrGSI1PK, store.AttrGSI1SK},
		{store.IndexByPolicy, store.AttrGSI2PK, store.AttrGSI2SK},
	} {
		table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.name),
			PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(ix.pk), Type: awsdynamodb.AttributeType_STRING},
			SortKey:        &awsdynamodb.Attribute{Name: jsii.String(ix.sk), Type: awsdynamodb.AttributeType_STRING},
			ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
		})
	}
}

// grantTableItems allows actions on the table's items only. Table.Grant
// would add "<table>/index/*" now that the table has indexes; the handlers
// never read them (only `warden findings` and `warden report --table` do,
// with the operator's own credentials), so their roles stay without it.
func grantTableItems(table awsdynamodb.Table, role awsiam.IRole, actions []string) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &[]*string{table.TableArn()},
	}))
}
