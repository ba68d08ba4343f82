package awsinv

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// fakeAssume records AssumeRole requests.
type fakeAssume struct {
	mu    sync.Mutex
	calls []sts.AssumeRoleInput
	err   error
}

func (f *fakeAssume) AssumeRole(_ context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, *in)
	if f.err != nil {
		return nil, f.err
	}
	return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{
		AccessKeyId: aws.String("ASIA" + strings.ToUpper(aws.ToString(in.RoleArn)[13:25])), SecretAccessKey: aws.String("secret"),
		SessionToken: aws.String("token"), Expiration: aws.Time(time.Now().Add(time.Hour)),
	}}, nil
}

func baseConfig() aws.Config {
	return aws.Config{
		Region:       east,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIABASE", "base-secret", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:1"), // never dialled in these tests
	}
}

func TestSDKFactoryAssumesRolePerAccount(t *testing.T) {
	ctx := context.Background()
	f := NewSDKFactory(baseConfig(), 5)
	fa := &fakeAssume{}
	f.assume = fa
	role := &Role{ARN: "arn:aws:iam::111122223333:role/SecretWardenAudit", ExternalID: "ext-123"}

	east1, err := f.Region(ctx, payProd, east, role)
	if err != nil {
		t.Fatal(err)
	}
	west1, err := f.Region(ctx, payProd, west, role)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := f.Region(ctx, payProd, east, role); again != east1 {
		t.Error("clients of an account-region must be reused")
	}
	if len(fa.calls) != 1 {
		t.Fatalf("AssumeRole calls %d, want 1 (credentials cached per account)", len(fa.calls))
	}
	in := fa.calls[0]
	if aws.ToString(in.RoleArn) != role.ARN || aws.ToString(in.RoleSessionName) != SessionName || aws.ToString(in.ExternalId) != "ext-123" {
		t.Errorf("AssumeRole input: arn %s session %s external %s", aws.ToString(in.RoleArn), aws.ToString(in.RoleSessionName), aws.ToString(in.ExternalId))
	}
	for name, c := range map[string]*RegionClients{"east": east1, "west": west1} {
		sm := c.ListSecrets.(*secretsmanager.Client).Options()
		creds, err := sm.Credentials.Retrieve(ctx)
		if err != nil || !strings.HasPrefix(creds.AccessKeyID, "ASIA") {
			t.Errorf("%s: Secrets Manager signs with %q (%v), want the assumed role", name, creds.AccessKeyID, err)
		}
		if _, ok := sm.Retryer.(*retry.AdaptiveMode); !ok {
			t.Errorf("%s: retryer %T, want the adaptive retryer", name, sm.Retryer)
		}
		if sm.Retryer.MaxAttempts() != 5 {
			t.Errorf("%s: max attempts %d", name, sm.Retryer.MaxAttempts())
		}
		k := c.DescribeKey.(*kms.Client).Options()
		if kc, _ := k.Credentials.Retrieve(ctx); kc.AccessKeyID != creds.AccessKeyID {
			t.Errorf("%s: KMS signs with %q", name, kc.AccessKeyID)
		}
	}
	if east1.ListSecrets.(*secretsmanager.Client).Options().Region != east || west1.ListSecrets.(*secretsmanager.Client).Options().Region != west {
		t.Error("clients must be regional")
	}

	base, err := f.Region(ctx, mgmt, east, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds, _ := base.ListSecrets.(*secretsmanager.Client).Options().Credentials.Retrieve(ctx)
	if creds.AccessKeyID != "AKIABASE" || len(fa.calls) != 1 {
		t.Errorf("without a role the base credentials sign: %q, AssumeRole calls %d", creds.AccessKeyID, len(fa.calls))
	}

	other := &Role{ARN: "arn:aws:iam::444455556666:role/SecretWardenAudit"}
	if _, err := f.Region(ctx, devAcct, east, other); err != nil {
		t.Fatal(err)
	}
	if len(fa.calls) != 2 || fa.calls[1].ExternalId != nil {
		t.Errorf("second account: %d calls, external id %v", len(fa.calls), fa.calls[len(fa.calls)-1].ExternalId)
	}
}

func TestSDKFactoryReportsRoleThatCannotBeAssumed(t *testing.T) {
	f := NewSDKFactory(baseConfig(), 0)
	f.assume = &fakeAssume{err: apiErr("AccessDenied", "not authorized to perform: sts:AssumeRole")}
	_, err := f.Region(context.Background(), payProd, east, &Role{ARN: "arn:aws:iam::111122223333:role/SecretWardenAudit"})
	if err == nil || !strings.Contains(err.Error(), "assume role arn:aws:iam::111122223333:role/SecretWardenAudit") || errorCode(err) != "AccessDenied" {
		t.Fatalf("want an assume role error carrying AccessDenied, got %v", err)
	}
	if apiText(err) != "AccessDenied: not authorized to perform: sts:AssumeRole" {
		t.Errorf("apiText %q", apiText(err))
	}
}

func TestNewUsesConfigRegion(t *testing.T) {
	inv, err := New(baseConfig(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := inv.Regions(); len(r) != 1 || r[0] != east {
		t.Errorf("regions %v", r)
	}
	if _, err := New(aws.Config{}, Options{}); err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("no region: %v", err)
	}
}
