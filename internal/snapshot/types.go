// Package snapshot holds the offline picture of an organization's Secrets
// Manager estate (format warden.snapshot/v1) and loads it from files.
package snapshot

// SchemaVersion is the only snapshot format this version reads.
const SchemaVersion = "warden.snapshot/v1"

// Snapshot is an organization's state: field names are the AWS APIs'.
type Snapshot struct {
	SchemaVersion string        `json:"schema_version"`
	TakenAt       Time          `json:"taken_at"`
	Organization  Organization  `json:"organization"`
	Accounts      []Account     `json:"accounts"`
	Keys          []Key         `json:"keys"`
	Aliases       []Alias       `json:"aliases,omitempty"`
	Secrets       []SecretEntry `json:"secrets"`
	// OrganizationError says why the organization's account list is not
	// complete (ListAccounts denied, an account entry that could not be
	// read): the checks that need it (whether an account is in the
	// organization) are error rather than judged on a partial list.
	OrganizationError string `json:"organization_error,omitempty"`
}

// Organization is the part of DescribeOrganization the policies use.
type Organization struct {
	ID              string `json:"Id"`
	Arn             string `json:"Arn,omitempty"`
	MasterAccountID string `json:"MasterAccountId,omitempty"`
	// Error is Snapshot.OrganizationError as an inventory hands it on
	// (not written: the snapshot carries it).
	Error string `json:"-"`
}

// Account is an Organizations account with its OU path and tags.
type Account struct {
	ID     string `json:"Id"`
	Arn    string `json:"Arn,omitempty"`
	Name   string `json:"Name,omitempty"`
	Email  string `json:"Email,omitempty"`
	Status string `json:"Status,omitempty"`
	OuPath string `json:"OuPath,omitempty"`
	Tags   []Tag  `json:"Tags,omitempty"`
}

// Tag is a key/value tag as the AWS APIs spell it.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Key is KMS KeyMetadata (DescribeKey).
type Key struct {
	Arn                string `json:"Arn"`
	KeyID              string `json:"KeyId"`
	AWSAccountID       string `json:"AWSAccountId,omitempty"`
	KeyManager         string `json:"KeyManager,omitempty"`
	KeyState           string `json:"KeyState,omitempty"`
	Enabled            *bool  `json:"Enabled,omitempty"`
	KeyRotationEnabled *bool  `json:"KeyRotationEnabled,omitempty"`
	Description        string `json:"Description,omitempty"`
	KeySpec            string `json:"KeySpec,omitempty"`
	MultiRegion        *bool  `json:"MultiRegion,omitempty"`
	CreationDate       Time   `json:"CreationDate,omitzero"`
	// Error says why the key could not be described (DescribeKey denied,
	// throttled) or read from the snapshot: the checks of the secrets using
	// it are error, not an "unknown key" fail.
	Error string `json:"Error,omitempty"`
}

// Alias is a KMS ListAliases entry, optionally scoped to an account and region.
type Alias struct {
	AliasName   string `json:"AliasName"`
	AliasArn    string `json:"AliasArn,omitempty"`
	TargetKeyID string `json:"TargetKeyId,omitempty"`
	AccountID   string `json:"AccountId,omitempty"`
	Region      string `json:"Region,omitempty"`
}

// SecretEntry is one secret in one account and region.
type SecretEntry struct {
	AccountID string `json:"AccountId"`
	Region    string `json:"Region"`
	Secret    Secret `json:"Secret"`
	// ResourcePolicy is the GetResourcePolicy ResourcePolicy string; nil when none.
	ResourcePolicy *string `json:"ResourcePolicy"`
	// Error records why the secret could not be read (live inventory only):
	// every check of it is error.
	Error string `json:"Error,omitempty"`
	// ResourcePolicyError records why its resource policy could not be read
	// (GetResourcePolicy failed): only the checks that read the policy are
	// error.
	ResourcePolicyError string `json:"ResourcePolicyError,omitempty"`
	// Invalid lists the fields that could not be read from the snapshot or
	// hold impossible values (not written back): the checks that read them
	// are error, the others are evaluated.
	Invalid []InvalidField `json:"-"`
	// Source names where the entry was read, e.g. "org/a.json#secrets[3]".
	Source string `json:"-"`
	// Line is the 1-based line of the entry in Source's file (0: unknown).
	Line int `json:"-"`
	// Origin is set for a secret declared by an infrastructure-as-code
	// template rather than read from AWS (warden scan --template).
	Origin *Origin `json:"-"`
	// Notes qualify parts of the entry's policy input: unknown values,
	// state that cannot exist yet, assumed values.
	Notes []InputNote `json:"-"`
}

