package decide

import (
	"context"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/apply"
	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Decider decides events against a working copy of the inventory.
type Decider struct {
	// State is the working copy that state-changing events update.
	State *inventory.State
	// Assessor evaluates posture (its Builder must read State).
	Assessor *assess.Assessor
	// History carries what earlier events tell.
	History History
}

// Decide decides one event. Events that cannot be decided are returned
// with Skipped set; an error is returned only for a broken event rule.
func (d *Decider) Decide(ctx context.Context, ev *event.Event) (*Decision, error) {
	dec := &Decision{
		EventID: ev.ID, EventName: ev.Name, Time: ev.Time, AccountID: ev.AccountID,
		Region: ev.Region, Actor: ev.Actor, Source: ev.Where,
		Findings: []finding.Finding{}, Actions: []Action{},
	}
	dec.SecretARN = firstNonEmpty(ev.Secret.ARN, ev.Secret.Raw)
	in := d.Assessor.Builder.ActorInOrganization(ev.Actor)
	dec.Actor.InOrganization = &in

	switch {
	case ev.Kind != event.KindGuardDuty && ev.Source != "secretsmanager.amazonaws.com":
		return skipped(dec, fmt.Sprintf("not a Secrets Manager event (%s %s)", orUnknown(ev.Source), ev.Name)), nil
	case apply.EffectOf(ev.Name) == apply.Unknown:
		return skipped(dec, fmt.Sprintf("unsupported event name %s: no rule decides it", ev.Name)), nil
	case apply.NeedsSecret(ev.Name) && ev.Secret.IsZero():
		return skipped(dec, fmt.Sprintf("secret not identifiable: %s names no secret", ev.Name)), nil
	}

	entry := apply.Lookup(d.State, ev, ev.Secret)
	if entry != nil {
		dec.SecretARN = entry.Secret.ARN
	}
	var before []finding.Finding
	if entry != nil && apply.EffectOf(ev.Name) == apply.Change && ev.ErrorCode == "" {
		before = d.Assessor.SecretAt(ctx, entry, ev.Time)
	}

	hist := input.History{PrincipalReads: []string{}}
	principal := firstNonEmpty(ev.Actor.PrincipalARN, ev.Actor.ARN, ev.Actor.PrincipalID)
	if ev.ErrorCode != "" && strings.HasPrefix(ev.ErrorCode, "AccessDenied") && apply.EffectOf(ev.Name) == apply.Access {
		hist.AccessDeniedCount = d.History.DeniedRead(principal, ev.Time)
	}

	if ev.ErrorCode == "" {
		changed, err := apply.Apply(d.State, ev)
		if err != nil {
			return skipped(dec, err.Error()), nil
		}
		if changed != nil {
			entry = changed
			dec.SecretARN = entry.Secret.ARN
		}
		if apply.EffectOf(ev.Name) == apply.Access {
			for _, arn := range readSecrets(d.State, ev) {
				d.History.Read(ActorKeys(ev.Actor), arn, ev.Time)
			}
		}
	}
	if ev.Kind == event.KindGuardDuty {
		hist.PrincipalReads = d.History.Reads(GuardDutyKeys(ev.GuardDuty), ev.Time)
	}

	var (
		inp    ast.Value
		inpErr error
		built  bool // inp and inpErr are the event input's
	)
	if entry != nil && apply.EffectOf(ev.Name) == apply.Change && ev.ErrorCode == "" {
		// The secret's part of the input is built once, for the posture
		// after the event and for the event rules.
		posture, evIn, err := d.Assessor.Builder.BuildPosture(ctx, entry, ev, hist)
		after := d.Assessor.SecretInput(ctx, entry, ev.Time, posture, err)
		inp, inpErr, built = evIn, err, true
		dec.Findings = changes(before, after)
		for _, f := range dec.Findings {
			if f.Status == finding.StatusFail && f.PolicyID != assess.ExpiredExceptionID {
				dec.Actions = append(dec.Actions, Action{
					Kind: "alert", Rule: f.PolicyID, Severity: f.Severity, SecretARN: f.SecretARN,
					Reason: fmt.Sprintf("%s now fails: %s", f.PolicyID, f.Message),
				})
			}
		}
	}

	if !built {
		inp, inpErr = d.Assessor.Builder.BuildEvent(ctx, entry, ev, hist)
	}
	if inpErr != nil {
		// The secret's own data is broken: decide the event without it.
		var err error
		inp, err = d.Assessor.Builder.BuildEvent(ctx, nil, ev, hist)
		if err != nil {
			return nil, fmt.Errorf("build input for event %s: %w", ev.ID, err)
		}
	}
	resp, err := d.Assessor.Engine.Respond(ctx, inp)
	if err != nil {
		return nil, fmt.Errorf("decide event %s: %w", ev.ID, err)
	}
	for _, r := range resp {
		d.plan(dec, entry, r, hist)
	}
	return dec, nil
}

// plan turns a rule response into actions, applying the rotation rails.
func (d *Decider) plan(dec *Decision, entry *snapshot.SecretEntry, r policy.Response, hist input.History) {
	base := Action{Kind: r.Kind, Rule: r.Rule.ID, Reason: r.Reason, Severity: r.Severity, SecretARN: dec.SecretARN, Statements: r.Statements}
	if r.Kind != "rotate" {
		dec.Actions = append(dec.Actions, base)
		return
	}
	if r.Targets == "principal_reads" {
		for _, arn := range hist.PrincipalReads {
			a := base
			a.SecretARN = arn
			a.Blocked = d.rotationBlocked(d.State.Lookup("", "", arn), dec)
			dec.Actions = append(dec.Actions, a)
		}
		if len(hist.PrincipalReads) == 0 {
			base.Kind = "alert"
			base.Reason += " (the access ledger holds no secret this principal read)"
			dec.Actions = append(dec.Actions, base)
		}
		return
	}
	base.Blocked = d.rotationBlocked(entry, dec)
	dec.Actions = append(dec.Actions, base)
}

// rotationBlocked applies the safety rails that replay can judge: a
// rotation function must be configured, no rotation may be in progress, and
// a secret is rotated at most once per dedupe window.
func (d *Decider) rotationBlocked(e *snapshot.SecretEntry, dec *Decision) string {
	switch {
	case e == nil:
		return "secret not in the inventory: rotation cannot be checked or planned"
	case e.Secret.RotationLambdaARN == "" && e.Secret.OwningService == "":
		return "no rotation function configured: alert only"
	case pending(&e.Secret):
		return "a rotation is already in progress (AWSPENDING present): alert only"
	case d.History.Rotated(e.Secret.ARN, dec.Time):
		return "already rotated within the dedupe window"
	}
	return ""
}

func pending(s *snapshot.Secret) bool {
	for _, stages := range s.VersionIdsToStages {
		cur := false
		pend := false
		for _, st := range stages {
			cur = cur || st == "AWSCURRENT"
			pend = pend || st == "AWSPENDING"
		}
		if pend && !cur {
			return true
		}
	}
	return false
}

// readSecrets are the ARNs (or raw references) a successful read names.
func readSecrets(st *inventory.State, ev *event.Event) []string {
	refs := ev.Secrets
	if len(refs) == 0 && !ev.Secret.IsZero() {
		refs = []event.SecretRef{ev.Secret}
	}
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		if e := apply.Lookup(st, ev, r); e != nil {
			out = append(out, e.Secret.ARN)
		} else {
			out = append(out, firstNonEmpty(r.ARN, r.Raw))
		}
	}
	return out
}

// changes returns the findings of after whose status differs from before.
func changes(before, after []finding.Finding) []finding.Finding {
	prev := make(map[string]finding.Status, len(before))
	for _, f := range before {
		prev[f.PolicyID] = f.Status
	}
	out := []finding.Finding{}
	for _, f := range after {
		if s, ok := prev[f.PolicyID]; !ok || s != f.Status {
			if !ok && (f.Status == finding.StatusPass || f.Status == finding.StatusNotApplicable) && len(before) > 0 {
				continue
			}
			out = append(out, f)
		}
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown source"
	}
	return s
}
