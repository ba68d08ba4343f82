package inventory

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/secretwarden/warden/internal/snapshot"
)

// State is an indexed, mutable copy of a snapshot. It implements Inventory
// and gives replay the lookups and updates it needs. It is not safe for
// concurrent mutation; concurrent reads are fine.
type State struct {
	snap      *snapshot.Snapshot
	accounts  map[string]*snapshot.Account
	keysByARN map[string]*snapshot.Key
	keysByID  map[string]*snapshot.Key // scoped id and bare id
	aliases   map[string]string        // scoped alias name → key ARN or id
	aliasesOf map[string][]string      // key ARN → alias names
	secrets   map[string]int           // ARN → index in snap.Secrets
	byName    map[string]int           // scoped name → index
	// unreadable holds the keys that could not be read (Key.Error), by
	// KeyRefName scoped.
	unreadable map[string]string
}

// NewState indexes s. It keeps and mutates s.
func NewState(s *snapshot.Snapshot) *State {
	st := &State{
		snap:      s,
		accounts:  make(map[string]*snapshot.Account, len(s.Accounts)),
		keysByARN: make(map[string]*snapshot.Key, len(s.Keys)),
		keysByID:  make(map[string]*snapshot.Key, 2*len(s.Keys)),
		aliases:   make(map[string]string, len(s.Aliases)),
		aliasesOf: make(map[string][]string),
		secrets:   make(map[string]int, len(s.Secrets)),
		byName:    make(map[string]int, len(s.Secrets)),
	}
	for i := range s.Accounts {
		st.accounts[s.Accounts[i].ID] = &s.Accounts[i]
	}
	for i := range s.Keys {
		k := &s.Keys[i]
		if k.Error != "" {
			if st.unreadable == nil {
				st.unreadable = map[string]string{}
			}
			ref := k.Arn
			if ref == "" {
				ref = k.KeyID
			}
			a, r, n := KeyRefName(k.AWSAccountID, "", ref)
			st.unreadable[scoped(a, r, n)] = k.Error
			continue
		}
		arn := k.Arn
		if p, ok := ParseARN(arn); ok {
			if k.KeyID == "" {
				k.KeyID = strings.TrimPrefix(p.Resource, "key/")
			}
			if k.AWSAccountID == "" {
				k.AWSAccountID = p.Account
			}
			st.keysByID[scoped(p.Account, p.Region, k.KeyID)] = k
		}
		if arn != "" {
			st.keysByARN[arn] = k
		}
		if k.KeyID != "" {
			st.keysByID[k.KeyID] = k
		}
	}
	for _, a := range s.Aliases {
		account, region := a.AccountID, a.Region
		if p, ok := ParseARN(a.AliasArn); ok {
			account, region = p.Account, p.Region
		}
		st.aliases[scoped(account, region, a.AliasName)] = a.TargetKeyID
		if key := st.lookupKeyID(account, region, a.TargetKeyID); key != nil {
			st.aliasesOf[key.Arn] = append(st.aliasesOf[key.Arn], a.AliasName)
		}
	}
	for i := range s.Secrets {
		st.indexSecret(i)
	}
	return st
}

// Snapshot returns the underlying (possibly mutated) snapshot.
func (st *State) Snapshot() *snapshot.Snapshot { return st.snap }

func (st *State) indexSecret(i int) {
	e := &st.snap.Secrets[i]
	if e.Secret.ARN != "" {
		st.secrets[e.Secret.ARN] = i
	}
	if e.Secret.Name != "" {
		st.byName[scoped(e.AccountID, e.Region, e.Secret.Name)] = i
	}
}

// Organization implements Inventory; the organization's Error is the
// snapshot's OrganizationError.
func (st *State) Organization(context.Context) (snapshot.Organization, []snapshot.Account, error) {
	org := st.snap.Organization
	if org.Error == "" {
		org.Error = st.snap.OrganizationError
	}
	return org, st.snap.Accounts, nil
}

// Account returns the account with the given id, or nil.
func (st *State) Account(id string) *snapshot.Account { return st.accounts[id] }

// Secrets implements Inventory, in snapshot order.
func (st *State) Secrets(ctx context.Context, fn func(*snapshot.SecretEntry) error) error {
	for i := range st.snap.Secrets {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("list secrets: %w", err)
		}
		if err := fn(&st.snap.Secrets[i]); err != nil {
			return err
		}
	}
	return nil
}

