package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/member"
	"github.com/secretwarden/warden/internal/store"
)

type restoreOpts struct {
	live      liveFlags
	secret    string
	table     string
	rule      string
	responder string
	execute   bool
	output    string
}

func newRestorePolicy(stdio IO) *cobra.Command {
	o := &restoreOpts{}
	cmd := &cobra.Command{
		Use:   "restore-policy --secret ARN --table NAME [--rule ID] [--execute]",
		Short: "Put back the resource policy a remediation replaced (saved with the finding)",
		Long: `When a remediation removes statements from a secret's resource policy, the policy it
replaced is saved with the finding in the Secret Warden DynamoDB table. restore-policy
puts it back: the plan first (the saved policy, when and by which rule it was saved,
the policy in place now), --execute to act.

--rule picks the rule whose saved policy to restore when several saved one (default:
the most recent). The policy is put with BlockPublicPolicy, as every Secret Warden
write: a saved policy that is public is refused by Secrets Manager, and has to be put
back by hand if that is really meant. The rule that removed the statements judges the
restored policy again on its CloudTrail event and at the next sweep: in enforce mode a
policy it still finds exposed is remediated again, so first trust the account
(trusted_account_ids) or add an exception.

The policy in place is read through --role-name; the restore is written through
--responder-role-name. Secret values are never read.

Exit codes: 0 when the plan is shown (dry run) or the policy was restored, 1 when
Secrets Manager refused it, 2 on bad flags, no saved policy, or AWS not reachable.`,
		Example: `  warden restore-policy --secret arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf --table SecretWarden-Table
  warden restore-policy --secret arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf --table SecretWarden-Table --execute`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), cmd, stdio)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.secret, "secret", "", "the secret's ARN")
	f.StringVar(&o.table, "table", "", "the Secret Warden DynamoDB table that holds the saved policy")
	f.StringVar(&o.rule, "rule", "", "the rule whose saved policy to restore (default: the most recently saved)")
	f.StringVar(&o.responder, "responder-role-name", "SecretWardenResponder", "role assumed in the secret's account to put the policy back")
	f.BoolVar(&o.execute, "execute", false, "put the policy back (default: show the plan only)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table|json")
	cmd.Flags().StringVar(&o.live.roleName, "role-name", awsinv.DefaultRoleName, "role assumed in the secret's account to read the policy in place")
	cmd.Flags().StringVar(&o.live.externalID, "external-id", "", "ExternalId passed when assuming the roles")
	return cmd
}

// restoreEnv is what restore-policy reaches in AWS; tests replace openRestore.
type restoreEnv struct {
	DB     store.DB
	Reads  action.ClientFor[action.GetResourcePolicyAPI]
	Writes action.ClientFor[action.ResourcePolicyWriteAPI]
	Now    func() time.Time
}

// openRestore connects to live AWS with the default credential chain: the
// table and, in the secret's account, the audit role to read and the
// responder role to write.
var openRestore = func(ctx context.Context, o *restoreOpts, log *slog.Logger) (*restoreEnv, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	a, _ := event.ParseSecretARN(o.secret)
	inv, err := awsinv.New(cfg, awsinv.Options{Regions: []string{a.Region}, RoleName: o.live.roleName, ExternalID: o.live.externalID, Logger: log})
	if err != nil {
		return nil, badInput(err)
	}
	roles := member.New(cfg, sts.NewFromConfig(cfg), member.Names{Responder: o.responder, ExternalID: o.live.externalID}, member.Responder)
	writes := member.Clients(roles, member.Responder, "secretsmanager", func(c aws.Config) *secretsmanager.Client { return secretsmanager.NewFromConfig(c) })
	return &restoreEnv{
		DB: dynamodb.NewFromConfig(cfg),
		Reads: func(ctx context.Context, account, region string) (action.GetResourcePolicyAPI, error) {
			c, err := inv.Clients(ctx, account, region)
			if err != nil {
				return nil, err
			}
			return c.GetResourcePolicy, nil
		},
		Writes: func(ctx context.Context, account, region string) (action.ResourcePolicyWriteAPI, error) {
			return writes(ctx, account, region)
		},
		Now: time.Now,
	}, nil
}

// restoreDoc is the plan and, with --execute, what was done.
type restoreDoc struct {
	Secret  string            `json:"secret_arn"`
	Execute bool              `json:"execute"`
	Saved   store.PriorPolicy `json:"saved"`
	// Current is the policy in place ("" when none).
	Current string `json:"current_policy"`
	// Plan is "restore" or "nothing to do".
	Plan   string `json:"plan"`
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
	Note   string `json:"note"`
}

func (o *restoreOpts) check() error {
	if o.output != "table" && o.output != "json" {
		return badInput(fmt.Errorf("--output: unknown format %q (want table or json)", o.output))
	}
	if a, ok := event.ParseSecretARN(o.secret); !ok || a.AccountID == "" || a.Region == "" || !a.Full {
		return badInput(fmt.Errorf("--secret: %q is not a full secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)", o.secret))
	}
	if o.table == "" {
		return badInput(errors.New("--table is required: the saved policy is in the Secret Warden table"))
	}
	return nil
}

