// Package lambdatest holds in-memory fakes of the AWS calls the handlers
// and `warden rotate` make through awsinv, for unit tests: an organization,
// Secrets Manager and KMS per account-region, and the SQS, SNS and
// EventBridge calls of the actions; and the built-in engine, compiled once.
package lambdatest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/secretwarden/warden/internal/awsinv"
)

// APIError returns an AWS API error with code and message.
func APIError(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

// Throttled is a throttling error (transient).
func Throttled() error { return APIError("ThrottlingException", "Rate exceeded") }

// SecretARN is the ARN of a fake secret.
func SecretARN(account, region, name string) string {
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", region, account, name)
}

// Secret is one fake secret.
type Secret struct {
	Name string
	// RotationLambdaARN, when set, makes the secret rotatable.
	RotationLambdaARN string
	// Pending marks a rotation in progress (AWSPENDING on another version).
	Pending bool
	// Policy is its resource policy ("" = none).
	Policy string
	// Tags are its tags.
	Tags map[string]string
	// KmsKeyID is its key ("" = the AWS managed key).
	KmsKeyID string
}

// Region is Secrets Manager and KMS in one account-region.
type Region struct {
	Account, Name string
	Secrets       []Secret
	// ListErr fails every ListSecrets call.
	ListErr error
	// DescribeErr and PolicyErr fail the calls for one secret (by ARN).
	DescribeErr map[string]error
	PolicyErr   map[string]error
	// RotateErr fails RotateSecret.
	RotateErr error
	// Puts and Deletes are the PutResourcePolicy requests and the
	// DeleteResourcePolicy secret ids received.
	Puts    []secretsmanager.PutResourcePolicyInput
	Deletes []string

	mu       sync.Mutex
	rotated  []string
	tokens   []string
	describe int
	list     int
}

// ARN is the ARN of the named secret.
func (r *Region) ARN(name string) string { return SecretARN(r.Account, r.Name, name) }

func (r *Region) find(id string) *Secret {
	for i := range r.Secrets {
		s := &r.Secrets[i]
		if id == r.ARN(s.Name) || id == s.Name || id == fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s", r.Name, r.Account, s.Name) {
			return s
		}
	}
	return nil
}

// Rotated returns the ARNs RotateSecret was called for, in order.
func (r *Region) Rotated() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.rotated...)
}

// Tokens returns the ClientRequestTokens of the RotateSecret calls.
func (r *Region) Tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tokens...)
}

// Calls returns how many ListSecrets and DescribeSecret calls were made.
func (r *Region) Calls() (list, describe int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.list, r.describe
}

// ListSecrets implements awsinv.ListSecretsAPI (one page).
func (r *Region) ListSecrets(context.Context, *secretsmanager.ListSecretsInput, ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	r.mu.Lock()
	r.list++
	r.mu.Unlock()
	if r.ListErr != nil {
		return nil, r.ListErr
	}
	out := &secretsmanager.ListSecretsOutput{}
	for _, s := range r.Secrets {
		out.SecretList = append(out.SecretList, smtypes.SecretListEntry{ARN: aws.String(r.ARN(s.Name)), Name: aws.String(s.Name)})
	}
	return out, nil
}

var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// DescribeSecret implements awsinv.DescribeSecretAPI.
func (r *Region) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	r.mu.Lock()
	r.describe++
	r.mu.Unlock()
	id := aws.ToString(in.SecretId)
	if err := r.DescribeErr[id]; err != nil {
		return nil, err
	}
	s := r.find(id)
	if s == nil {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	}
	out := &secretsmanager.DescribeSecretOutput{
		ARN: aws.String(r.ARN(s.Name)), Name: aws.String(s.Name), CreatedDate: aws.Time(created),
		LastChangedDate: aws.Time(created), VersionIdsToStages: map[string][]string{"v1": {"AWSCURRENT"}},
	}
	if s.KmsKeyID != "" {
		out.KmsKeyId = aws.String(s.KmsKeyID)
	}
	if s.RotationLambdaARN != "" {
		out.RotationEnabled = aws.Bool(true)
		out.RotationLambdaARN = aws.String(s.RotationLambdaARN)
		out.RotationRules = &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}
		out.LastRotatedDate = aws.Time(created)
	}
	if s.Pending {
		out.VersionIdsToStages["v2"] = []string{"AWSPENDING"}
	}
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Tags = append(out.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(s.Tags[k])})
	}
	return out, nil
}

// GetResourcePolicy implements awsinv.GetResourcePolicyAPI.
func (r *Region) GetResourcePolicy(_ context.Context, in *secretsmanager.GetResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error) {
	id := aws.ToString(in.SecretId)
	if err := r.PolicyErr[id]; err != nil {
		return nil, err
	}
	s := r.find(id)
	if s == nil {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("not found")}
	}
	out := &secretsmanager.GetResourcePolicyOutput{ARN: aws.String(r.ARN(s.Name)), Name: aws.String(s.Name)}
	if s.Policy != "" {
		out.ResourcePolicy = aws.String(s.Policy)
	}
	return out, nil
}

