package action_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
	arn    = "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf"
	topic  = "arn:aws:sns:us-east-1:999999999999:warden-alerts"
)

var t0 = time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC)

var quiet = slog.New(slog.DiscardHandler)

// fakeSNS records Publish calls.
type fakeSNS struct {
	mu  sync.Mutex
	in  []*sns.PublishInput
	err error
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	f.in = append(f.in, in)
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("m-%d", len(f.in)))}, nil
}

// fakeHub is Security Hub in one account and region: it records the
// BatchImportFindings calls, fails the findings whose Id is in fail (with
// that error code, once when the code is transient) and the calls with err.
type fakeHub struct {
	account, region string
	imports         [][]shtypes.AwsSecurityFinding
	fail            map[string]string
	err             error
}

func (f *fakeHub) BatchImportFindings(_ context.Context, in *securityhub.BatchImportFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error) {
	if len(in.Findings) > 100 {
		return nil, errors.New("InvalidInputException: more than 100 findings")
	}
	f.imports = append(f.imports, in.Findings)
	if f.err != nil {
		return nil, f.err
	}
	out := &securityhub.BatchImportFindingsOutput{}
	for _, x := range in.Findings {
		// With the default product ARN, only the calling account's own
		// findings are accepted (API Reference, "BatchImportFindings").
		if f.account != "" && (aws.ToString(x.AwsAccountId) != f.account || aws.ToString(x.ProductArn) != action.ProductARN("aws", f.region, f.account)) {
			out.FailedFindings = append(out.FailedFindings, shtypes.ImportFindingsError{Id: x.Id, ErrorCode: aws.String("AccessDeniedException"), ErrorMessage: aws.String("not this account's finding")})
			continue
		}
		if code := f.fail[aws.ToString(x.Id)]; code != "" {
			out.FailedFindings = append(out.FailedFindings, shtypes.ImportFindingsError{Id: x.Id, ErrorCode: aws.String(code), ErrorMessage: aws.String("bad")})
			if code == "ThrottlingException" {
				delete(f.fail, aws.ToString(x.Id))
			}
		}
	}
	out.FailedCount = aws.Int32(int32(len(out.FailedFindings)))
	out.SuccessCount = aws.Int32(int32(len(in.Findings) - len(out.FailedFindings)))
	return out, nil
}

// hubs are the Security Hubs of several account-regions, handed out as
// SecurityHub.Clients does (a role that cannot be assumed fails there).
type hubs struct {
	by     map[string]*fakeHub
	denied map[string]bool
	asked  []string
}

func newHubs() *hubs { return &hubs{by: map[string]*fakeHub{}, denied: map[string]bool{}} }

func (h *hubs) get(account, region string) *fakeHub {
	k := account + "/" + region
	if h.by[k] == nil {
		h.by[k] = &fakeHub{account: account, region: region, fail: map[string]string{}}
	}
	return h.by[k]
}

func (h *hubs) clients() action.ClientFor[action.BatchImportFindingsAPI] {
	return func(_ context.Context, account, region string) (action.BatchImportFindingsAPI, error) {
		h.asked = append(h.asked, account+"/"+region)
		if h.denied[account] {
			return nil, errors.New("assume role arn:aws:iam::" + account + ":role/SecretWardenFindings: AccessDenied")
		}
		return h.get(account, region), nil
	}
}

// fakeBus records PutEvents calls; failFirst[i] makes the i-th entry of the
// first call fail with that code.
type fakeBus struct {
	calls     [][]ebtypes.PutEventsRequestEntry
	failFirst map[int]string
	failAll   string
}

func (f *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	if len(in.Entries) > 10 {
		return nil, errors.New("ValidationException: more than 10 entries")
	}
	f.calls = append(f.calls, in.Entries)
	out := &eventbridge.PutEventsOutput{}
	for i := range in.Entries {
		code := ""
		if len(f.calls) == 1 {
			code = f.failFirst[i]
		}
		if f.failAll != "" {
			code = f.failAll
		}
		if code != "" {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String("failed")})
		} else {
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String(fmt.Sprint(i))})
		}
	}
	return out, nil
}

