package cli

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/output"
	"github.com/secretwarden/warden/internal/scan"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/template"
)

// templateFlags are the flags of a pre-deploy scan (warden scan --template).
type templateFlags struct {
	paths      []string
	account    string
	ouPath     string
	region     string
	orgID      string
	parameters []string
}

func (f *templateFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.paths, "template", nil, "scan infrastructure-as-code before deploy: a CloudFormation template (JSON/YAML), a CDK cloud assembly (cdk.out) or a Terraform plan (terraform show -json); files or directories, repeatable, more may follow as arguments")
	cmd.Flags().StringVar(&f.account, "account", "", "template: the account the templates deploy to, when they do not say (matches overrides and exceptions, resolves AWS::AccountId)")
	cmd.Flags().StringVar(&f.ouPath, "ou-path", "", "template: the OU path of that account, e.g. r-abcd/ou-prod (matches overrides and exceptions)")
	cmd.Flags().StringVar(&f.region, "region", "", "template: the region the templates deploy to, when they do not say")
	cmd.Flags().StringVar(&f.orgID, "organization-id", "", "template: the organization's id o-… (aws:PrincipalOrgID conditions of resource policies)")
	cmd.Flags().StringArrayVar(&f.parameters, "parameter", nil, "template: a CloudFormation parameter value NAME=VALUE (repeatable; default: the parameter's Default)")
}

var orgIDPattern = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// check validates the template flags, and refuses them without --template.
func (f *templateFlags) check(cmd *cobra.Command) (map[string]string, error) {
	if len(f.paths) == 0 {
		for _, name := range []string{"account", "ou-path", "region", "organization-id", "parameter"} {
			if cmd.Flags().Changed(name) {
				return nil, badInput(fmt.Errorf("--%s applies to --template only", name))
			}
		}
		return nil, nil
	}
	if f.account != "" && !accountID.MatchString(f.account) {
		return nil, badInput(fmt.Errorf("--account: %q is not a 12-digit account id", f.account))
	}
	if f.orgID != "" && !orgIDPattern.MatchString(f.orgID) {
		return nil, badInput(fmt.Errorf("--organization-id: %q is not an organization id (o-…)", f.orgID))
	}
	params := map[string]string{}
	for _, p := range f.parameters {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, badInput(fmt.Errorf("--parameter: %q is not NAME=VALUE", p))
		}
		params[k] = v
	}
	return params, nil
}

// runTemplates scans the secrets that templates declare: each becomes an
// entry of a snapshot made of the context (--snapshot: organization,
// accounts, keys) and what the templates define (keys, aliases), and is
// evaluated as a snapshot scan evaluates its secrets.
func (o *scanOpts) runTemplates(ctx context.Context, stdio IO, format output.Format, params map[string]string) error {
	l, err := o.load(ctx)
	if err != nil {
		return badInput(err)
	}
	var contextSnap *snapshot.Snapshot
	var contextState *inventory.State
	if o.snapshot != "" {
		if contextSnap, err = snapshot.Load(o.snapshot); err != nil {
			return badInput(err)
		}
		contextState = template.ContextState(contextSnap)
	}
	res := template.Load(ctx, o.tmpl.paths, template.Options{
		Account: o.tmpl.account, OUPath: o.tmpl.ouPath, Region: o.tmpl.region,
		Parameters: params, Context: contextState, Config: l.config,
	})
	for _, p := range res.Problems {
		fmt.Fprintf(stdio.Err, "warden: %v\n", p)
	}
	if res.Templates == 0 {
		if len(res.Problems) == 0 {
			return badInput(fmt.Errorf("--template: nothing to scan"))
		}
		return &ExitError{Code: ExitBadInput}
	}
	snap := res.Snapshot(contextSnap, o.tmpl.orgID, o.tmpl.ouPath)
	now, err := evalTime(o.now, &snapshot.Snapshot{})
	if err != nil {
		return err
	}
	// The error-finding exit rule of snapshot and live scans is not applied
	// here: a template value unresolvable statically is error by design.
	sum, _, err := scanInventory(ctx, stdio, l, inventory.NewState(snap), now, format, scan.Options{}, nil)
	if err != nil {
		return err
	}
	switch n := len(res.Problems); {
	case n == 1:
		return &ExitError{Code: ExitBadInput} // its one line is printed
	case n > 1:
		return &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%d template file(s) or resource(s) could not be read (see above); the others were scanned", n)}
	}
	return failGate(sum, o.failOn)
}