// PutResourcePolicy records the request and replaces the policy
// (action.PutResourcePolicyAPI). Like Secrets Manager with
// BlockPublicPolicy, it refuses a policy with a "*" principal.
func (r *Region) PutResourcePolicy(_ context.Context, in *secretsmanager.PutResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutResourcePolicyOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Puts = append(r.Puts, *in)
	s := r.find(aws.ToString(in.SecretId))
	if s == nil {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("not found")}
	}
	if aws.ToBool(in.BlockPublicPolicy) && strings.Contains(aws.ToString(in.ResourcePolicy), `"Principal":"*"`) {
		return nil, &smtypes.PublicPolicyException{Message: aws.String("public policy blocked")}
	}
	s.Policy = aws.ToString(in.ResourcePolicy)
	return &secretsmanager.PutResourcePolicyOutput{ARN: in.SecretId}, nil
}

// DeleteResourcePolicy records the call and removes the policy
// (action.DeleteResourcePolicyAPI).
func (r *Region) DeleteResourcePolicy(_ context.Context, in *secretsmanager.DeleteResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DeleteResourcePolicyOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Deletes = append(r.Deletes, aws.ToString(in.SecretId))
	s := r.find(aws.ToString(in.SecretId))
	if s == nil {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("not found")}
	}
	s.Policy = ""
	return &secretsmanager.DeleteResourcePolicyOutput{ARN: in.SecretId}, nil
}

// RotateSecret records the call (action.RotateSecretAPI).
func (r *Region) RotateSecret(_ context.Context, in *secretsmanager.RotateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error) {
	if r.RotateErr != nil {
		return nil, r.RotateErr
	}
	if !aws.ToBool(in.RotateImmediately) {
		return nil, fmt.Errorf("lambdatest: RotateImmediately must be set")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotated = append(r.rotated, aws.ToString(in.SecretId))
	r.tokens = append(r.tokens, aws.ToString(in.ClientRequestToken))
	return &secretsmanager.RotateSecretOutput{ARN: in.SecretId, VersionId: in.ClientRequestToken}, nil
}

// DescribeKey implements awsinv.DescribeKeyAPI: every key is a customer
// managed key of this account-region.
func (r *Region) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	id := aws.ToString(in.KeyId)
	arn := fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", r.Name, r.Account, id)
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{
		KeyId: aws.String(id), Arn: aws.String(arn), AWSAccountId: aws.String(r.Account),
		KeyManager: kmstypes.KeyManagerTypeCustomer, KeyState: kmstypes.KeyStateEnabled, Enabled: true,
	}}, nil
}

// ListAliases implements awsinv.ListAliasesAPI (none).
func (r *Region) ListAliases(context.Context, *kms.ListAliasesInput, ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	return &kms.ListAliasesOutput{}, nil
}

// Factory is an organization of accounts with their regions; it implements
// awsinv.ClientFactory.
type Factory struct {
	// Caller is the management (central) account.
	Caller string
	// OrgID is the organization id.
	OrgID string
	// Accounts are the member account ids (the caller included or not).
	Accounts []string
	// Suspended are accounts listed but not active.
	Suspended []string
	// AssumeErr fails the role assumption in an account.
	AssumeErr map[string]error
	// OrgErr fails DescribeOrganization (e.g. AccessDeniedException: the
	// caller is not allowed to read Organizations).
	OrgErr error

	mu      sync.Mutex
	regions map[string]*Region
	roles   map[string]*awsinv.Role
}

// NewFactory returns an organization o-exampleorg1 managed by caller.
func NewFactory(caller string, accounts ...string) *Factory {
	return &Factory{Caller: caller, OrgID: "o-exampleorg1", Accounts: accounts, AssumeErr: map[string]error{},
		regions: map[string]*Region{}, roles: map[string]*awsinv.Role{}}
}

// Region returns (creating it) the fake of an account-region.
func (f *Factory) Region(account, region string, secrets ...Secret) *Region {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.regionLocked(account, region, secrets...)
}

func (f *Factory) regionLocked(account, region string, secrets ...Secret) *Region {
	key := account + "|" + region
	r, ok := f.regions[key]
	if !ok {
		r = &Region{Account: account, Name: region, DescribeErr: map[string]error{}, PolicyErr: map[string]error{}}
		f.regions[key] = r
	}
	if len(secrets) > 0 {
		r.Secrets = append(r.Secrets, secrets...)
	}
	return r
}

// RoleUsed returns the role last used for an account (nil: base credentials).
func (f *Factory) RoleUsed(account string) *awsinv.Role {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.roles[account]
}

// Org implements awsinv.ClientFactory.
func (f *Factory) Org() *awsinv.OrgClients {
	o := &org{f: f}
	return &awsinv.OrgClients{DescribeOrganization: o, ListAccounts: o, ListParents: o, ListTagsForResource: o, GetCallerIdentity: o}
}

// Clients implements awsinv.ClientFactory's Region.
func (f *Factory) clients(account, region string, role *awsinv.Role) (*awsinv.RegionClients, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roles[account] = role
	if err := f.AssumeErr[account]; err != nil && role != nil {
		return nil, fmt.Errorf("assume role %s: %w", role.ARN, err)
	}
	r := f.regionLocked(account, region)
	return &awsinv.RegionClients{ListSecrets: r, DescribeSecret: r, GetResourcePolicy: r, DescribeKey: r, ListAliases: r}, nil
}

