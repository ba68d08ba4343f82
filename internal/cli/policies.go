package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/output"
	"github.com/secretwarden/warden/internal/policy"
)

func newPolicies(stdio IO) *cobra.Command {
	var pf policyFlags
	var format string
	cmd := &cobra.Command{
		Use:   "policies",
		Short: "List every posture check and event rule from its METADATA",
		Example: `  warden policies
  warden policies --output markdown
  warden policies --policies ./our-checks --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := output.ParseFormat(format, output.Table, output.JSON, output.Markdown)
			if err != nil {
				return badInput(fmt.Errorf("--output: %w", err))
			}
			l, err := pf.load(cmd.Context())
			if err != nil {
				return badInput(err)
			}
			all := append(append([]policy.Check{}, l.engine.Checks()...), l.engine.Rules()...)
			return output.Policies(f, stdio.Out, all)
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: table|json|markdown")
	pf.register(cmd)
	return cmd
}
