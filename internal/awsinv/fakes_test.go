package awsinv

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/secretwarden/warden/internal/snapshot"
)

const (
	mgmt    = "111111111111"
	payProd = "111122223333"
	devAcct = "444455556666"
	east    = "us-east-1"
	west    = "us-west-2"
)

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func secretARN(account, region, name string) string {
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", region, account, name)
}

// fakeSM is Secrets Manager in one account-region.
type fakeSM struct {
	account, region string
	names           []string // listed, in this order
	pageSize        int
	listErr         error // returned by every ListSecrets call
	listErrAtPage   int   // page index from which listErr applies
	describeErr     map[string]error
	policyErr       map[string]error
	policies        map[string]string
	kmsKey          map[string]string
	replicas        map[string][]smtypes.ReplicationStatusType
	primary         map[string]string

	listCalls, describeCalls, policyCalls atomic.Int32
	includeDeleted                        atomic.Bool
}

func (f *fakeSM) arn(name string) string { return secretARN(f.account, f.region, name) }

func (f *fakeSM) nameOf(arn string) string {
	for _, n := range f.names {
		if f.arn(n) == arn {
			return n
		}
	}
	return ""
}

func (f *fakeSM) ListSecrets(_ context.Context, in *secretsmanager.ListSecretsInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	f.listCalls.Add(1)
	f.includeDeleted.Store(aws.ToBool(in.IncludePlannedDeletion))
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	size := f.pageSize
	if size == 0 {
		size = 2
	}
	if f.listErr != nil && start/size >= f.listErrAtPage {
		return nil, f.listErr
	}
	out := &secretsmanager.ListSecretsOutput{}
	end := min(start+size, len(f.names))
	for _, n := range f.names[start:end] {
		out.SecretList = append(out.SecretList, smtypes.SecretListEntry{ARN: aws.String(f.arn(n)), Name: aws.String(n), PrimaryRegion: strPtr(f.primary[n])})
	}
	if end < len(f.names) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (f *fakeSM) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.describeCalls.Add(1)
	arn := aws.ToString(in.SecretId)
	if err := f.describeErr[arn]; err != nil {
		return nil, err
	}
	n := f.nameOf(arn)
	if n == "" {
		return nil, apiErr("ResourceNotFoundException", "no such secret")
	}
	return &secretsmanager.DescribeSecretOutput{
		ARN: aws.String(arn), Name: aws.String(n), CreatedDate: aws.Time(created),
		KmsKeyId: strPtr(f.kmsKey[n]), RotationEnabled: aws.Bool(true),
		RotationRules:     &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
		Tags:              []smtypes.Tag{{Key: aws.String("owner"), Value: aws.String("team-" + n)}},
		ReplicationStatus: f.replicas[n], PrimaryRegion: strPtr(f.primary[n]),
		VersionIdsToStages: map[string][]string{"v1": {"AWSCURRENT"}},
	}, nil
}

func (f *fakeSM) GetResourcePolicy(_ context.Context, in *secretsmanager.GetResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error) {
	f.policyCalls.Add(1)
	arn := aws.ToString(in.SecretId)
	if err := f.policyErr[arn]; err != nil {
		return nil, err
	}
	out := &secretsmanager.GetResourcePolicyOutput{ARN: aws.String(arn)}
	if p, ok := f.policies[f.nameOf(arn)]; ok {
		out.ResourcePolicy = aws.String(p)
	}
	return out, nil
}

// fakeKMS is KMS in one account-region.
type fakeKMS struct {
	account, region string
	keys            map[string]*kmstypes.KeyMetadata // by key id
	aliases         []kmstypes.AliasListEntry
	describeErr     error
	describeCalls   atomic.Int32
	aliasCalls      atomic.Int32
}

func (f *fakeKMS) addKey(id, manager string, aliases ...string) string {
	arn := fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", f.region, f.account, id)
	if f.keys == nil {
		f.keys = map[string]*kmstypes.KeyMetadata{}
	}
	f.keys[id] = &kmstypes.KeyMetadata{KeyId: aws.String(id), Arn: aws.String(arn), AWSAccountId: aws.String(f.account),
		KeyManager: kmstypes.KeyManagerType(manager), KeyState: kmstypes.KeyStateEnabled, Enabled: true}
	for _, a := range aliases {
		f.aliases = append(f.aliases, kmstypes.AliasListEntry{AliasName: aws.String(a), TargetKeyId: aws.String(id),
			AliasArn: aws.String(fmt.Sprintf("arn:aws:kms:%s:%s:%s", f.region, f.account, a))})
	}
	return arn
}

