package awsinv

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

func TestSnapshotMaterializesLiveState(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	sm, k := f.region(payProd, east, "db", "api", "legacy", "broken")
	keyARN := k.addKey("k-db", "CUSTOMER", "alias/payments")
	k.addKey("k-unused", "CUSTOMER", "alias/unused")
	sm.kmsKey["db"] = "alias/payments"
	sm.kmsKey["api"] = keyARN
	sm.kmsKey["broken"] = "alias/payments"
	sm.policyErr[sm.arn("broken")] = apiErr("AccessDeniedException", "no")
	sm.primary["db"] = east
	sm.replicas["db"] = []smtypes.ReplicationStatusType{{Region: aws.String(west), KmsKeyId: aws.String("alias/replica")}}
	sm.policies["api"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:DescribeSecret","Resource":"*"}]}`
	_, kw := f.region(payProd, west)
	replicaARN := kw.addKey("k-rep", "CUSTOMER", "alias/replica")
	denied, _ := f.region(devAcct, east)
	denied.listErr = apiErr("AccessDeniedException", "no")

	at := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	inv := newTestInventory(t, f, Options{Regions: []string{east}, Now: func() time.Time { return at }})
	snap, err := inv.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.SchemaVersion != snapshot.SchemaVersion || !snap.TakenAt.Equal(at) || snap.Organization.ID != "o-exampleorg" || len(snap.Accounts) != 3 {
		t.Fatalf("header %+v", snap)
	}
	if len(snap.Keys) != 2 || snap.Keys[0].Arn != keyARN || snap.Keys[1].Arn != replicaARN {
		t.Errorf("keys: want the referenced ones only, got %+v", snap.Keys)
	}
	if len(snap.Aliases) != 2 || snap.Aliases[0].AliasName != "alias/payments" || snap.Aliases[0].TargetKeyID != "k-db" || snap.Aliases[0].Region != east {
		t.Errorf("aliases %+v", snap.Aliases)
	}
	var errs, policyErrs int
	for _, e := range snap.Secrets {
		if e.Error != "" {
			errs++
		}
		if e.ResourcePolicyError != "" {
			policyErrs++
		}
	}
	if len(snap.Secrets) != 5 || errs != 1 || policyErrs != 1 {
		t.Errorf("secrets %d (errors %d, unread policies %d), want 4 + 1 placeholder, 1 secret whose policy was denied", len(snap.Secrets), errs, policyErrs)
	}

	// The document reads back as a snapshot whose State resolves keys as
	// the live inventory did.
	raw, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	back, err := snapshot.Decode(raw, "live.json")
	if err != nil {
		t.Fatal(err)
	}
	st := inventory.NewState(back)
	ctx := context.Background()
	for _, c := range []struct{ region, ref string }{{east, "alias/payments"}, {east, keyARN}, {west, "alias/replica"}, {east, ""}} {
		live, err1 := inv.Key(ctx, payProd, c.region, c.ref)
		off, err2 := st.Key(ctx, payProd, c.region, c.ref)
		if err1 != nil || err2 != nil {
			t.Fatalf("%v: live %v, snapshot %v", c, err1, err2)
		}
		if live.AWSManaged != off.AWSManaged || (live.Key == nil) != (off.Key == nil) || (live.Key != nil && live.Key.Arn != off.Key.Arn) {
			t.Errorf("%v: live %+v, snapshot %+v", c, live, off)
		}
	}
	if e := st.Lookup(payProd, east, "api"); e == nil || e.ResourcePolicy == nil {
		t.Errorf("api from the snapshot: %+v", e)
	}
	if e := st.Lookup(payProd, east, "broken"); e == nil || e.ResourcePolicyError == "" {
		t.Errorf("an entry's ResourcePolicyError survives the snapshot: %+v", e)
	}
}
