package member

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// fakeSTS answers AssumeRole and records the requests.
type fakeSTS struct {
	mu    sync.Mutex
	calls []sts.AssumeRoleInput
	err   error
}

func (f *fakeSTS) AssumeRole(_ context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, *in)
	if f.err != nil {
		return nil, f.err
	}
	return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{
		AccessKeyId: aws.String("ASIA" + *in.RoleArn), SecretAccessKey: aws.String("s"), SessionToken: aws.String("t"),
		Expiration: aws.Time(time.Now().Add(time.Hour)),
	}}, nil
}

func names() Names {
	return Names{Audit: "SecretWardenAudit", Responder: "sec/SecretWardenResponder", Findings: "SecretWardenFindings", ExternalID: "ext-1"}
}

func TestConfigAssumesTheNamedRoleOnce(t *testing.T) {
	f := &fakeSTS{}
	p := New(aws.Config{Region: "us-east-1"}, f, names(), Audit, Responder, Findings)
	ctx := context.Background()
	for _, region := range []string{"us-east-1", "eu-west-1", "us-east-1"} {
		cfg, err := p.Config(ctx, Responder, "222222222222", region)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Region != region {
			t.Errorf("region %s, want %s", cfg.Region, region)
		}
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil || creds.AccessKeyID != "ASIAarn:aws:iam::222222222222:role/sec/SecretWardenResponder" {
			t.Errorf("credentials %+v %v", creds, err)
		}
	}
	if len(f.calls) != 1 {
		t.Fatalf("one AssumeRole per role and account, shared by regions: %d", len(f.calls))
	}
	c := f.calls[0]
	if aws.ToString(c.RoleSessionName) != SessionName || aws.ToString(c.ExternalId) != "ext-1" {
		t.Errorf("AssumeRole request %+v", c)
	}
	if _, err := p.Config(ctx, Findings, "222222222222", "cn-north-1"); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(f.calls[1].RoleArn); got != "arn:aws-cn:iam::222222222222:role/SecretWardenFindings" {
		t.Errorf("partition from the region: %s", got)
	}
}

func TestOnlyCannotBeAskedForOtherRoles(t *testing.T) {
	f := &fakeSTS{}
	full := New(aws.Config{Region: "us-east-1"}, f, names(), Audit, Responder, Findings)
	sweep := full.Only(Audit, Findings)
	if sweep.Allows(Responder) || !sweep.Allows(Audit) || !sweep.Allows(Findings) {
		t.Fatal("the view allows exactly the roles named")
	}
	_, err := sweep.Config(context.Background(), Responder, "222222222222", "us-east-1")
	if !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("want ErrNotAllowed, got %v", err)
	}
	get := Clients(sweep, Responder, "x", func(aws.Config) string { return "client" })
	if _, err := get(context.Background(), "222222222222", "us-east-1"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("clients of a role not allowed: %v", err)
	}
	if len(f.calls) != 0 {
		t.Fatalf("STS must never be asked: %+v", f.calls)
	}
	// A view cannot widen what its parent allows.
	if full.Only(Audit).Only(Audit, Responder).Allows(Responder) {
		t.Error("Only widened the roles")
	}
}

func TestClientsAreCachedAndFailuresNamed(t *testing.T) {
	f := &fakeSTS{}
	p := New(aws.Config{}, f, names(), Audit)
	built := 0
	get := Clients(p, Audit, "n", func(cfg aws.Config) *int { built++; n := built; return &n })
	a, err := get(context.Background(), "333333333333", "us-east-1")
	b, _ := get(context.Background(), "333333333333", "us-east-1")
	if err != nil || a != b || built != 1 {
		t.Fatalf("cached client: %v %v %v built %d", a, b, err, built)
	}
	f.err = errors.New("AccessDenied: not authorized to perform sts:AssumeRole")
	_, err = get(context.Background(), "444444444444", "us-east-1")
	if err == nil || !strings.Contains(err.Error(), "assume role arn:aws:iam::444444444444:role/SecretWardenAudit") {
		t.Fatalf("the role that could not be assumed is named: %v", err)
	}
}