// Origin is where a secret that does not exist yet is declared: a resource
// of a CloudFormation template, a CDK cloud assembly or a Terraform plan.
type Origin struct {
	// ID identifies the secret in findings in place of its ARN, which does
	// not exist yet: "template:<file>#<logical id>".
	ID string
	// ResourceType is the resource's type (AWS::SecretsManager::Secret,
	// aws_secretsmanager_secret).
	ResourceType string
	// LogicalID is the CloudFormation logical id or the Terraform address.
	LogicalID string
	// File is the template file.
	File string
	// Line is the 1-based line of the resource in File (0 when unknown:
	// Terraform plans carry no lines).
	Line int
}

// NoteKind is what an InputNote says about a part of the policy input.
type NoteKind uint8

// Kinds of input notes.
const (
	// NoteUnknown: the value could not be determined (a template value that
	// cannot be resolved statically). Every check whose verdict can depend
	// on it is an error finding with the note's reason.
	NoteUnknown NoteKind = iota + 1
	// NoteInapplicable: the value cannot exist yet (the runtime state of a
	// secret not deployed). Every check whose verdict can depend on it is
	// not_applicable with the note's reason.
	NoteInapplicable
	// NoteAssumed: the value was assumed (a template parameter's default).
	// Every check whose verdict can depend on it says so in its message.
	NoteAssumed
)

// InputNote qualifies one part of an entry's policy input.
type InputNote struct {
	// Path is the dotted path of the part in the policy input, e.g.
	// "secret.KmsKeyId", "kms_key", "ages" ("" is the whole input).
	Path string
	Kind NoteKind
	// Reason is the note's text, e.g. "cannot resolve KmsKeyId: {Fn::ImportValue: shared-key}".
	Reason string
}

// InvalidField is a field of an entry that could not be used.
type InvalidField struct {
	// Field is its path in the entry, in the snapshot's names:
	// "Secret.RotationRules.AutomaticallyAfterDays", "Secret.Tags[2]".
	Field string
	// Msg says what is wrong.
	Msg string
}

// Secret is a DescribeSecret response.
type Secret struct {
	ARN                string              `json:"ARN"`
	Name               string              `json:"Name"`
	Description        string              `json:"Description,omitempty"`
	KmsKeyID           string              `json:"KmsKeyId,omitempty"`
	RotationEnabled    bool                `json:"RotationEnabled"`
	RotationLambdaARN  string              `json:"RotationLambdaARN,omitempty"`
	RotationRules      *RotationRules      `json:"RotationRules,omitempty"`
	LastRotatedDate    Time                `json:"LastRotatedDate,omitzero"`
	LastChangedDate    Time                `json:"LastChangedDate,omitzero"`
	LastAccessedDate   Time                `json:"LastAccessedDate,omitzero"`
	DeletedDate        Time                `json:"DeletedDate,omitzero"`
	NextRotationDate   Time                `json:"NextRotationDate,omitzero"`
	CreatedDate        Time                `json:"CreatedDate,omitzero"`
	Tags               []Tag               `json:"Tags,omitempty"`
	VersionIdsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
	OwningService      string              `json:"OwningService,omitempty"`
	PrimaryRegion      string              `json:"PrimaryRegion,omitempty"`
	ReplicationStatus  []ReplicationStatus `json:"ReplicationStatus,omitempty"`
}

// RotationRules is DescribeSecret's RotationRules.
type RotationRules struct {
	AutomaticallyAfterDays *int64 `json:"AutomaticallyAfterDays,omitempty"`
	Duration               string `json:"Duration,omitempty"`
	ScheduleExpression     string `json:"ScheduleExpression,omitempty"`
}

// ReplicationStatus is one replica of a secret.
type ReplicationStatus struct {
	Region           string `json:"Region"`
	KmsKeyID         string `json:"KmsKeyId,omitempty"`
	Status           string `json:"Status,omitempty"`
	StatusMessage    string `json:"StatusMessage,omitempty"`
	LastAccessedDate Time   `json:"LastAccessedDate,omitzero"`
}

// Tag returns the value of the tag with key k, and whether it is present.
func (s *Secret) Tag(k string) (string, bool) {
	for _, t := range s.Tags {
		if t.Key == k {
			return t.Value, true
		}
	}
	return "", false
}