func (f *fakeKMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	f.describeCalls.Add(1)
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	ref := aws.ToString(in.KeyId)
	for id, k := range f.keys {
		if ref == id || ref == aws.ToString(k.Arn) {
			return &kms.DescribeKeyOutput{KeyMetadata: k}, nil
		}
	}
	for _, a := range f.aliases {
		if ref == aws.ToString(a.AliasName) || ref == aws.ToString(a.AliasArn) {
			return &kms.DescribeKeyOutput{KeyMetadata: f.keys[aws.ToString(a.TargetKeyId)]}, nil
		}
	}
	return nil, apiErr("NotFoundException", "key "+ref+" not found")
}

func (f *fakeKMS) ListAliases(_ context.Context, in *kms.ListAliasesInput, _ ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	f.aliasCalls.Add(1)
	start := 0
	if in.Marker != nil {
		start, _ = strconv.Atoi(*in.Marker)
	}
	end := min(start+1, len(f.aliases))
	out := &kms.ListAliasesOutput{Aliases: f.aliases[start:end]}
	if end < len(f.aliases) {
		out.Truncated = true
		out.NextMarker = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// fakeOrg is Organizations and STS seen from the caller.
type fakeOrg struct {
	caller        string
	callerARN     string
	org           *orgtypes.Organization
	describeErr   error
	accounts      []orgtypes.Account
	listErr       error
	parents       map[string]orgtypes.Parent
	tags          map[string][]orgtypes.Tag
	tagsErr       map[string]error
	parentCalls   sync.Map // child → *atomic.Int32
	listPageCalls atomic.Int32
}

func (f *fakeOrg) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	return &organizations.DescribeOrganizationOutput{Organization: f.org}, nil
}

func (f *fakeOrg) ListAccounts(_ context.Context, in *organizations.ListAccountsInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	f.listPageCalls.Add(1)
	if f.listErr != nil {
		return nil, f.listErr
	}
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	end := min(start+1, len(f.accounts))
	out := &organizations.ListAccountsOutput{Accounts: f.accounts[start:end]}
	if end < len(f.accounts) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeOrg) ListParents(_ context.Context, in *organizations.ListParentsInput, _ ...func(*organizations.Options)) (*organizations.ListParentsOutput, error) {
	child := aws.ToString(in.ChildId)
	n, _ := f.parentCalls.LoadOrStore(child, new(atomic.Int32))
	n.(*atomic.Int32).Add(1)
	p, ok := f.parents[child]
	if !ok {
		return nil, apiErr("ChildNotFoundException", child)
	}
	return &organizations.ListParentsOutput{Parents: []orgtypes.Parent{p}}, nil
}

func (f *fakeOrg) parentCallsOf(child string) int {
	n, ok := f.parentCalls.Load(child)
	if !ok {
		return 0
	}
	return int(n.(*atomic.Int32).Load())
}

func (f *fakeOrg) ListTagsForResource(_ context.Context, in *organizations.ListTagsForResourceInput, _ ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error) {
	id := aws.ToString(in.ResourceId)
	if err := f.tagsErr[id]; err != nil {
		return nil, err
	}
	return &organizations.ListTagsForResourceOutput{Tags: f.tags[id]}, nil
}

func (f *fakeOrg) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	arn := f.callerARN
	if arn == "" {
		arn = "arn:aws:sts::" + f.caller + ":assumed-role/Admin/me"
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String(f.caller), Arn: aws.String(arn)}, nil
}

func (f *fakeOrg) clients() *OrgClients {
	return &OrgClients{DescribeOrganization: f, ListAccounts: f, ListParents: f, ListTagsForResource: f, GetCallerIdentity: f}
}

// roleCall records one Region request.
type roleCall struct {
	account, region string
	role            *Role
}

