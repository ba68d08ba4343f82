// Package awsinv is the AWS adapter of the inventory port
// (inventory.Inventory): it reads an organization's Secrets Manager estate
// live, with aws-sdk-go-v2.
//
// # What it reads
//
// Organization discovery uses Organizations DescribeOrganization and
// ListAccounts (management or delegated-administrator account), the OU path
// of each account (from ListAccounts Paths when well formed, else ListParents
// walking up to the root) and the account tags (ListTagsForResource). When
// Organizations is not in use or denies access, the inventory falls back to
// the caller's own account (STS GetCallerIdentity) and says so on the logger.
//
// In every account (an assumed role in member accounts, the base credentials
// in the caller's own account) and every region it lists the secrets
// (ListSecrets with IncludePlannedDeletion, so secrets pending deletion are
// seen), describes each one (DescribeSecret, see below), reads its resource
// policy (GetResourcePolicy) and resolves KMS keys on demand (DescribeKey,
// cached per account, region and reference; ListAliases cached per
// account-region). It never reads a secret value: no code path calls
// GetSecretValue or BatchGetSecretValue, and a test proves it.
//
// # DescribeSecret for every secret
//
// ListSecrets does not return ReplicationStatus, and whether it fills
// PrimaryRegion for a primary secret is not documented, so by default every
// secret is described: the snapshot then holds the authoritative
// DescribeSecret response, exactly as the format promises. DescribeSecret's
// quota (40,000 TPS) makes this free in practice; GetResourcePolicy (50 TPS)
// is the real bound of a sweep. Options.DescribeReplicatedOnly trades that
// for fewer calls: list entries are used as they are and only secrets with a
// PrimaryRegion are described.
//
// # Rates, retries and failures
//
// Calls are rate limited per account-region and API family (Limits, 80% of
// the quotas in DESIGN.md by default) and retried by the SDK's adaptive
// retryer (NewRetryer), so throttling slows a sweep down rather than reaching
// the findings. What cannot be read is never a silent pass: an account-region
// that cannot be listed yields one entry with the placeholder ARN
// arn:<partition>:secretsmanager:<region>:<account>:secret:* and Error set;
// a secret whose DescribeSecret or GetResourcePolicy failed keeps its own ARN
// with Error set. The engine turns such entries into error findings.
//
// # Order
//
// Secrets calls its callback from the calling goroutine, sorted by account
// id, then region, then secret name (ARN on a tie); placeholder entries come
// after the secrets of their account-region. Account-regions are read in
// parallel and streamed in that order as soon as their turn comes.
package awsinv
