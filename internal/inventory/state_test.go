package inventory

import (
	"context"
	"testing"

	"github.com/secretwarden/warden/internal/snapshot"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
	keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	secARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf"
)

func sample() *snapshot.Snapshot {
	return &snapshot.Snapshot{
		Accounts: []snapshot.Account{{ID: acct, Name: "payments"}},
		Keys: []snapshot.Key{
			{Arn: keyARN, KeyManager: "CUSTOMER", KeyState: "Enabled"},
			{Arn: "arn:aws:kms:eu-west-1:111122223333:key/mrk-1", KeyManager: "CUSTOMER"},
		},
		Aliases: []snapshot.Alias{
			{AliasName: "alias/payments", AliasArn: "arn:aws:kms:us-east-1:111122223333:alias/payments", TargetKeyID: "1234abcd-12ab-34cd-56ef-1234567890ab"},
		},
		Secrets: []snapshot.SecretEntry{{AccountID: acct, Region: region, Secret: snapshot.Secret{ARN: secARN, Name: "payments/db"}}},
	}
}

func TestKeyResolvesEveryReferenceForm(t *testing.T) {
	st := NewState(sample())
	ctx := context.Background()
	for _, ref := range []string{keyARN, "1234abcd-12ab-34cd-56ef-1234567890ab", "alias/payments", "arn:aws:kms:us-east-1:111122223333:alias/payments"} {
		k, err := st.Key(ctx, acct, region, ref)
		if err != nil || k.Key == nil || k.Key.Arn != keyARN {
			t.Fatalf("%s: %+v %v", ref, k, err)
		}
		if len(k.AliasNames) != 1 || k.AliasNames[0] != "alias/payments" || k.AWSManaged {
			t.Errorf("%s: aliases %v managed %v", ref, k.AliasNames, k.AWSManaged)
		}
	}
	for _, ref := range []string{"", "alias/aws/secretsmanager", "arn:aws:kms:us-east-1:111122223333:alias/aws/secretsmanager"} {
		k, err := st.Key(ctx, acct, region, ref)
		if err != nil || !k.AWSManaged {
			t.Errorf("%q should be the AWS managed key: %+v %v", ref, k, err)
		}
	}
	if _, err := st.Key(ctx, acct, region, "alias/nope"); err == nil {
		t.Error("unknown alias must be an error")
	}
	if _, err := st.Key(ctx, acct, "eu-west-1", "alias/payments"); err == nil {
		t.Error("aliases are scoped to their region")
	}
}

func TestLookupByNamePartialAndFullARN(t *testing.T) {
	st := NewState(sample())
	for _, ref := range []string{secARN, "payments/db", "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db"} {
		if e := st.Lookup(acct, region, ref); e == nil || e.Secret.ARN != secARN {
			t.Errorf("%s: not found", ref)
		}
	}
	if st.Lookup(acct, "eu-west-1", "payments/db") != nil {
		t.Error("a name is scoped to its region")
	}
	e := st.Put(snapshot.SecretEntry{AccountID: acct, Region: "eu-west-1", Secret: snapshot.Secret{ARN: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:new-QwErTy", Name: "new"}})
	if st.Lookup(acct, "eu-west-1", "new") != e || st.Len() != 2 {
		t.Error("Put did not index the new secret")
	}
}
