package action

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
)

// Deduper makes an action happen once per event; *store.Store satisfies it.
type Deduper interface {
	Once(ctx context.Context, key string, window time.Duration, now time.Time) (bool, error)
	Release(ctx context.Context, key string) error
}

// PriorPolicySaver keeps the policy a remediation replaced with the
// finding; *store.Store satisfies it.
type PriorPolicySaver interface {
	SavePriorPolicy(ctx context.Context, secretARN, policyID, policy string, at time.Time) error
}

// Executor runs a decision's actions.
//
// Alerts run in every mode; remediation and rotation only for rules in
// enforce mode, never in a dry run, and never when a safety rail blocked
// them. An action that does not run records why in Action.Blocked and, as
// the fallback to alert-only, is reported by an alert (the rule's own alert
// when the decision has one, else an alert of its own). Alerts say what was
// done. Every action is attempted: one failure never stops the others.
type Executor struct {
	// Modes are the per-rule modes (WARDEN_MODES).
	Modes Modes
	// DryRun plans without executing: nothing is sent, written or changed.
	DryRun bool
	// Alerts publishes alerts (required for alert actions).
	Alerts *SNS
	// Events, when set, receives a "Secret Warden Action" event per action.
	Events *EventBridge
	// Remediator removes offending resource-policy statements.
	Remediator *Remediator
	// Rotator rotates (DirectRotator) or queues (QueueRotator) rotations.
	Rotator Rotator
	// Dedupe, when set, makes each action of an event run once even when the
	// event is delivered again (its claim is released when the action fails).
	Dedupe Deduper
	// DedupeWindow is how long an action is remembered (default 24 hours).
	DedupeWindow time.Duration
	// PriorPolicies, when set, keeps the policy a remediation replaced.
	PriorPolicies PriorPolicySaver
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives failures that are not the action's own (default slog.Default()).
	Log *slog.Logger
}

// ExecOptions carry what the decision does not.
type ExecOptions struct {
	// PolicyAsPut is the resource policy the decision's statement indices
	// refer to (PolicyAsPut(event)); remediation needs it.
	PolicyAsPut string
	// FindingAlertsHandled skips the decision's alerts for findings (an
	// alert whose rule is the policy of one of the decision's findings):
	// the Recorder alerts on those, only when the stored status changes.
	FindingAlertsHandled bool
}

// Outcome is what happened to one action.
type Outcome struct {
	Kind     string
	Executed bool
	// Note says what was done, or why not.
	Note string
	// Err is the action's failure (nil when it succeeded or was not run by design).
	Err error
	// PriorPolicy is the resource policy a remediation replaced.
	PriorPolicy string

	retry bool // the action itself failed: release its dedupe claim
}

// Errors lists the outcomes' errors, one per failed action.
func Errors(outs []Outcome) []error {
	var errs []error
	for _, o := range outs {
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.Kind, o.Err))
		}
	}
	return errs
}

// PolicyAsPut returns the resource policy a PutResourcePolicy event put
// (request.resourcePolicy), or "" when the event carries none.
func PolicyAsPut(ev *event.Event) string {
	if ev == nil {
		return ""
	}
	switch p := ev.Request["resourcePolicy"].(type) {
	case string:
		return p
	case map[string]any:
		doc := &policyDoc{fields: p}
		if st, ok := p["Statement"].([]any); ok {
			doc.statements = st
		}
		if text, err := doc.render(doc.statements); err == nil {
			return text
		}
	}
	return ""
}

func (x *Executor) now() time.Time { return defaults.Now(x.Now) }

func (x *Executor) log() *slog.Logger { return defaults.Logger(x.Log) }

// Execute runs dec's actions, sets each Action's Executed and Blocked, and
// returns one Outcome per action, in order. Remediations and rotations run
// first, so the alerts can say what was done.
func (x *Executor) Execute(ctx context.Context, dec *decide.Decision, opts ExecOptions) []Outcome {
	outs := make([]Outcome, len(dec.Actions))
	if dec.Skipped != nil {
		for i, a := range dec.Actions {
			outs[i] = Outcome{Kind: a.Kind, Note: "decision skipped: " + *dec.Skipped}
		}
		return outs
	}
	hasAlert := map[string]bool{}
	for _, a := range dec.Actions {
		if a.Kind == KindAlert {
			hasAlert[siblingKey(a)] = true
		}
	}
	for i := range dec.Actions {
		a := &dec.Actions[i]
		if a.Kind == KindRemediate || a.Kind == KindRotate {
			outs[i] = x.once(ctx, dec, a, func() Outcome { return x.enforce(ctx, dec, a, opts, hasAlert[siblingKey(*a)]) })
		}
	}
	for i := range dec.Actions {
		a := &dec.Actions[i]
		switch a.Kind {
		case KindRemediate, KindRotate:
		case KindAlert:
			outs[i] = x.once(ctx, dec, a, func() Outcome { return x.alert(ctx, dec, a, opts, done(dec, outs, *a)) })
		default:
			a.Blocked = "unknown action kind " + a.Kind + ": not executed"
			outs[i] = Outcome{Kind: a.Kind, Note: a.Blocked, Err: fmt.Errorf("unknown action kind %q", a.Kind)}
		}
	}
	x.publishEvents(ctx, dec, outs)
	return outs
}

