package awsinv

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ListSecretsAPI is Secrets Manager ListSecrets.
type ListSecretsAPI interface {
	ListSecrets(ctx context.Context, in *secretsmanager.ListSecretsInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error)
}

// DescribeSecretAPI is Secrets Manager DescribeSecret.
type DescribeSecretAPI interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

// GetResourcePolicyAPI is Secrets Manager GetResourcePolicy.
type GetResourcePolicyAPI interface {
	GetResourcePolicy(ctx context.Context, in *secretsmanager.GetResourcePolicyInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error)
}

// DescribeKeyAPI is KMS DescribeKey.
type DescribeKeyAPI interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, opts ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// ListAliasesAPI is KMS ListAliases.
type ListAliasesAPI interface {
	ListAliases(ctx context.Context, in *kms.ListAliasesInput, opts ...func(*kms.Options)) (*kms.ListAliasesOutput, error)
}

// DescribeOrganizationAPI is Organizations DescribeOrganization.
type DescribeOrganizationAPI interface {
	DescribeOrganization(ctx context.Context, in *organizations.DescribeOrganizationInput, opts ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
}

// ListAccountsAPI is Organizations ListAccounts.
type ListAccountsAPI interface {
	ListAccounts(ctx context.Context, in *organizations.ListAccountsInput, opts ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
}

// ListParentsAPI is Organizations ListParents.
type ListParentsAPI interface {
	ListParents(ctx context.Context, in *organizations.ListParentsInput, opts ...func(*organizations.Options)) (*organizations.ListParentsOutput, error)
}

// ListTagsForResourceAPI is Organizations ListTagsForResource (account tags).
type ListTagsForResourceAPI interface {
	ListTagsForResource(ctx context.Context, in *organizations.ListTagsForResourceInput, opts ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error)
}

// GetCallerIdentityAPI is STS GetCallerIdentity.
type GetCallerIdentityAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// RegionClients are the calls made in one account and region. A
// *secretsmanager.Client and a *kms.Client satisfy them.
type RegionClients struct {
	// ListSecrets lists the secrets.
	ListSecrets ListSecretsAPI
	// DescribeSecret describes one secret.
	DescribeSecret DescribeSecretAPI
	// GetResourcePolicy reads one secret's resource policy.
	GetResourcePolicy GetResourcePolicyAPI
	// DescribeKey reads a KMS key's metadata.
	DescribeKey DescribeKeyAPI
	// ListAliases lists the KMS aliases.
	ListAliases ListAliasesAPI
}

// OrgClients are the calls made with the base credentials: Organizations and
// STS. An *organizations.Client and an *sts.Client satisfy them.
type OrgClients struct {
	// DescribeOrganization reads the organization.
	DescribeOrganization DescribeOrganizationAPI
	// ListAccounts lists the member accounts.
	ListAccounts ListAccountsAPI
	// ListParents finds the parent (OU or root) of an account or OU.
	ListParents ListParentsAPI
	// ListTagsForResource reads an account's tags.
	ListTagsForResource ListTagsForResourceAPI
	// GetCallerIdentity names the caller's own account.
	GetCallerIdentity GetCallerIdentityAPI
}

// Role is the role assumed in an account.
type Role struct {
	// ARN of the role, e.g. arn:aws:iam::111122223333:role/SecretWardenAudit.
	ARN string
	// ExternalID passed to AssumeRole when not empty.
	ExternalID string
}

// SessionName is the RoleSessionName of every assumed role (it shows in the
// member accounts' CloudTrail).
const SessionName = "secret-warden"

// ClientFactory builds the clients. SDKFactory is the real one; tests use
// fakes.
type ClientFactory interface {
	// Org returns the clients that use the base credentials.
	Org() *OrgClients
	// Region returns the clients for one account and region, with role
	// assumed, or with the base credentials when role is nil.
	Region(ctx context.Context, accountID, region string, role *Role) (*RegionClients, error)
}