// Region implements awsinv.ClientFactory (see Clients).
type factoryAdapter struct{ *Factory }

// ClientFactory returns f as an awsinv.ClientFactory.
func (f *Factory) ClientFactory() awsinv.ClientFactory { return factoryAdapter{f} }

// Region implements awsinv.ClientFactory.
func (a factoryAdapter) Region(_ context.Context, account, region string, role *awsinv.Role) (*awsinv.RegionClients, error) {
	return a.clients(account, region, role)
}

// org is Organizations and STS seen from the caller.
type org struct{ f *Factory }

func (o *org) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	if o.f.OrgErr != nil {
		return nil, o.f.OrgErr
	}
	return &organizations.DescribeOrganizationOutput{Organization: &orgtypes.Organization{
		Id: aws.String(o.f.OrgID), MasterAccountId: aws.String(o.f.Caller),
	}}, nil
}

func (o *org) ListAccounts(_ context.Context, in *organizations.ListAccountsInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	var all []orgtypes.Account
	for _, id := range append([]string{o.f.Caller}, o.f.Accounts...) {
		all = append(all, orgtypes.Account{Id: aws.String(id), Name: aws.String("acct-" + id), State: orgtypes.AccountStateActive})
	}
	for _, id := range o.f.Suspended {
		all = append(all, orgtypes.Account{Id: aws.String(id), Name: aws.String("acct-" + id), State: orgtypes.AccountStateSuspended})
	}
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	end := min(start+2, len(all))
	out := &organizations.ListAccountsOutput{Accounts: all[start:end]}
	if end < len(all) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (o *org) ListParents(context.Context, *organizations.ListParentsInput, ...func(*organizations.Options)) (*organizations.ListParentsOutput, error) {
	return &organizations.ListParentsOutput{Parents: []orgtypes.Parent{{Id: aws.String("r-root"), Type: orgtypes.ParentTypeRoot}}}, nil
}

func (o *org) ListTagsForResource(context.Context, *organizations.ListTagsForResourceInput, ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error) {
	return &organizations.ListTagsForResourceOutput{}, nil
}

func (o *org) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Account: aws.String(o.f.Caller), Arn: aws.String("arn:aws:sts::" + o.f.Caller + ":assumed-role/warden/fn")}, nil
}

// SNS records published messages (action.PublishAPI).
type SNS struct {
	mu       sync.Mutex
	Messages []string
	Subjects []string
	// Err fails every Publish.
	Err error
}

// Publish implements action.PublishAPI.
func (s *SNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return nil, s.Err
	}
	s.Messages = append(s.Messages, aws.ToString(in.Message))
	s.Subjects = append(s.Subjects, aws.ToString(in.Subject))
	return &sns.PublishOutput{MessageId: aws.String(strconv.Itoa(len(s.Messages)))}, nil
}

// Len is the number of messages published.
func (s *SNS) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.Messages)
}

// SQS records sent messages (SendMessage and SendMessageBatch).
type SQS struct {
	mu sync.Mutex
	// Bodies are the bodies sent, in order.
	Bodies []string
	// Batches are the sizes of the SendMessageBatch calls.
	Batches []int
	// FailIDs makes these batch entry ids fail once (Failed entries).
	FailIDs map[string]bool
	// Err fails every call.
	Err error
}

// SendMessage implements action.SendMessageAPI.
func (q *SQS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.Err != nil {
		return nil, q.Err
	}
	q.Bodies = append(q.Bodies, aws.ToString(in.MessageBody))
	return &sqs.SendMessageOutput{MessageId: aws.String(strconv.Itoa(len(q.Bodies)))}, nil
}

// SendMessageBatch implements the SQS SendMessageBatch call.
func (q *SQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.Err != nil {
		return nil, q.Err
	}
	if len(in.Entries) > 10 {
		return nil, APIError("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "at most 10 entries")
	}
	q.Batches = append(q.Batches, len(in.Entries))
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		id := aws.ToString(e.Id)
		if q.FailIDs[id] {
			delete(q.FailIDs, id)
			out.Failed = append(out.Failed, sqstypes.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), SenderFault: false, Message: aws.String("try again")})
			continue
		}
		q.Bodies = append(q.Bodies, aws.ToString(e.MessageBody))
		out.Successful = append(out.Successful, sqstypes.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String(strconv.Itoa(len(q.Bodies)))})
	}
	return out, nil
}

// Sent returns the bodies sent so far.
func (q *SQS) Sent() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.Bodies...)
}

// EventBridge records PutEvents entries (action.PutEventsAPI).
type EventBridge struct {
	mu      sync.Mutex
	Details []string
}

// PutEvents implements action.PutEventsAPI.
func (e *EventBridge) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range in.Entries {
		e.Details = append(e.Details, aws.ToString(x.DetailType)+" "+aws.ToString(x.Detail))
	}
	return &eventbridge.PutEventsOutput{}, nil
}
