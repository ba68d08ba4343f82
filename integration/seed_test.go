package integration

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// testOrg is the organization seeded in the emulator, once per run.
type testOrg struct {
	ID         string
	Root       string
	ProdOU     string
	Management string // kumo's management account (123456789012)
	Payments   string // member, in the prod OU, tags env=prod
	Analytics  string // member, under the root
	Sandbox    string // member whose audit role cannot be assumed (fault)
	Data       string // kumo's data account: the caller, a member (see dataAccount)
	Names      map[string]string
}

var (
	orgOnce sync.Once
	orgVal  *testOrg
	orgErr  error
)

// seedOrg creates the organization: CreateOrganization, CreateAccount ×3,
// ListRoots, CreateOrganizationalUnit (all kumo), and sets the layout the
// ListParents / ListTagsForResource stub answers.
func seedOrg(t *testing.T) *testOrg {
	t.Helper()
	orgOnce.Do(func() { orgVal, orgErr = createOrg(context.Background()) })
	if orgErr != nil {
		t.Fatalf("seed the organization: %v", orgErr)
	}
	return orgVal
}

func createOrg(ctx context.Context) (*testOrg, error) {
	c := organizations.NewFromConfig(emu.sdkConfig())
	out, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		return nil, fmt.Errorf("CreateOrganization: %w", err)
	}
	if id := aws.ToString(out.Organization.Id); !awsOrgID.MatchString(id) {
		return nil, fmt.Errorf("organization id %q does not have AWS's shape (the front door should give it)", id)
	}
	o := &testOrg{ID: aws.ToString(out.Organization.Id), Management: aws.ToString(out.Organization.MasterAccountId), Names: map[string]string{}}
	o.Names[o.Management] = "Management Account"
	o.Data = dataAccount
	o.Names[o.Data] = dataAccountName
	for _, a := range []struct {
		name string
		dst  *string
	}{{"payments-prod", &o.Payments}, {"analytics-dev", &o.Analytics}, {"sandbox-unreachable", &o.Sandbox}} {
		ca, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(a.name), Email: aws.String(a.name + "@example.com")})
		if err != nil {
			return nil, fmt.Errorf("CreateAccount %s: %w", a.name, err)
		}
		*a.dst = aws.ToString(ca.CreateAccountStatus.AccountId)
		o.Names[*a.dst] = a.name
	}
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) != 1 {
		return nil, fmt.Errorf("ListRoots: %v (%d roots)", err, len(roots.Roots))
	}
	o.Root = aws.ToString(roots.Roots[0].Id)
	ou, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{Name: aws.String("prod"), ParentId: aws.String(o.Root)})
	if err != nil {
		return nil, fmt.Errorf("CreateOrganizationalUnit: %w", err)
	}
	o.ProdOU = aws.ToString(ou.OrganizationalUnit.Id)
	emu.setLayout(orgLayout{
		Parents: map[string]string{
			o.Management: o.Root, o.Analytics: o.Root, o.Sandbox: o.Root, o.Data: o.Root,
			o.Payments: o.ProdOU, o.ProdOU: o.Root,
		},
		Tags: map[string]map[string]string{
			o.Payments:  {"env": "prod", "cost-center": "payments"},
			o.Analytics: {"env": "dev"},
		},
	})
	return o, nil
}

// accounts is every account id of the organization, sorted.
func (o *testOrg) accounts() []string {
	ids := []string{o.Management, o.Payments, o.Analytics, o.Sandbox, o.Data}
	sort.Strings(ids)
	return ids
}

// createKey creates a customer managed KMS key (kumo) and returns its ARN.
func createKey(ctx context.Context, t *testing.T, desc string) *kmstypes.KeyMetadata {
	t.Helper()
	out, err := kms.NewFromConfig(emu.sdkConfig()).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(desc)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return out.KeyMetadata
}

// secretSpec is a secret to seed.
type secretSpec struct {
	Name     string
	KmsKeyID string            // "" = the AWS managed key
	Tags     map[string]string // sorted by key when created
	Policy   string            // resource policy, "" = none
}

// createSecret seeds one secret (CreateSecret with tags and KmsKeyId, then
// PutResourcePolicy) and deletes it when the test ends. It returns the ARN.
// The secret value is a placeholder: the product must never read it.
func createSecret(ctx context.Context, t *testing.T, s secretSpec) string {
	t.Helper()
	sm := secretsmanager.NewFromConfig(emu.sdkConfig())
	in := &secretsmanager.CreateSecretInput{Name: aws.String(s.Name), SecretString: aws.String("placeholder-never-read")}
	if s.KmsKeyID != "" {
		in.KmsKeyId = aws.String(s.KmsKeyID)
	}
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.Tags = append(in.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(s.Tags[k])})
	}
	out, err := sm.CreateSecret(ctx, in)
	if err != nil {
		t.Fatalf("CreateSecret %s: %v", s.Name, err)
	}
	arn := aws.ToString(out.ARN)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	if s.Policy != "" {
		if _, err := sm.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(s.Policy)}); err != nil {
			t.Fatalf("PutResourcePolicy %s: %v", s.Name, err)
		}
	}
	return arn
}

// Resource policies of the scan fixture.
func publicPolicy() string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
}

func orgRestrictedPolicy(orgID string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"OrgOnly","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + orgID + `"}}}]}`
}

func externalPolicy(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
}

// awsOrgID is the shape of an AWS organization id.
var awsOrgID = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// externalAccount is outside the organization (and not a kumo account).
const externalAccount = "999988887777"

// isAPIError reports whether err carries the AWS error code.
func isAPIError(err error, code string) bool {
	var ae interface{ ErrorCode() string }
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// prefixed keeps the ARNs whose secret name starts with prefix.
func prefixed(arn, prefix string) bool {
	_, name, ok := strings.Cut(arn, ":secret:")
	return ok && strings.HasPrefix(name, prefix)
}
