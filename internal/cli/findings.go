package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/output"
	"github.com/secretwarden/warden/internal/store"
)

type findingsOpts struct {
	policyFlags
	table   string
	account string
	policy  string
	status  string
	output  string
}

// openFindingsDB connects to DynamoDB with the default credential chain;
// tests replace it.
var openFindingsDB = func(ctx context.Context) (store.DB, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return dynamodb.NewFromConfig(cfg), nil
}

func newFindings(stdio IO) *cobra.Command {
	o := &findingsOpts{}
	cmd := &cobra.Command{
		Use:   "findings --table NAME [--account ID] [--policy ID] [--status STATUS]",
		Short: "List the current findings the deployment recorded in its DynamoDB table",
		Long: `List the current findings of the deployed Secret Warden from its DynamoDB
table (the stack output TableName), filtered by account, policy and status.

Every filter is answered by the table's ByAccount and ByPolicy indexes: the
read cost is the size of the answer, never a Scan of the table. Without
--account or --policy, the findings of every policy this CLI knows are
listed (the built-in checks, exception-expired, and those of --policies:
pass the directories the deployment bundles).

Needs dynamodb:Query on the table's indexes, dynamodb:BatchGetItem on the
table and kms:Decrypt on its key. Index reads are eventually consistent.`,
		Example: `  warden findings --table SecretWarden-Table --status fail
  warden findings --table SecretWarden-Table --account 111122223333 --output csv
  warden findings --table SecretWarden-Table --policy rotation-enabled --status fail --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), stdio)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.table, "table", "", "the deployment's DynamoDB table (required)")
	f.StringVar(&o.account, "account", "", "only this account's findings (12-digit id)")
	f.StringVar(&o.policy, "policy", "", "only this policy's findings")
	f.StringVar(&o.status, "status", "", "only findings with this status: fail|error|exempt|pass|not_applicable")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table|json|jsonl|csv|sarif|asff|ocsf")
	o.register(cmd)
	return cmd
}

// query validates the filters.
func (o *findingsOpts) query() (store.FindingQuery, error) {
	q := store.FindingQuery{AccountID: o.account, PolicyID: o.policy, Status: finding.Status(o.status)}
	if o.table == "" {
		return q, badInput(errors.New("--table is required: the deployment's DynamoDB table (stack output TableName)"))
	}
	if o.account != "" && !accountID.MatchString(o.account) {
		return q, badInput(fmt.Errorf("--account: %q is not a 12-digit account id", o.account))
	}
	if o.status != "" && !slices.Contains(finding.Statuses, q.Status) {
		return q, badInput(fmt.Errorf("--status: unknown status %q (want fail|error|exempt|pass|not_applicable)", o.status))
	}
	return q, nil
}

func (o *findingsOpts) run(ctx context.Context, stdio IO) error {
	format, err := output.ParseFormat(o.output, findingFormats...)
	if err != nil {
		return badInput(fmt.Errorf("--output: %w", err))
	}
	q, err := o.query()
	if err != nil {
		return err
	}
	l, err := o.load(ctx)
	if err != nil {
		return badInput(err)
	}
	if q.AccountID == "" && q.PolicyID == "" {
		q.Policies = knownPolicies(l)
	}
	db, err := openFindingsDB(ctx)
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(stdio.Out, 64<<10)
	defer out.Flush()
	w, err := output.NewFindingWriterWith(format, out, l.writerOptions(nil))
	if err != nil {
		return badInput(err)
	}
	sum, err := listFindings(ctx, store.New(db, o.table), q, w.Write)
	if err != nil {
		return err
	}
	if err := w.Close(sum); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write findings: %w", err)
	}
	return nil
}

// knownPolicies are the posture checks of the engine plus the expired
// exception's pseudo-policy: what a sweep records.
func knownPolicies(l *loaded) []string {
	ids := []string{assess.ExpiredExceptionID}
	for _, c := range l.engine.Checks() {
		ids = append(ids, c.ID)
	}
	return ids
}

// listFindings streams the stored findings q selects to sink and returns
// their summary (Secrets counts distinct secrets).
func listFindings(ctx context.Context, st *store.Store, q store.FindingQuery, sink func([]finding.Finding) error) (*finding.Summary, error) {
	sum := finding.NewSummary()
	secrets := map[string]bool{}
	err := st.ListFindings(ctx, q, func(batch []finding.Finding) error {
		sum.Add(batch...)
		for i := range batch {
			secrets[batch[i].SecretARN] = true
		}
		return sink(batch)
	})
	sum.Secrets = len(secrets)
	if err != nil {
		return sum, fmt.Errorf("list findings from %s: %w", st.Table, err)
	}
	return sum, nil
}