// Len is the number of secrets.
func (st *State) Len() int { return len(st.snap.Secrets) }

// Lookup finds a secret by full ARN, partial ARN (no random suffix) or name
// within an account and region. It returns nil when unknown.
func (st *State) Lookup(account, region, ref string) *snapshot.SecretEntry {
	if ref == "" {
		return nil
	}
	if i, ok := st.secrets[ref]; ok {
		return &st.snap.Secrets[i]
	}
	name := ref
	if p, ok := ParseARN(ref); ok && p.Service == "secretsmanager" {
		account, region = p.Account, p.Region
		name = strings.TrimPrefix(p.Resource, "secret:")
	}
	if i, ok := st.byName[scoped(account, region, name)]; ok {
		return &st.snap.Secrets[i]
	}
	return nil
}

// Put adds or replaces a secret entry (by ARN) and returns the stored entry.
func (st *State) Put(e snapshot.SecretEntry) *snapshot.SecretEntry {
	if i, ok := st.secrets[e.Secret.ARN]; ok {
		st.snap.Secrets[i] = e
		st.indexSecret(i)
		return &st.snap.Secrets[i]
	}
	st.snap.Secrets = append(st.snap.Secrets, e)
	i := len(st.snap.Secrets) - 1
	st.indexSecret(i)
	return &st.snap.Secrets[i]
}

// Key implements Inventory over the snapshot's keys and aliases.
func (st *State) Key(_ context.Context, account, region, ref string) (*ResolvedKey, error) {
	if IsAWSManagedRef(ref) {
		if k := st.lookupAlias(account, region, AWSManagedAlias); k != nil {
			return &ResolvedKey{Key: k, AliasNames: st.aliasesOf[k.Arn], AWSManaged: true}, nil
		}
		return &ResolvedKey{AliasNames: []string{AWSManagedAlias}, AWSManaged: true}, nil
	}
	if len(st.unreadable) > 0 {
		a, r, n := KeyRefName(account, region, ref)
		msg, ok := st.unreadable[scoped(a, r, n)]
		if !ok {
			msg, ok = st.unreadable[scoped(a, "", n)]
		}
		if !ok {
			msg, ok = st.unreadable[scoped("", "", n)]
		}
		if ok {
			return nil, &KeyError{Ref: ref, Reason: msg}
		}
	}
	var k *snapshot.Key
	if p, ok := ParseARN(ref); ok {
		switch {
		case strings.HasPrefix(p.Resource, "key/"):
			k = st.keysByARN[ref]
			if k == nil {
				k = st.lookupKeyID(p.Account, p.Region, strings.TrimPrefix(p.Resource, "key/"))
			}
		case strings.HasPrefix(p.Resource, "alias/"):
			k = st.lookupAlias(p.Account, p.Region, p.Resource)
		}
	} else if strings.HasPrefix(ref, "alias/") {
		k = st.lookupAlias(account, region, ref)
	} else {
		k = st.lookupKeyID(account, region, ref)
	}
	if k == nil {
		return nil, &errUnknown{what: "KMS key", ref: ref}
	}
	aws := k.KeyManager == "AWS"
	names := append([]string(nil), st.aliasesOf[k.Arn]...)
	sort.Strings(names)
	return &ResolvedKey{Key: k, AliasNames: names, AWSManaged: aws}, nil
}

func (st *State) lookupKeyID(account, region, id string) *snapshot.Key {
	if id == "" {
		return nil
	}
	if k := st.keysByARN[id]; k != nil {
		return k
	}
	if k := st.keysByID[scoped(account, region, id)]; k != nil {
		return k
	}
	return st.keysByID[id]
}

func (st *State) lookupAlias(account, region, name string) *snapshot.Key {
	target, ok := st.aliases[scoped(account, region, name)]
	if !ok {
		target, ok = st.aliases[scoped("", "", name)]
	}
	if !ok {
		return nil
	}
	return st.lookupKeyID(account, region, target)
}

// KeyError says why a key could not be read.
type KeyError struct {
	Ref    string
	Reason string
}

func (e *KeyError) Error() string { return "KMS key " + e.Ref + " could not be read: " + e.Reason }