// siblingKey groups the actions of one rule on one secret.
func siblingKey(a decide.Action) string { return a.Rule + "\x00" + a.SecretARN }

// done summarises what the rule's remediations and rotations did, for its alert.
func done(dec *decide.Decision, outs []Outcome, alert decide.Action) string {
	var parts []string
	for i, a := range dec.Actions {
		if (a.Kind == KindRemediate || a.Kind == KindRotate) && siblingKey(a) == siblingKey(alert) {
			parts = append(parts, a.Kind+": "+outs[i].Note)
		}
	}
	if len(parts) == 0 {
		return "alerted"
	}
	return "alerted; " + strings.Join(parts, "; ")
}

// once runs an action unless an earlier delivery of the same event already
// did; a failed action's claim is released so a redelivery retries it.
func (x *Executor) once(ctx context.Context, dec *decide.Decision, a *decide.Action, run func() Outcome) Outcome {
	if x.Dedupe == nil || dec.EventID == "" || x.DryRun {
		return run()
	}
	window := x.DedupeWindow
	if window <= 0 {
		window = 24 * time.Hour
	}
	key := actionKey(dec.EventID, *a)
	first, err := x.Dedupe.Once(ctx, key, window, x.now())
	if err != nil {
		// Acting twice beats not acting: rotations are still deduplicated
		// by the rails and remediation finds nothing left to remove.
		x.log().Warn("action dedupe unavailable: acting anyway", slog.String("event_id", dec.EventID), slog.String("kind", a.Kind), slog.String("error", err.Error()))
		return run()
	}
	if !first {
		a.Blocked = "duplicate delivery: already handled for event " + dec.EventID
		return Outcome{Kind: a.Kind, Note: a.Blocked}
	}
	o := run()
	if o.retry {
		if err := x.Dedupe.Release(ctx, key); err != nil {
			x.log().Warn("could not release an action claim", slog.String("event_id", dec.EventID), slog.String("error", err.Error()))
		}
	}
	return o
}

// actionKey identifies one action of one event.
func actionKey(eventID string, a decide.Action) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{eventID, a.Kind, a.Rule, a.SecretARN}, "\x00")))
	return "action#" + hex.EncodeToString(sum[:16])
}

func (x *Executor) baseAlert(dec *decide.Decision, a *decide.Action) Alert {
	at := dec.Time
	if at.IsZero() {
		at = x.now()
	}
	return Alert{
		Type: AlertAction, SecretARN: orDefault(a.SecretARN, dec.SecretARN), PolicyID: a.Rule,
		Severity: a.Severity, Reason: a.Reason, EventID: dec.EventID, EventName: dec.EventName,
		Actor: orDefault(dec.Actor.ARN, dec.Actor.PrincipalARN), Time: at,
	}
}

// alert runs an alert action.
func (x *Executor) alert(ctx context.Context, dec *decide.Decision, a *decide.Action, opts ExecOptions, what string) Outcome {
	o := Outcome{Kind: a.Kind}
	if opts.FindingAlertsHandled && isFindingAlert(dec, *a) {
		a.Blocked = "finding alerts come from the findings state (only a change alerts)"
		o.Note = a.Blocked
		return o
	}
	if x.DryRun {
		a.Blocked = "dry-run: alert not published"
		o.Note = a.Blocked
		return o
	}
	if x.Alerts == nil {
		a.Blocked = "no alert topic configured"
		o.Note, o.Err, o.retry = a.Blocked, errors.New("alert: no alert topic configured"), true
		return o
	}
	al := x.baseAlert(dec, a)
	al.Done = what
	if _, err := x.Alerts.Publish(ctx, al); err != nil {
		o.Note, o.Err, o.retry = "alert not published", err, true
		return o
	}
	a.Executed, o.Executed, o.Note = true, true, what
	return o
}

func isFindingAlert(dec *decide.Decision, a decide.Action) bool {
	for _, f := range dec.Findings {
		if f.PolicyID == a.Rule && (a.SecretARN == "" || f.SecretARN == a.SecretARN) {
			return true
		}
	}
	return false
}

// enforce runs a remediation or rotation, or records why not; without a
// sibling alert it reports itself with an alert of its own.
func (x *Executor) enforce(ctx context.Context, dec *decide.Decision, a *decide.Action, opts ExecOptions, sibling bool) Outcome {
	o := Outcome{Kind: a.Kind}
	switch {
	case a.Blocked != "":
		// A rail the decision could judge already stopped it.
	case x.Modes.For(a.Rule) != ModeEnforce:
		a.Blocked = fmt.Sprintf("%s is in %s mode", a.Rule, x.Modes.For(a.Rule))
	case x.DryRun:
		a.Blocked = "dry-run"
	case a.Kind == KindRemediate && x.Remediator == nil:
		a.Blocked = "no remediator configured: alert only"
	case a.Kind == KindRotate && x.Rotator == nil:
		a.Blocked = "no rotator configured: alert only"
	}
	if a.Blocked != "" {
		o.Note = "not executed: " + a.Blocked
	} else if a.Kind == KindRemediate {
		o = x.remediate(ctx, a, opts)
	} else {
		o = x.rotate(ctx, dec, a)
	}
	if sibling || x.DryRun {
		return o
	}
	al := x.baseAlert(dec, a)
	al.Done = a.Kind + ": " + o.Note
	if x.Alerts == nil {
		o.Err = errors.Join(o.Err, errors.New("alert: no alert topic configured"))
	} else if _, err := x.Alerts.Publish(ctx, al); err != nil {
		o.Err = errors.Join(o.Err, err)
	}
	return o
}