// fakeSM is one secret's Secrets Manager: a resource policy and rotations.
type fakeSM struct {
	mu       sync.Mutex
	policy   *string
	puts     []*secretsmanager.PutResourcePolicyInput
	deletes  int
	rotates  []*secretsmanager.RotateSecretInput
	getErr   error
	rotErr   error
	describe *secretsmanager.DescribeSecretOutput
}

func (f *fakeSM) GetResourcePolicy(_ context.Context, in *secretsmanager.GetResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil {
		return nil, f.getErr
	}
	return &secretsmanager.GetResourcePolicyOutput{ARN: in.SecretId, ResourcePolicy: f.policy}, nil
}

func (f *fakeSM) PutResourcePolicy(_ context.Context, in *secretsmanager.PutResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutResourcePolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, in)
	f.policy = in.ResourcePolicy
	return &secretsmanager.PutResourcePolicyOutput{ARN: in.SecretId}, nil
}

func (f *fakeSM) DeleteResourcePolicy(_ context.Context, in *secretsmanager.DeleteResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DeleteResourcePolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes++
	f.policy = nil
	return &secretsmanager.DeleteResourcePolicyOutput{ARN: in.SecretId}, nil
}

func (f *fakeSM) RotateSecret(_ context.Context, in *secretsmanager.RotateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rotErr != nil {
		return nil, f.rotErr
	}
	f.rotates = append(f.rotates, in)
	return &secretsmanager.RotateSecretOutput{ARN: in.SecretId, VersionId: in.ClientRequestToken}, nil
}

func (f *fakeSM) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	if f.describe == nil {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("not found")}
	}
	return f.describe, nil
}

func (f *fakeSM) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.puts) + f.deletes + len(f.rotates)
}

// policyReads resolves every account and region to sm, recording where
// (the Audit role's reads).
func policyReads(sm *fakeSM, where *[]string) action.ClientFor[action.GetResourcePolicyAPI] {
	return func(_ context.Context, account, region string) (action.GetResourcePolicyAPI, error) {
		if where != nil {
			*where = append(*where, "read "+account+"/"+region)
		}
		return sm, nil
	}
}

// policyWrites resolves every account and region to sm, recording where
// (the Responder role's writes).
func policyWrites(sm *fakeSM, where *[]string) action.ClientFor[action.ResourcePolicyWriteAPI] {
	return func(_ context.Context, account, region string) (action.ResourcePolicyWriteAPI, error) {
		if where != nil {
			*where = append(*where, "write "+account+"/"+region)
		}
		return sm, nil
	}
}

func rotateClients(sm *fakeSM) action.ClientFor[action.RotateSecretAPI] {
	return func(context.Context, string, string) (action.RotateSecretAPI, error) { return sm, nil }
}

// fakeSQS records SendMessage calls.
type fakeSQS struct{ in []*sqs.SendMessageInput }

func (f *fakeSQS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.in = append(f.in, in)
	return &sqs.SendMessageOutput{MessageId: aws.String("q-1")}, nil
}

// newStore is a store over the in-memory DynamoDB fake.
func newStore(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	s := store.New(storetest.New(t, "tbl"), "tbl")
	s.Now = now
	return s
}

// newRails are rails over sm's DescribeSecret and st.
func newRails(sm *fakeSM, st *store.Store, now func() time.Time, ann rails.Announcer) *rails.Rails {
	return &rails.Rails{
		Describe: func(context.Context, string, string) (rails.DescribeSecretAPI, error) { return sm, nil },
		Store:    st, Limits: rails.DefaultLimits(), Announcer: ann, Now: now, Log: quiet,
	}
}

func rotatable() *secretsmanager.DescribeSecretOutput {
	return &secretsmanager.DescribeSecretOutput{
		ARN: aws.String(arn), RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:111122223333:function:rotate"),
		VersionIdsToStages: map[string][]string{"v1": {"AWSCURRENT"}},
	}
}
