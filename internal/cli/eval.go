package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/jsonstream"
	"github.com/secretwarden/warden/internal/snapshot"
)

type evalOpts struct {
	policyFlags
	input string
}

func newEval(stdio IO) *cobra.Command {
	o := &evalOpts{}
	cmd := &cobra.Command{
		Use:   "eval --input FILE",
		Short: "Evaluate one policy-input document (like opa eval)",
		Long: `Evaluate every posture check, and every event rule when the document has an
"event", against one policy-input document (schema v1, see
policies/input.schema.json) and print the results as JSON. "-" reads stdin.

The engine derives "ages" (the whole days and hours, rounded down, from each
timestamp of the secret to "now") and "version_stages" (VersionIdsToStages
without the version ids) from the secret; the date checks read those instead of the raw
timestamps. When the document has a non-null "secret" and lacks either, eval
fills it in the same way, so a hand-written input only needs the secret's
timestamps and "now". Values already present are kept as they are.`,
		Example: `  warden eval --input policies/testdata/public_policy.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), stdio)
		},
	}
	cmd.Flags().StringVarP(&o.input, "input", "i", "", "policy input JSON file, or - for stdin (required)")
	o.register(cmd)
	return cmd
}

type evalResult struct {
	PolicyID string   `json:"policy_id"`
	Severity string   `json:"severity"`
	Status   string   `json:"status"`
	Messages []string `json:"messages"`
}

func (o *evalOpts) run(ctx context.Context, stdio IO) error {
	if o.input == "" {
		return badInput(fmt.Errorf("--input is required"))
	}
	if err := o.parseLimits(); err != nil {
		return err
	}
	max := o.limits.WithDefaults().MaxRecord
	var raw []byte
	var err error
	name := "stdin"
	if o.input == "-" {
		raw, err = boundedio.ReadAll(stdio.In, max, "input document", boundedio.FlagMaxRecord)
	} else {
		name = o.input
		raw, err = boundedio.ReadFile(o.input, max, "input document", boundedio.FlagMaxRecord)
	}
	if err != nil {
		return badInput(fmt.Errorf("read input %s: %w", name, err))
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		if p, ok := jsonstream.ErrorPos(raw, jsonstream.Start, err); ok {
			return badInput(fmt.Errorf("%s: %s: malformed JSON: %s", name, p, jsonstream.JSONErrorText(err)))
		}
		return badInput(fmt.Errorf("%s: malformed JSON: %w", name, err))
	}
	deriveInput(doc)
	if err := validateInput(doc); err != nil {
		return badInput(fmt.Errorf("%s: %w", name, err))
	}
	l, err := o.load(ctx)
	if err != nil {
		return badInput(err)
	}
	val, err := ast.InterfaceToValue(doc)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", name, err))
	}
	out := struct {
		Results []evalResult `json:"results"`
		Actions []any        `json:"actions"`
	}{Results: []evalResult{}, Actions: []any{}}
	results, err := l.engine.Evaluate(ctx, val)
	if err != nil {
		return err
	}
	for _, res := range results {
		out.Results = append(out.Results, evalResult{PolicyID: res.Check.ID, Severity: res.Check.Severity, Status: string(res.Status), Messages: res.Messages})
	}
	if _, ok := doc["event"]; ok {
		resp, err := l.engine.Respond(ctx, val)
		if err != nil {
			return err
		}
		for _, a := range resp {
			out.Actions = append(out.Actions, map[string]any{"rule": a.Rule.ID, "kind": a.Kind, "reason": a.Reason, "severity": a.Severity, "statements": a.Statements, "targets": a.Targets})
		}
	}
	enc := json.NewEncoder(stdio.Out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// deriveInput fills in input.ages and input.version_stages, when the
// document has a secret object and lacks them, as the builder derives them
// (internal/input). A secret or "now" that cannot be read is left to the
// schema validation to report.
func deriveInput(doc map[string]any) {
	sec, ok := doc["secret"].(map[string]any)
	if !ok {
		return
	}
	_, hasAges := doc["ages"]
	_, hasStages := doc["version_stages"]
	if hasAges && hasStages {
		return
	}
	raw, err := json.Marshal(sec)
	if err != nil {
		return
	}
	var s snapshot.Secret
	if err := json.Unmarshal(raw, &s); err != nil {
		return
	}
	if !hasAges {
		if ts, ok := doc["now"].(string); ok {
			if now, err := time.Parse(time.RFC3339Nano, ts); err == nil {
				setTerm(doc, "ages", input.AgesTerm(&s, now))
			}
		}
	}
	if !hasStages {
		setTerm(doc, "version_stages", input.VersionStagesTerm(s.VersionIdsToStages))
	}
}

// setTerm sets doc[key] to the JSON form of t (nothing when t is nil).
func setTerm(doc map[string]any, key string, t *ast.Term) {
	if t == nil {
		return
	}
	if v, err := ast.JSON(t.Value); err == nil {
		doc[key] = v
	}
}

// validateInput checks the document against policies/input.schema.json.
func validateInput(doc map[string]any) error {
	v, err := inputSchema()
	if err != nil {
		return err
	}
	if err := v.Validate(doc); err != nil {
		return fmt.Errorf("does not match policy input schema v1: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}