func (x *Executor) remediate(ctx context.Context, a *decide.Action, opts ExecOptions) Outcome {
	o := Outcome{Kind: a.Kind}
	res, err := x.Remediator.Remediate(ctx, RemediationRequest{SecretARN: a.SecretARN, Statements: a.Statements, DecidedPolicy: opts.PolicyAsPut})
	o.PriorPolicy = res.PriorPolicy
	if err != nil {
		o.Note, o.Err, o.retry = "remediation failed: "+err.Error(), err, true
		return o
	}
	if len(res.Removed) == 0 {
		a.Blocked = "nothing removed: " + strings.Join(res.Skipped, "; ")
		o.Note = a.Blocked
		return o
	}
	what := fmt.Sprintf("removed statement(s) %v from the resource policy", res.Removed)
	if res.Deleted {
		what = fmt.Sprintf("removed statement(s) %v; nothing remained, so the resource policy was deleted", res.Removed)
	}
	if len(res.Skipped) > 0 {
		what += " (kept: " + strings.Join(res.Skipped, "; ") + ")"
	}
	a.Executed, o.Executed = true, true
	if x.PriorPolicies != nil && res.Changed {
		if err := x.PriorPolicies.SavePriorPolicy(ctx, a.SecretARN, a.Rule, res.PriorPolicy, x.now()); err != nil {
			o.Err = err // the remediation stands: no retry
			what += "; the prior policy could not be saved"
		} else {
			what += "; the prior policy is saved with the finding"
		}
	}
	o.Note = what
	return o
}

func (x *Executor) rotate(ctx context.Context, dec *decide.Decision, a *decide.Action) Outcome {
	o := Outcome{Kind: a.Kind}
	res, err := x.Rotator.Rotate(ctx, RotationRequest{
		SecretARN: a.SecretARN, Rule: a.Rule, Reason: a.Reason, Severity: a.Severity,
		EventID: dec.EventID, EventName: dec.EventName, Actor: orDefault(dec.Actor.ARN, dec.Actor.PrincipalARN),
		Requested: orNow(dec.Time, x.now()),
	})
	switch {
	case err != nil:
		if res.Blocked != "" {
			a.Blocked = res.Blocked
		}
		o.Note, o.Err, o.retry = "emergency rotation failed: "+err.Error(), err, true
	case res.Rotated:
		a.Executed, o.Executed = true, true
		o.Note = "emergency rotation started (RotateSecret, new version " + res.VersionID + ")"
	case res.Queued:
		o.Note = "emergency rotation queued for the rotate handler (safety rails apply there)"
	default:
		a.Blocked = res.Blocked
		o.Note = "not executed: " + res.Blocked
	}
	return o
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// EventDetail is the detail of a "Secret Warden Action" event: the action
// with the event and secret it concerns and what happened.
type EventDetail struct {
	EventID   string `json:"event_id,omitempty"`
	EventName string `json:"event_name,omitempty"`
	SecretARN string `json:"secret_arn,omitempty"`
	AccountID string `json:"account_id,omitempty"`
	Region    string `json:"region,omitempty"`
	decide.Action
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`
}

// publishEvents puts one "Secret Warden Action" event per action; a
// failure is added to every action's error.
func (x *Executor) publishEvents(ctx context.Context, dec *decide.Decision, outs []Outcome) {
	if x.Events == nil || x.DryRun || len(dec.Actions) == 0 {
		return
	}
	evs := make([]Event, 0, len(dec.Actions))
	for i, a := range dec.Actions {
		rec := EventDetail{EventID: dec.EventID, EventName: dec.EventName, SecretARN: orDefault(a.SecretARN, dec.SecretARN),
			AccountID: dec.AccountID, Region: dec.Region, Action: a, Note: outs[i].Note}
		if outs[i].Err != nil {
			rec.Error = outs[i].Err.Error()
		}
		var res []string
		if rec.SecretARN != "" {
			res = []string{rec.SecretARN}
		}
		evs = append(evs, Event{DetailType: DetailTypeAction, Detail: rec, Resources: res, Time: orNow(dec.Time, x.now())})
	}
	if err := x.Events.Put(ctx, evs); err != nil {
		for i := range outs {
			outs[i].Err = errors.Join(outs[i].Err, fmt.Errorf("action event: %w", err))
		}
	}
}
