package awsinv

import (
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretwarden/warden/internal/snapshot"
)

// ts converts an SDK timestamp (nil = absent).
func ts(t *time.Time) snapshot.Time {
	if t == nil {
		return snapshot.Time{}
	}
	return snapshot.NewTime(*t)
}

func smTags(in []smtypes.Tag) []snapshot.Tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]snapshot.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, snapshot.Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	return out
}

func rotationRules(r *smtypes.RotationRulesType) *snapshot.RotationRules {
	if r == nil {
		return nil
	}
	return &snapshot.RotationRules{
		AutomaticallyAfterDays: r.AutomaticallyAfterDays,
		Duration:               aws.ToString(r.Duration),
		ScheduleExpression:     aws.ToString(r.ScheduleExpression),
	}
}

func stages(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// fromListEntry converts a ListSecrets entry (SecretVersionsToStages is
// DescribeSecret's VersionIdsToStages; ReplicationStatus is not listed).
func fromListEntry(e *smtypes.SecretListEntry) snapshot.Secret {
	return snapshot.Secret{
		ARN:                aws.ToString(e.ARN),
		Name:               aws.ToString(e.Name),
		Description:        aws.ToString(e.Description),
		KmsKeyID:           aws.ToString(e.KmsKeyId),
		RotationEnabled:    aws.ToBool(e.RotationEnabled),
		RotationLambdaARN:  aws.ToString(e.RotationLambdaARN),
		RotationRules:      rotationRules(e.RotationRules),
		LastRotatedDate:    ts(e.LastRotatedDate),
		LastChangedDate:    ts(e.LastChangedDate),
		LastAccessedDate:   ts(e.LastAccessedDate),
		DeletedDate:        ts(e.DeletedDate),
		NextRotationDate:   ts(e.NextRotationDate),
		CreatedDate:        ts(e.CreatedDate),
		Tags:               smTags(e.Tags),
		VersionIdsToStages: stages(e.SecretVersionsToStages),
		OwningService:      aws.ToString(e.OwningService),
		PrimaryRegion:      aws.ToString(e.PrimaryRegion),
	}
}

// fromDescribe converts a DescribeSecret response.
func fromDescribe(o *secretsmanager.DescribeSecretOutput) snapshot.Secret {
	s := snapshot.Secret{
		ARN:                aws.ToString(o.ARN),
		Name:               aws.ToString(o.Name),
		Description:        aws.ToString(o.Description),
		KmsKeyID:           aws.ToString(o.KmsKeyId),
		RotationEnabled:    aws.ToBool(o.RotationEnabled),
		RotationLambdaARN:  aws.ToString(o.RotationLambdaARN),
		RotationRules:      rotationRules(o.RotationRules),
		LastRotatedDate:    ts(o.LastRotatedDate),
		LastChangedDate:    ts(o.LastChangedDate),
		LastAccessedDate:   ts(o.LastAccessedDate),
		DeletedDate:        ts(o.DeletedDate),
		NextRotationDate:   ts(o.NextRotationDate),
		CreatedDate:        ts(o.CreatedDate),
		Tags:               smTags(o.Tags),
		VersionIdsToStages: stages(o.VersionIdsToStages),
		OwningService:      aws.ToString(o.OwningService),
		PrimaryRegion:      aws.ToString(o.PrimaryRegion),
	}
	for _, r := range o.ReplicationStatus {
		s.ReplicationStatus = append(s.ReplicationStatus, snapshot.ReplicationStatus{
			Region:           aws.ToString(r.Region),
			KmsKeyID:         aws.ToString(r.KmsKeyId),
			Status:           string(r.Status),
			StatusMessage:    aws.ToString(r.StatusMessage),
			LastAccessedDate: ts(r.LastAccessedDate),
		})
	}
	return s
}

// fromKeyMetadata converts KMS KeyMetadata. KeyRotationEnabled is not part
// of it (GetKeyRotationStatus) and stays unset.
func fromKeyMetadata(m *kmstypes.KeyMetadata) *snapshot.Key {
	enabled := m.Enabled
	return &snapshot.Key{
		Arn:          aws.ToString(m.Arn),
		KeyID:        aws.ToString(m.KeyId),
		AWSAccountID: aws.ToString(m.AWSAccountId),
		KeyManager:   string(m.KeyManager),
		KeyState:     string(m.KeyState),
		Enabled:      &enabled,
		Description:  aws.ToString(m.Description),
		KeySpec:      string(m.KeySpec),
		MultiRegion:  m.MultiRegion,
		CreationDate: ts(m.CreationDate),
	}
}

// fromAccount converts an Organizations account (State, else the
// deprecated Status).
func fromAccount(a *orgtypes.Account) snapshot.Account {
	status := string(a.State)
	if status == "" {
		status = string(a.Status)
	}
	return snapshot.Account{
		ID:     aws.ToString(a.Id),
		Arn:    aws.ToString(a.Arn),
		Name:   aws.ToString(a.Name),
		Email:  aws.ToString(a.Email),
		Status: status,
	}
}

func orgTags(in []orgtypes.Tag) []snapshot.Tag {
	out := make([]snapshot.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, snapshot.Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