func (o *restoreOpts) run(ctx context.Context, _ *cobra.Command, stdio IO) error {
	if err := o.check(); err != nil {
		return err
	}
	log := newLogger(stdio.Err)
	env, err := openRestore(ctx, o, log)
	if err != nil {
		return err
	}
	st := store.New(env.DB, o.table)
	st.Log = log
	saved, err := st.PriorPolicies(ctx, o.secret)
	if err != nil {
		return badInput(err)
	}
	doc := restoreDoc{Secret: o.secret, Execute: o.execute}
	found := false
	for _, p := range saved {
		if o.rule == "" || p.PolicyID == o.rule {
			doc.Saved, found = p, true
			break
		}
	}
	if !found {
		what := "no saved policy"
		if o.rule != "" {
			what = "no policy saved by rule " + o.rule
		}
		return badInput(fmt.Errorf("%s for %s in table %s: nothing to restore", what, o.secret, o.table))
	}
	a, _ := event.ParseSecretARN(o.secret)
	reader, err := env.Reads(ctx, a.AccountID, a.Region)
	if err != nil {
		return badInput(fmt.Errorf("reach secrets manager in %s/%s: %w", a.AccountID, a.Region, err))
	}
	cur, err := reader.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(o.secret)})
	if err != nil {
		return badInput(fmt.Errorf("read the policy in place: %w", err))
	}
	doc.Current = aws.ToString(cur.ResourcePolicy)
	doc.Plan = "restore"
	if sameJSON(doc.Current, doc.Saved.Policy) {
		doc.Plan = "nothing to do"
	}
	doc.Note = fmt.Sprintf("rule %s judges the restored policy again (its CloudTrail event, the next sweep): in enforce mode a policy it still finds exposed is remediated again", doc.Saved.PolicyID)
	var failed error
	if o.execute && doc.Plan == "restore" {
		failed = o.restore(ctx, env, st, &doc)
	}
	if err := writeRestore(stdio.Out, o.output, &doc); err != nil {
		return err
	}
	if failed != nil {
		return &ExitError{Code: ExitFindings, Err: failed}
	}
	return nil
}

// restore puts the saved policy back, with BlockPublicPolicy, through the
// responder role, and records it.
func (o *restoreOpts) restore(ctx context.Context, env *restoreEnv, st *store.Store, doc *restoreDoc) error {
	a, _ := event.ParseSecretARN(o.secret)
	api, err := env.Writes(ctx, a.AccountID, a.Region)
	if err == nil {
		// BlockPublicPolicy: Secrets Manager refuses a policy that allows
		// broad access (API Reference, "PutResourcePolicy"); the responder
		// role may only put a policy with it.
		_, err = api.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{
			SecretId: aws.String(o.secret), ResourcePolicy: aws.String(doc.Saved.Policy), BlockPublicPolicy: aws.Bool(true),
		})
	}
	var public *smtypes.PublicPolicyException
	switch {
	case errors.As(err, &public):
		doc.Result, doc.Error = "refused", "the saved policy is public: Secrets Manager refuses it with BlockPublicPolicy; put it back by hand if that is really meant"
		return fmt.Errorf("restore the policy of %s: %s", o.secret, doc.Error)
	case err != nil:
		doc.Result, doc.Error = "failed", err.Error()
		return fmt.Errorf("restore the policy of %s: %w", o.secret, err)
	}
	doc.Result = "restored"
	at := defaults.Now(env.Now)
	if err := st.MarkPolicyRestored(ctx, o.secret, doc.Saved.PolicyID, at); err != nil {
		doc.Error = "restored, but not recorded in the table: " + err.Error()
	} else {
		doc.Saved.RestoredAt = at.UTC()
	}
	return nil
}

// sameJSON reports whether two policy texts are the same JSON document.
func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func writeRestore(w io.Writer, format string, doc *restoreDoc) error {
	if format == "json" {
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return fmt.Errorf("encode plan: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	mode := "dry run: nothing is changed without --execute"
	if doc.Execute {
		mode = "executing"
	}
	fmt.Fprintf(w, "Restore of the resource policy of %s (%s):\n", doc.Secret, mode)
	fmt.Fprintf(w, "  saved by rule %s at %s", doc.Saved.PolicyID, doc.Saved.At.Format(time.RFC3339))
	if !doc.Saved.RestoredAt.IsZero() {
		fmt.Fprintf(w, ", restored at %s", doc.Saved.RestoredAt.Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  saved policy:     %s\n", planLine(doc.Saved.Policy))
	current := planLine(doc.Current)
	if current == "" {
		current = "(none)"
	}
	fmt.Fprintf(w, "  policy in place:  %s\n", current)
	fmt.Fprintf(w, "  plan: %s\n", doc.Plan)
	if doc.Result != "" {
		fmt.Fprintf(w, "  result: %s\n", doc.Result)
	}
	if doc.Error != "" {
		fmt.Fprintf(w, "  %s\n", doc.Error)
	}
	fmt.Fprintf(w, "Note: %s.\n", doc.Note)
	if !doc.Execute && doc.Plan == "restore" {
		fmt.Fprintln(w, "Dry run: nothing was changed. Run again with --execute to put the saved policy back.")
	}
	return nil
}
