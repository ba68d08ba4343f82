package action_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/action"
)

const (
	stOwn      = `{"Sid":"Own","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`
	stPublic   = `{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}`
	stExternal = `{"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"secretsmanager:*","Resource":"*"}`
)

func policy(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func statements(t *testing.T, text string) []map[string]any {
	t.Helper()
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2012-10-17" {
		t.Fatalf("Version lost: %s", text)
	}
	return doc.Statement
}

func TestRemediateRemovesOffendingStatements(t *testing.T) {
	decided := policy(stOwn, stPublic, stExternal)
	sm := &fakeSM{policy: aws.String(decided)}
	var where []string
	r := &action.Remediator{Reads: policyReads(sm, &where), Writes: policyWrites(sm, &where)}
	res, err := r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{1, 2}, DecidedPolicy: decided})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(where, ",") != "read "+acct+"/"+region+",write "+acct+"/"+region {
		t.Fatalf("must read through the audit client and write through the responder's, in the secret's account and region: %v", where)
	}
	if res.PriorPolicy != decided || !res.Changed || res.Deleted || len(res.Removed) != 2 {
		t.Fatalf("result: %+v", res)
	}
	if len(sm.puts) != 1 || !aws.ToBool(sm.puts[0].BlockPublicPolicy) {
		t.Fatal("PutResourcePolicy with BlockPublicPolicy")
	}
	left := statements(t, aws.ToString(sm.policy))
	if len(left) != 1 || left[0]["Sid"] != "Own" {
		t.Fatalf("left: %v", left)
	}
	// Idempotent: nothing left to remove, nothing written.
	res, err = r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{1, 2}, DecidedPolicy: decided})
	if err != nil || res.Changed || len(res.Removed) != 0 || len(res.Skipped) != 2 || len(sm.puts) != 1 {
		t.Fatalf("second run: %+v %v", res, err)
	}
}

func TestRemediateStaleIndexNeverRemovesTheWrongStatement(t *testing.T) {
	decided := policy(stOwn, stPublic)
	// Since the decision someone reordered the policy and added a statement.
	sm := &fakeSM{policy: aws.String(policy(stPublic, stExternal, stOwn))}
	r := &action.Remediator{Reads: policyReads(sm, nil), Writes: policyWrites(sm, nil)}
	res, err := r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{1}, DecidedPolicy: decided})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 1 || res.Removed[0] != 0 {
		t.Fatalf("must remove the public statement, now at index 0: %+v", res)
	}
	left := statements(t, aws.ToString(sm.policy))
	if len(left) != 2 || left[0]["Sid"] != "Vendor" || left[1]["Sid"] != "Own" {
		t.Fatalf("left: %v", left)
	}
}

func TestRemediateSkipsStatementChangedSinceDecision(t *testing.T) {
	decided := policy(stOwn, stExternal)
	changed := strings.Replace(stExternal, "secretsmanager:*", "secretsmanager:DescribeSecret", 1)
	sm := &fakeSM{policy: aws.String(policy(stOwn, changed))}
	r := &action.Remediator{Reads: policyReads(sm, nil), Writes: policyWrites(sm, nil)}
	res, err := r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{1}, DecidedPolicy: decided})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 0 || res.Changed || len(sm.puts) != 0 || !strings.Contains(res.Skipped[0], `Sid "Vendor"`) {
		t.Fatalf("a changed statement is left alone: %+v", res)
	}
}

func TestRemediateDeletesWhenNothingRemains(t *testing.T) {
	decided := `{"Version":"2012-10-17","Statement":` + stPublic + `}` // Statement as one object
	sm := &fakeSM{policy: aws.String(decided)}
	r := &action.Remediator{Reads: policyReads(sm, nil), Writes: policyWrites(sm, nil)}
	res, err := r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{0}, DecidedPolicy: decided})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Deleted || !res.Changed || sm.deletes != 1 || len(sm.puts) != 0 || res.PriorPolicy != decided {
		t.Fatalf("delete: %+v", res)
	}
	res, err = r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{0}, DecidedPolicy: decided})
	if err != nil || res.Changed || sm.deletes != 1 {
		t.Fatalf("no policy left: %+v %v", res, err)
	}
}

func TestRemediateDryRunAndRefusals(t *testing.T) {
	decided := policy(stOwn, stPublic)
	sm := &fakeSM{policy: aws.String(decided)}
	r := &action.Remediator{Reads: policyReads(sm, nil), Writes: policyWrites(sm, nil), DryRun: true}
	res, err := r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{1}, DecidedPolicy: decided})
	if err != nil || res.Changed || len(res.Removed) != 1 || res.NewPolicy == "" || sm.calls() != 0 {
		t.Fatalf("dry run plans and writes nothing: %+v %v", res, err)
	}
	r.DryRun = false
	if _, err := r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{1}}); err == nil {
		t.Fatal("without the decided policy the indices cannot be re-validated")
	}
	if _, err := r.Remediate(context.Background(), action.RemediationRequest{SecretARN: arn, Statements: []int{5}, DecidedPolicy: decided}); err == nil {
		t.Fatal("an index outside the decided policy is refused")
	}
	if sm.calls() != 0 {
		t.Fatal("refusals write nothing")
	}
}
