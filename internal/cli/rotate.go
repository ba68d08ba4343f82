package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/blast"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/member"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/store"
)

// ManualRule is the rule name of a rotation requested with `warden rotate`.
const ManualRule = "manual-emergency-rotation"

type rotateOpts struct {
	live      liveFlags
	secrets   []string
	account   string
	tag       string
	principal string
	table     string
	execute   bool
	output    string
	since     time.Duration
	lake      string
	responder string
	ledger    int
	dedupe    int
	acctLimit int
	orgLimit  int
}

func newRotate(stdio IO) *cobra.Command {
	o := &rotateOpts{}
	def := rails.DefaultLimits()
	cmd := &cobra.Command{
		Use:   "rotate (--secret ARN | --account ID | --tag KEY=VALUE | --principal ARN|ACCESS-KEY-ID) [--execute --table NAME]",
		Short: "Emergency rotation of a secret, an account, a tag or what a principal read, under the safety rails",
		Long: `Plan, and with --execute perform, the emergency rotation of:

  --secret ARN          one secret (repeatable)
  --account ID          every secret of an account (in --regions)
  --tag KEY=VALUE       every secret carrying that tag (in --accounts, --regions)
  --principal ID        every secret a principal read within --since, by its ARN,
                        principal id or access key id: from the access ledger in
                        the DynamoDB table (--table) for the part of the window it
                        covers, from CloudTrail for the rest (CloudTrail Lake with
                        --cloudtrail-lake-event-data-store, else LookupEvents in
                        every account of --accounts and region of --regions, paced
                        under its quota of 2 calls a second per account and region);
                        the plan says which source covered which window and what
                        could not be seen

The plan comes first: per secret, whether it will be rotated or which safety
rail blocks it and why (a rotation function must be configured, no rotation in
progress, at most one emergency rotation per secret within the dedupe window,
per-account and organization-wide limits per hour). The rails keep their state
in the Secret Warden DynamoDB table: --table is required to execute, and the
limits should match the deployment's (WARDEN_ROTATION_*). Without --table the
plan cannot check the dedupe window and the limits, and says so.

Without --execute nothing changes (a dry run, exit 0). With --execute each
secret the plan allows is rotated (RotateSecret with RotateImmediately) after
the rails are checked again and claimed; every decision is recorded in the
table. Secret values are never read.

Live AWS is reached with the default credential chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL, ...), assuming --role-name (read only: DescribeSecret, ListSecrets,
cloudtrail:LookupEvents) in member accounts, and --responder-role-name for RotateSecret
with --execute.

Exit codes: 0 when the plan is shown (dry run) or every planned rotation
started, 1 when a rotation was refused at execution or failed, 2 on bad flags
or when part of AWS could not be read.`,
		Example: `  warden rotate --secret arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf
  warden rotate --account 111122223333 --regions us-east-1,eu-west-1 --table SecretWarden-Table
  warden rotate --tag team=payments --regions us-east-1 --output json
  warden rotate --principal ASIAIU3YUZ2KCP2LLPYG --table SecretWarden-Table --execute
  warden rotate --principal arn:aws:iam::111122223333:role/app --since 2160h --regions us-east-1,eu-west-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), cmd, stdio)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.secrets, "secret", nil, "secret ARN to rotate (repeatable)")
	f.StringVar(&o.account, "account", "", "rotate every secret of this account id")
	f.StringVar(&o.tag, "tag", "", "rotate every secret with this tag, KEY=VALUE")
	f.StringVar(&o.principal, "principal", "", "rotate every secret this principal (ARN, principal id or access key id) read: the access ledger, then CloudTrail")
	f.StringVar(&o.table, "table", "", "Secret Warden DynamoDB table: the rails' state and the access ledger (required with --execute)")
	f.BoolVar(&o.execute, "execute", false, "rotate (default: show the plan only)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table|json")
	f.DurationVar(&o.since, "since", store.LedgerTTL, "--principal: how far back the principal's reads are looked for (WARDEN_BLAST_RADIUS_DAYS)")
	f.StringVar(&o.lake, "cloudtrail-lake-event-data-store", os.Getenv("WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE"), "--principal: query this CloudTrail Lake event data store (ARN) instead of LookupEvents (default $WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE)")
	f.IntVar(&o.ledger, "ledger-days", int(store.LedgerTTL/(24*time.Hour)), "--principal: how long the access ledger keeps a read (WARDEN_LEDGER_DAYS)")
	f.StringVar(&o.responder, "responder-role-name", "SecretWardenResponder", "role assumed in member accounts for RotateSecret with --execute")
	f.IntVar(&o.dedupe, "rotation-dedupe-minutes", int(def.DedupeWindow/time.Minute), "dedupe window per secret (WARDEN_ROTATION_DEDUPE_MINUTES)")
	f.IntVar(&o.acctLimit, "rotation-account-limit", def.AccountLimit, "emergency rotations per account per hour (WARDEN_ROTATION_ACCOUNT_LIMIT)")
	f.IntVar(&o.orgLimit, "rotation-org-limit", def.OrgLimit, "emergency rotations organization-wide per hour (WARDEN_ROTATION_ORG_LIMIT)")
	o.live.register(cmd)
	return cmd
}

// check rejects bad flag combinations (exit 2).
func (o *rotateOpts) check(cmd *cobra.Command) error {
	if o.output != "table" && o.output != "json" {
		return badInput(fmt.Errorf("--output: unknown format %q (want table or json)", o.output))
	}
	n := 0
	for _, set := range []bool{len(o.secrets) > 0, o.account != "", o.tag != "", o.principal != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return badInput(errors.New("name what to rotate with exactly one of --secret, --account, --tag or --principal"))
	}
	if err := o.live.check(cmd, false); err != nil {
		return err
	}
	changed := func(names ...string) string {
		for _, name := range names {
			if cmd.Flags().Changed(name) {
				return name
			}
		}
		return ""
	}
	switch {
	case len(o.secrets) > 0:
		for _, s := range o.secrets {
			if a, ok := event.ParseSecretARN(s); !ok || a.AccountID == "" || a.Region == "" {
				return badInput(fmt.Errorf("--secret: %q is not a secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)", s))
			}
		}
		if name := changed("accounts", "regions"); name != "" {
			return badInput(fmt.Errorf("--%s does not apply to --secret: the ARN names its account and region", name))
		}
	case o.account != "":
		if !accountID.MatchString(o.account) {
			return badInput(fmt.Errorf("--account: %q is not a 12-digit account id", o.account))
		}
		if cmd.Flags().Changed("accounts") {
			return badInput(errors.New("--accounts does not apply to --account"))
		}
	case o.tag != "":
		k, _, ok := strings.Cut(o.tag, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return badInput(fmt.Errorf("--tag: want KEY=VALUE, got %q", o.tag))
		}
	case o.principal != "":
		if o.since <= 0 {
			return badInput(fmt.Errorf("--since must be positive, got %s", o.since))
		}
		if o.ledger < 1 {
			return badInput(fmt.Errorf("--ledger-days must be at least 1, got %d", o.ledger))
		}
		if o.lake != "" {
			if _, err := blast.DataStoreID(o.lake); err != nil {
				return badInput(fmt.Errorf("--cloudtrail-lake-event-data-store: %w", err))
			}
		}
	}
	if o.execute && o.table == "" {
		return badInput(errors.New("--execute needs --table: the safety rails keep their dedupe markers and rate limits in the Secret Warden table"))
	}
	if err := o.limits().Validate(); err != nil {
		return badInput(err)
	}
	return nil
}

func (o *rotateOpts) limits() rails.Limits {
	l := rails.DefaultLimits()
	l.DedupeWindow = time.Duration(o.dedupe) * time.Minute
	l.AccountLimit, l.OrgLimit = o.acctLimit, o.orgLimit
	return l
}

// rotateEnv is what `warden rotate` reaches in AWS; tests replace openRotate.
type rotateEnv struct {
	// Inventory lists secrets (--account, --tag) of the given accounts
	// (none: every account) and regions.
	Inventory func(ctx context.Context, accounts []string) (inventory.Inventory, error)
	// Describe and Rotate reach Secrets Manager in a member account.
	Describe rails.DescribeFor
	Rotate   action.ClientFor[action.RotateSecretAPI]
	// DB is the table's client (nil without --table).
	DB store.DB
	// Accounts lists the organization's active accounts (--accounts when
	// given); Regions the regions; Lookup gives LookupEvents in one
	// account-region (the audit role); Lake is CloudTrail Lake in the event
	// data store's region (nil without --cloudtrail-lake-event-data-store).
	Accounts func(ctx context.Context) ([]string, error)
	Regions  []string
	Lookup   func(ctx context.Context, account, region string) (blast.LookupEventsAPI, error)
	Lake     blast.LakeAPI
	// Now is the clock.
	Now func() time.Time
}

// openRotate connects to live AWS with the default credential chain.
var openRotate = func(ctx context.Context, o *rotateOpts, log *slog.Logger) (*rotateEnv, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	opts := awsinv.Options{Regions: o.live.regions, Accounts: o.live.accounts, RoleName: o.live.roleName, ExternalID: o.live.externalID, Logger: log}
	base, err := awsinv.New(cfg, opts)
	if err != nil {
		return nil, badInput(err)
	}
	roles := member.New(cfg, sts.NewFromConfig(cfg), member.Names{Audit: o.live.roleName, Responder: o.responder, ExternalID: o.live.externalID},
		member.Audit, member.Responder)
	lookup := member.Clients(roles, member.Audit, "cloudtrail", func(c aws.Config) *cloudtrail.Client { return cloudtrail.NewFromConfig(c) })
	rotate := member.Clients(roles, member.Responder, "secretsmanager", func(c aws.Config) *secretsmanager.Client { return secretsmanager.NewFromConfig(c) })
	env := &rotateEnv{
		Regions: base.Regions(),
		Accounts: func(ctx context.Context) ([]string, error) {
			if len(o.live.accounts) > 0 {
				return o.live.accounts, nil
			}
			_, accounts, err := base.Organization(ctx)
			if err != nil {
				return nil, err
			}
			var out []string
			for _, a := range accounts {
				if a.Status == "" || a.Status == "ACTIVE" {
					out = append(out, a.ID)
				}
			}
			return out, nil
		},
		Lookup: func(ctx context.Context, account, region string) (blast.LookupEventsAPI, error) {
			// The caller's own account is read with its own credentials,
			// as the inventory reads it.
			if caller, err := base.CallerAccount(ctx); err == nil && caller == account {
				c := cfg.Copy()
				c.Region = region
				return cloudtrail.NewFromConfig(c), nil
			}
			return lookup(ctx, account, region)
		},
		Inventory: func(_ context.Context, accounts []string) (inventory.Inventory, error) {
			scoped := opts
			if len(accounts) > 0 {
				scoped.Accounts = accounts
			}
			return awsinv.New(cfg, scoped)
		},
		Describe: func(ctx context.Context, account, region string) (rails.DescribeSecretAPI, error) {
			c, err := base.Clients(ctx, account, region)
			if err != nil {
				return nil, err
			}
			return c.DescribeSecret, nil
		},
		Rotate: func(ctx context.Context, account, region string) (action.RotateSecretAPI, error) {
			return rotate(ctx, account, region)
		},
		Now: time.Now,
	}
	if o.lake != "" {
		region := cfg.Region
		if a, err := arn.Parse(o.lake); err == nil {
			region = a.Region
		}
		env.Lake = cloudtrail.NewFromConfig(cfg, func(opt *cloudtrail.Options) { opt.Region = region })
	}
	if o.table != "" {
		env.DB = dynamodb.NewFromConfig(cfg)
	}
	return env, nil
}

// planRow is one secret of the plan and, with --execute, what happened.
type planRow struct {
	SecretARN string `json:"secret_arn"`
	// Plan is "rotate" or "blocked".
	Plan   string `json:"plan"`
	Rail   string `json:"rail"`
	Reason string `json:"reason"`
	// Result is set with --execute: "rotated", "blocked" or "failed".
	Result    string `json:"result,omitempty"`
	VersionID string `json:"version_id,omitempty"`
	Error     string `json:"error,omitempty"`
}

type planSummary struct {
	Secrets    int  `json:"secrets"`
	WillRotate int  `json:"will_rotate"`
	Blocked    int  `json:"blocked"`
	Rotated    int  `json:"rotated"`
	Failed     int  `json:"failed"`
	Unreadable int  `json:"unreadable"`
	RailsState bool `json:"rails_state_checked"`
}

type planDoc struct {
	Execute bool        `json:"execute"`
	Secrets []planRow   `json:"secrets"`
	Summary planSummary `json:"summary"`
	// Blast is the blast radius of --principal: which source covered which
	// time window, and what could not be seen.
	Blast *blast.Plan `json:"blast_radius,omitempty"`
}

func (o *rotateOpts) run(ctx context.Context, cmd *cobra.Command, stdio IO) error {
	if err := o.check(cmd); err != nil {
		return err
	}
	log := newLogger(stdio.Err)
	env, err := openRotate(ctx, o, log)
	if err != nil {
		return err
	}
	now := defaults.Now(env.Now)
	var st *store.Store
	var railStore rails.Store = noRailState{}
	if o.table != "" {
		st = store.New(env.DB, o.table)
		st.Log = log
		if env.Now != nil {
			st.Now = env.Now
		}
		railStore = st
	}
	u := &unreadable{}
	targets, plan, err := o.targets(ctx, env, st, u, now)
	if err != nil {
		return err
	}
	rl := &rails.Rails{
		Describe: env.Describe, Store: railStore, Limits: o.limits(), Now: env.Now,
		Log: slog.New(railLogLevel{Handler: log.Handler(), level: slog.LevelWarn}),
	}
	doc := planDoc{Execute: o.execute, Secrets: []planRow{}, Summary: planSummary{Secrets: len(targets), Unreadable: u.n, RailsState: st != nil}, Blast: plan}
	for _, arn := range targets {
		row := planRow{SecretARN: arn}
		v, err := rl.Inspect(ctx, arn)
		row.Rail, row.Reason = string(v.Rail), v.Reason
		if err != nil {
			row.Reason = strings.TrimSuffix(v.Reason, ": alert only") + ": " + err.Error()
		}
		if v.Allowed {
			row.Plan = "rotate"
			doc.Summary.WillRotate++
		} else {
			row.Plan = "blocked"
			doc.Summary.Blocked++
		}
		doc.Secrets = append(doc.Secrets, row)
	}
	if o.execute {
		rot := &action.DirectRotator{Rails: rl, Clients: env.Rotate, Log: log}
		// One run is one request: its RotateSecret tokens are its own, and
		// retries within the run share them.
		runID := "warden-rotate-" + now.Format(time.RFC3339Nano)
		for i := range doc.Secrets {
			row := &doc.Secrets[i]
			if row.Plan != "rotate" {
				continue
			}
			res, err := rot.Rotate(ctx, action.RotationRequest{
				SecretARN: row.SecretARN, Rule: ManualRule, Reason: "emergency rotation requested with warden rotate",
				Severity: "critical", Requested: now, EventID: runID,
			})
			switch {
			case err != nil:
				row.Result, row.Error = "failed", err.Error()
				if res.Blocked != "" {
					row.Error = res.Blocked + ": " + err.Error()
				}
				doc.Summary.Failed++
			case res.Rotated:
				row.Result, row.VersionID = "rotated", res.VersionID
				doc.Summary.Rotated++
			default:
				row.Result, row.Rail, row.Reason = "blocked", string(res.Rail), res.Blocked
				doc.Summary.Failed++
			}
		}
	}
	if err := writePlan(stdio.Out, o.output, &doc); err != nil {
		return err
	}
	if u.n > 0 {
		for _, l := range u.lines {
			fmt.Fprintln(stdio.Err, strings.Replace(l, "warden: not evaluated: ", "warden: not planned: ", 1))
		}
		if more := u.n - len(u.lines); more > 0 {
			fmt.Fprintf(stdio.Err, "warden: ... and %d more\n", more)
		}
		err := fmt.Errorf("%d secret(s) or account-region(s) could not be planned (see above); the rest was", u.n)
		if doc.Summary.Failed > 0 {
			err = fmt.Errorf("%w, and %d planned rotation(s) were refused or failed", err, doc.Summary.Failed)
		}
		return &ExitError{Code: ExitBadInput, Err: err}
	}
	if doc.Summary.Failed > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d planned rotation(s) were refused or failed (see above)", doc.Summary.Failed)}
	}
	return nil
}

// targets are the ARNs to rotate, sorted and without duplicates, and for
// --principal the blast-radius plan they come from.
func (o *rotateOpts) targets(ctx context.Context, env *rotateEnv, st *store.Store, u *unreadable, now time.Time) ([]string, *blast.Plan, error) {
	set := map[string]bool{}
	var plan *blast.Plan
	switch {
	case len(o.secrets) > 0:
		for _, s := range o.secrets {
			set[s] = true
		}
	case o.principal != "":
		p := &blast.Planner{Now: env.Now, LedgerTTL: time.Duration(o.ledger) * 24 * time.Hour}
		if st != nil {
			p.Ledger = st
		}
		if env.Lookup != nil {
			p.Lookup = &blast.Lookup{Accounts: env.Accounts, Regions: env.Regions, Clients: env.Lookup}
		}
		if env.Lake != nil {
			p.Lake = &blast.Lake{ARN: o.lake, API: env.Lake}
		}
		var err error
		if plan, err = p.Plan(ctx, []string{o.principal}, now.Add(-o.since), now); err != nil {
			return nil, nil, badInput(err)
		}
		for _, g := range plan.Unseen {
			if g.Where != "" {
				u.add(&snapshot.SecretEntry{Secret: snapshot.Secret{ARN: "CloudTrail in " + g.Where}, Error: g.Why})
			}
		}
		if len(plan.Covered) == 0 {
			// Nothing was seen: an empty plan must not pass for "read nothing".
			u.add(&snapshot.SecretEntry{Secret: snapshot.Secret{ARN: "blast radius of " + o.principal}, Error: "no source covered any of the window (see the plan)"})
		}
		for _, a := range plan.Secrets {
			full, err := o.resolve(ctx, env, a)
			if err != nil {
				u.add(&snapshot.SecretEntry{Secret: snapshot.Secret{ARN: a}, Error: err.Error()})
				continue
			}
			set[full] = true
		}
	default:
		var accounts []string
		if o.account != "" {
			accounts = []string{o.account}
		}
		inv, err := env.Inventory(ctx, accounts)
		if err != nil {
			return nil, nil, err
		}
		key, value, _ := strings.Cut(o.tag, "=")
		err = inv.Secrets(ctx, func(e *snapshot.SecretEntry) error {
			if o.account != "" && e.AccountID != o.account {
				return nil
			}
			if e.Error != "" {
				u.add(e)
				return nil
			}
			if o.tag != "" && !secretHasTag(e.Secret.Tags, strings.TrimSpace(key), value) {
				return nil
			}
			set[e.Secret.ARN] = true
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("list secrets: %w", err)
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out, plan, nil
}

// resolve completes a secret named by an ARN without its random suffix (a
// read by name) to its full ARN, with DescribeSecret in its account.
func (o *rotateOpts) resolve(ctx context.Context, env *rotateEnv, secret string) (string, error) {
	a, ok := event.ParseSecretARN(secret)
	switch {
	case !ok || a.AccountID == "" || a.Region == "":
		return "", errors.New("named by a name only: rotate it with --secret ARN")
	case a.Full:
		return secret, nil
	}
	api, err := env.Describe(ctx, a.AccountID, a.Region)
	if err != nil {
		return "", fmt.Errorf("resolve the secret's ARN: %w", err)
	}
	out, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secret)})
	if err != nil {
		return "", fmt.Errorf("resolve the secret's ARN: %w", err)
	}
	return aws.ToString(out.ARN), nil
}

func secretHasTag(tags []snapshot.Tag, key, value string) bool {
	for _, t := range tags {
		if t.Key == key && t.Value == value {
			return true
		}
	}
	return false
}

// writePlan prints the plan (and results) as a table or JSON.
func writePlan(w io.Writer, format string, doc *planDoc) error {
	if format == "json" {
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return fmt.Errorf("encode plan: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	if doc.Execute {
		fmt.Fprintln(w, "Emergency rotation plan (executing):")
	} else {
		fmt.Fprintln(w, "Emergency rotation plan (dry run: nothing is rotated without --execute):")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	header := "PLAN\tRAIL\tSECRET\tREASON"
	if doc.Execute {
		header = "PLAN\tRESULT\tRAIL\tSECRET\tREASON"
	}
	fmt.Fprintln(tw, header)
	for _, r := range doc.Secrets {
		plan := "will rotate"
		if r.Plan != "rotate" {
			plan = "blocked"
		}
		reason := r.Reason
		if r.Result == "rotated" {
			reason = "rotation started (new version " + r.VersionID + ")"
		}
		if r.Error != "" {
			reason = r.Error
		}
		if doc.Execute {
			result := r.Result
			if result == "" {
				result = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", plan, result, r.Rail, r.SecretARN, planLine(reason))
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", plan, r.Rail, r.SecretARN, planLine(reason))
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	s := doc.Summary
	fmt.Fprintf(w, "%d secret(s): %d will rotate, %d blocked", s.Secrets, s.WillRotate, s.Blocked)
	if doc.Execute {
		fmt.Fprintf(w, "; %d rotated, %d refused or failed", s.Rotated, s.Failed)
	}
	fmt.Fprintln(w)
	if p := doc.Blast; p != nil {
		fmt.Fprintf(w, "Blast radius of %s from %s to %s:\n", strings.Join(p.Keys, ", "), p.From.Format(time.RFC3339), p.To.Format(time.RFC3339))
		for _, c := range p.Covered {
			line := fmt.Sprintf("  covered by %s from %s to %s", c.Source, c.From.Format(time.RFC3339), c.To.Format(time.RFC3339))
			if c.Where != "" {
				line += " in " + c.Where
			}
			if c.Note != "" {
				line += " (" + c.Note + ")"
			}
			fmt.Fprintln(w, line)
		}
		for _, g := range p.Unseen {
			line := "  not seen: " + g.Why
			if g.Where != "" {
				line = "  not seen in " + g.Where + ": " + g.Why
			}
			if !g.From.IsZero() {
				line += fmt.Sprintf(" (%s to %s)", g.From.Format(time.RFC3339), g.To.Format(time.RFC3339))
			}
			fmt.Fprintln(w, line)
		}
	}
	if !s.RailsState {
		fmt.Fprintln(w, "Note: without --table the dedupe window and the rate limits were not checked.")
	}
	if !doc.Execute && s.WillRotate > 0 {
		fmt.Fprintln(w, "Dry run: nothing was rotated. Run again with --execute --table NAME to rotate.")
	}
	return nil
}

func planLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// noRailState stands in for the table in a plan made without --table: no
// dedupe marker, no rotation counted. Claiming is refused (never reached:
// --execute requires --table).
type noRailState struct{}

var errNoTable = errors.New("no --table: the rails' state is unavailable")

func (noRailState) Once(context.Context, string, time.Duration, time.Time) (bool, error) {
	return false, errNoTable
}
func (noRailState) Seen(context.Context, string, time.Time) (bool, error) { return false, nil }
func (noRailState) Release(context.Context, string) error                 { return nil }
func (noRailState) Take(context.Context, string, int, time.Duration, time.Time) (bool, error) {
	return false, errNoTable
}
func (noRailState) Count(context.Context, string, time.Duration, time.Time) (int, error) {
	return 0, nil
}
func (noRailState) Audit(context.Context, store.RotationDecision) error { return nil }

// railLogLevel drops records below level.
type railLogLevel struct {
	slog.Handler
	level slog.Level
}

func (h railLogLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h railLogLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return railLogLevel{Handler: h.Handler.WithAttrs(attrs), level: h.level}
}

func (h railLogLevel) WithGroup(name string) slog.Handler {
	return railLogLevel{Handler: h.Handler.WithGroup(name), level: h.level}
}
