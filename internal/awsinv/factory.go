package awsinv

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// SDKFactory builds real SDK clients from a base configuration (typically
// config.LoadDefaultConfig, which honours AWS_PROFILE, AWS_REGION and
// AWS_ENDPOINT_URL). Every client uses the adaptive retryer; the credentials
// of each assumed role are cached (aws.NewCredentialsCache) and shared by
// every region of the account. It is safe for concurrent use.
type SDKFactory struct {
	base    aws.Config
	assume  stscreds.AssumeRoleAPIClient
	org     *OrgClients
	mu      sync.Mutex
	creds   map[Role]*aws.CredentialsCache
	clients map[string]*RegionClients
}

// callerMaxAttempts bounds GetCallerIdentity.
const callerMaxAttempts = 3

// NewSDKFactory returns a factory over cfg whose calls make up to
// maxAttempts attempts (DefaultMaxAttempts when not positive).
func NewSDKFactory(cfg aws.Config, maxAttempts int) *SDKFactory {
	return newSDKFactory(cfg, func() aws.Retryer { return NewRetryer(maxAttempts) })
}

func newSDKFactory(cfg aws.Config, retryer func() aws.Retryer) *SDKFactory {
	base := cfg.Copy()
	base.Retryer = retryer
	stsClient := sts.NewFromConfig(base)
	// The first call of a run: a wrong endpoint or no network should fail in
	// seconds, not after the sweep's generous retry budget.
	callerClient := sts.NewFromConfig(base, func(o *sts.Options) {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, callerMaxAttempts)
	})
	orgClient := organizations.NewFromConfig(base)
	return &SDKFactory{
		base:   base,
		assume: stsClient,
		org: &OrgClients{
			DescribeOrganization: orgClient,
			ListAccounts:         orgClient,
			ListParents:          orgClient,
			ListTagsForResource:  orgClient,
			GetCallerIdentity:    callerClient,
		},
		creds:   map[Role]*aws.CredentialsCache{},
		clients: map[string]*RegionClients{},
	}
}

// Org implements ClientFactory.
func (f *SDKFactory) Org() *OrgClients { return f.org }

// Region implements ClientFactory. With a role, the role is assumed first
// (once per account, the credentials are cached) so that a role that cannot
// be assumed is reported as such rather than as the failure of a later call.
func (f *SDKFactory) Region(ctx context.Context, accountID, region string, role *Role) (*RegionClients, error) {
	key := accountID + "|" + region
	f.mu.Lock()
	if c, ok := f.clients[key]; ok {
		f.mu.Unlock()
		return c, nil
	}
	cfg := f.base.Copy()
	cfg.Region = region
	if role != nil {
		cfg.Credentials = f.credentialsLocked(*role)
	}
	f.mu.Unlock()
	if role != nil {
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("assume role %s: %w", role.ARN, err)
		}
	}
	sm := secretsmanager.NewFromConfig(cfg)
	k := kms.NewFromConfig(cfg)
	c := &RegionClients{ListSecrets: sm, DescribeSecret: sm, GetResourcePolicy: sm, DescribeKey: k, ListAliases: k}
	f.mu.Lock()
	defer f.mu.Unlock()
	if prev, ok := f.clients[key]; ok {
		return prev, nil
	}
	f.clients[key] = c
	return c, nil
}

func (f *SDKFactory) credentialsLocked(role Role) *aws.CredentialsCache {
	if c, ok := f.creds[role]; ok {
		return c
	}
	p := stscreds.NewAssumeRoleProvider(f.assume, role.ARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = SessionName
		if role.ExternalID != "" {
			o.ExternalID = aws.String(role.ExternalID)
		}
	})
	c := aws.NewCredentialsCache(p)
	f.creds[role] = c
	return c
}
