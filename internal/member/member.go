// Package member hands out AWS SDK configurations whose credentials are one
// of Secret Warden's member-account roles, assumed in the account a call is
// about:
//
//   - Audit (WARDEN_AUDIT_ROLE_NAME): read only: secret metadata, KMS key
//     metadata, CloudTrail LookupEvents;
//   - Responder (WARDEN_RESPONDER_ROLE_NAME): the writes of enforce mode and
//     emergency rotation (PutResourcePolicy with BlockPublicPolicy,
//     DeleteResourcePolicy, RotateSecret);
//   - Findings (WARDEN_FINDINGS_ROLE_NAME): Security Hub BatchImportFindings
//     in the member account, with its default product ARN.
//
// A Provider is built with the roles its function may assume (the table of
// docs/contracts.md); asking it for another role fails with ErrNotAllowed
// before STS is called, so, for instance, the sweep's provider cannot assume
// the Responder at all.
package member

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
)

// Role is one of the member-account roles.
type Role string

// The member-account roles.
const (
	Audit     Role = "audit"
	Responder Role = "responder"
	Findings  Role = "findings"
)

// SessionName is the RoleSessionName of every assumed role (it shows in the
// member accounts' CloudTrail); the same as the inventory's.
const SessionName = "secret-warden"

// Names are the role names (an IAM path may precede the name) and the
// optional sts:ExternalId used for all three.
type Names struct {
	Audit, Responder, Findings string
	ExternalID                 string
}

// ErrNotAllowed is wrapped by the error of a request for a role the
// provider was not built with.
var ErrNotAllowed = errors.New("role not allowed for this function")

// shared is what the views of one provider share: credentials and clients.
type shared struct {
	mu      sync.Mutex
	creds   map[string]*aws.CredentialsCache // by role ARN
	clients map[string]any                   // by role|account|region|kind
}

// Provider assumes member roles. It is safe for concurrent use.
type Provider struct {
	base    aws.Config
	sts     stscreds.AssumeRoleAPIClient
	names   Names
	allowed map[Role]bool
	state   *shared
}

// New returns a provider over the base configuration (the function's own
// credentials) whose STS client assumes the roles; it may assume only the
// allowed roles.
func New(base aws.Config, sts stscreds.AssumeRoleAPIClient, names Names, allowed ...Role) *Provider {
	p := &Provider{base: base.Copy(), sts: sts, names: names, allowed: map[Role]bool{},
		state: &shared{creds: map[string]*aws.CredentialsCache{}, clients: map[string]any{}}}
	for _, r := range allowed {
		p.allowed[r] = true
	}
	return p
}

// Only returns a view of p restricted to the given roles (those p allows),
// sharing p's credentials and clients.
func (p *Provider) Only(roles ...Role) *Provider {
	v := *p
	v.allowed = map[Role]bool{}
	for _, r := range roles {
		if p.allowed[r] {
			v.allowed[r] = true
		}
	}
	return &v
}

// Allows reports whether the provider may assume r.
func (p *Provider) Allows(r Role) bool { return p != nil && p.allowed[r] }

// name is the configured name of r.
func (p *Provider) name(r Role) string {
	switch r {
	case Audit:
		return p.names.Audit
	case Responder:
		return p.names.Responder
	case Findings:
		return p.names.Findings
	}
	return ""
}

// Partition is the AWS partition of a region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	}
	return "aws"
}

// RoleARN is the ARN of role r in an account (the partition comes from the
// region the call is made in).
func (p *Provider) RoleARN(r Role, account, region string) (string, error) {
	if !p.Allows(r) {
		return "", fmt.Errorf("assume the %s role in %s: %w", r, account, ErrNotAllowed)
	}
	name := p.name(r)
	if name == "" {
		return "", fmt.Errorf("assume the %s role in %s: no role name configured", r, account)
	}
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", Partition(region), account, name), nil
}

// Config returns the base configuration in region with the credentials of
// role r assumed in account (cached and refreshed by the SDK; the first use
// assumes the role, so a role that cannot be assumed fails here, named).
func (p *Provider) Config(ctx context.Context, r Role, account, region string) (aws.Config, error) {
	roleARN, err := p.RoleARN(r, account, region)
	if err != nil {
		return aws.Config{}, err
	}
	p.state.mu.Lock()
	c, ok := p.state.creds[roleARN]
	if !ok {
		prov := stscreds.NewAssumeRoleProvider(p.sts, roleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = SessionName
			if p.names.ExternalID != "" {
				o.ExternalID = aws.String(p.names.ExternalID)
			}
		})
		c = aws.NewCredentialsCache(prov)
		p.state.creds[roleARN] = c
	}
	p.state.mu.Unlock()
	if _, err := c.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("assume role %s: %w", roleARN, err)
	}
	cfg := p.base.Copy()
	cfg.Region = region
	cfg.Credentials = c
	return cfg, nil
}

// Clients returns a function that gives the client of kind (a name unique
// per client type) for role r in an account and region, built once by build
// from Config and then reused. It satisfies action.ClientFor.
func Clients[T any](p *Provider, r Role, kind string, build func(aws.Config) T) func(ctx context.Context, account, region string) (T, error) {
	return func(ctx context.Context, account, region string) (T, error) {
		var zero T
		if !p.Allows(r) {
			_, err := p.RoleARN(r, account, region)
			return zero, err
		}
		key := string(r) + "|" + account + "|" + region + "|" + kind
		p.state.mu.Lock()
		if c, ok := p.state.clients[key]; ok {
			p.state.mu.Unlock()
			return c.(T), nil
		}
		p.state.mu.Unlock()
		cfg, err := p.Config(ctx, r, account, region)
		if err != nil {
			return zero, err
		}
		c := build(cfg)
		p.state.mu.Lock()
		defer p.state.mu.Unlock()
		if prev, ok := p.state.clients[key]; ok {
			return prev.(T), nil
		}
		p.state.clients[key] = c
		return c, nil
	}
}
