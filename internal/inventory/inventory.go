// Package inventory is the port through which the engine reads the state of
// an organization's secrets, and its in-memory implementation over a
// snapshot (also used as the working copy that replay mutates).
package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/secretwarden/warden/internal/snapshot"
)

// AWSManagedAlias is the alias of the AWS managed key for Secrets Manager.
const AWSManagedAlias = "alias/aws/secretsmanager"

// Inventory is the read port of the engine. The snapshot adapter (State) and
// the AWS adapter implement it.
type Inventory interface {
	// Organization returns the organization and its accounts.
	Organization(ctx context.Context) (snapshot.Organization, []snapshot.Account, error)
	// Secrets calls fn for every secret entry, in a stable order. An entry
	// that could not be read carries the reason in its Error field.
	Secrets(ctx context.Context, fn func(*snapshot.SecretEntry) error) error
	// Key resolves a secret's KmsKeyId (empty, key id, key ARN, alias name or
	// alias ARN) in the given account and region.
	Key(ctx context.Context, accountID, region, ref string) (*ResolvedKey, error)
}

// ResolvedKey is a key's metadata with the alias names that point at it.
type ResolvedKey struct {
	// Key is the KeyMetadata; nil when the key is unknown.
	Key *snapshot.Key
	// AliasNames are the aliases naming the key ("alias/…").
	AliasNames []string
	// AWSManaged is true for the AWS managed key aws/secretsmanager.
	AWSManaged bool
}

// IsAWSManagedRef reports whether a KmsKeyId reference names the AWS managed key.
func IsAWSManagedRef(ref string) bool {
	return ref == "" || ref == AWSManagedAlias || strings.HasSuffix(ref, ":"+AWSManagedAlias)
}

// ARNParts splits an ARN "arn:partition:service:region:account:resource".
type ARNParts struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN splits an ARN; ok is false when s is not one.
func ParseARN(s string) (ARNParts, bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return ARNParts{}, false
	}
	return ARNParts{Partition: p[1], Service: p[2], Region: p[3], Account: p[4], Resource: p[5]}, true
}

// scoped builds a lookup key scoped to an account and region.
func scoped(account, region, name string) string {
	return account + "|" + region + "|" + name
}

// ErrKeyNotFound is wrapped by the errors of Key for a key that does not
// exist (not in the snapshot; DescribeKey NotFoundException): the key
// checks fail ("unknown key"). Any other error of Key means the key could
// not be read (DescribeKey denied or throttled; a snapshot entry that could
// not be read): the key checks are error.
var ErrKeyNotFound = errors.New("key not found")

// errUnknown is returned for lookups that find nothing.
type errUnknown struct{ what, ref string }

func (e *errUnknown) Error() string {
	return fmt.Sprintf("%s %q not found in the inventory", e.what, e.ref)
}

// Unwrap makes an unknown key an ErrKeyNotFound.
func (e *errUnknown) Unwrap() error {
	if e.what == "KMS key" {
		return ErrKeyNotFound
	}
	return nil
}

// KeyRefName canonicalizes a key reference in an account-region to the
// (account, region, name) that names it: the key id for a key ARN or id,
// "alias/NAME" for an alias name or ARN.
func KeyRefName(account, region, ref string) (string, string, string) {
	if p, ok := ParseARN(ref); ok {
		return p.Account, p.Region, strings.TrimPrefix(p.Resource, "key/")
	}
	return account, region, ref
}