// fakeFactory hands out the fakes of each account-region.
type fakeFactory struct {
	org       *fakeOrg
	sm        map[string]*fakeSM
	kms       map[string]*fakeKMS
	assumeErr map[string]error // by account
	mu        sync.Mutex
	calls     []roleCall
}

func newFakeFactory(org *fakeOrg) *fakeFactory {
	return &fakeFactory{org: org, sm: map[string]*fakeSM{}, kms: map[string]*fakeKMS{}, assumeErr: map[string]error{}}
}

func (f *fakeFactory) region(account, region string, names ...string) (*fakeSM, *fakeKMS) {
	sm := &fakeSM{account: account, region: region, names: names, policies: map[string]string{}, kmsKey: map[string]string{},
		describeErr: map[string]error{}, policyErr: map[string]error{}, replicas: map[string][]smtypes.ReplicationStatusType{}, primary: map[string]string{}}
	k := &fakeKMS{account: account, region: region}
	f.sm[account+"|"+region] = sm
	f.kms[account+"|"+region] = k
	return sm, k
}

func (f *fakeFactory) Org() *OrgClients { return f.org.clients() }

func (f *fakeFactory) Region(_ context.Context, account, region string, role *Role) (*RegionClients, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, roleCall{account, region, role})
	if err := f.assumeErr[account]; err != nil && role != nil {
		return nil, fmt.Errorf("assume role %s: %w", role.ARN, err)
	}
	sm, ok := f.sm[account+"|"+region]
	if !ok {
		sm, _ = f.region(account, region)
	}
	k := f.kms[account+"|"+region]
	return &RegionClients{ListSecrets: sm, DescribeSecret: sm, GetResourcePolicy: sm, DescribeKey: k, ListAliases: k}, nil
}

func account(id, name string, paths ...string) orgtypes.Account {
	return orgtypes.Account{Id: aws.String(id), Name: aws.String(name), State: orgtypes.AccountStateActive,
		Arn: aws.String("arn:aws:organizations::" + mgmt + ":account/o-exampleorg/" + id), Paths: paths}
}

// sampleOrg is an organization of three accounts: the management account,
// payments-prod under r-root/ou-prod/ou-payments and dev under r-root/ou-dev.
func sampleOrg() *fakeOrg {
	return &fakeOrg{
		caller: mgmt,
		org:    &orgtypes.Organization{Id: aws.String("o-exampleorg"), MasterAccountId: aws.String(mgmt), Arn: aws.String("arn:aws:organizations::" + mgmt + ":organization/o-exampleorg")},
		accounts: []orgtypes.Account{
			account(payProd, "payments-prod"), account(mgmt, "management"), account(devAcct, "dev"),
		},
		parents: map[string]orgtypes.Parent{
			payProd:       {Id: aws.String("ou-payments"), Type: orgtypes.ParentTypeOrganizationalUnit},
			"ou-payments": {Id: aws.String("ou-prod"), Type: orgtypes.ParentTypeOrganizationalUnit},
			"ou-prod":     {Id: aws.String("r-root"), Type: orgtypes.ParentTypeRoot},
			devAcct:       {Id: aws.String("ou-dev"), Type: orgtypes.ParentTypeOrganizationalUnit},
			"ou-dev":      {Id: aws.String("r-root"), Type: orgtypes.ParentTypeRoot},
			mgmt:          {Id: aws.String("r-root"), Type: orgtypes.ParentTypeRoot},
		},
		tags: map[string][]orgtypes.Tag{payProd: {{Key: aws.String("env"), Value: aws.String("prod")}}},
	}
}

// logBuffer captures the inventory's log.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var b bytes.Buffer
	return slog.New(slog.NewTextHandler(&syncWriter{w: &b}, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// collect runs Secrets and returns the entries in callback order.
func collect(ctx context.Context, inv *Inventory) ([]snapshot.SecretEntry, error) {
	var out []snapshot.SecretEntry
	err := inv.Secrets(ctx, func(e *snapshot.SecretEntry) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

// byARN indexes entries.
func byARN(entries []snapshot.SecretEntry) map[string]snapshot.SecretEntry {
	m := map[string]snapshot.SecretEntry{}
	for _, e := range entries {
		m[e.Secret.ARN] = e
	}
	return m
}
