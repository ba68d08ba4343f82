// Package assess turns one secret into findings: it builds the policy input,
// evaluates every posture check and applies exceptions. A secret whose data
// is broken gets error findings; it never stops the others.
package assess

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/internal/snapshot"
)

// ExpiredExceptionID is the policy id of the finding an expired exception yields.
const ExpiredExceptionID = "exception-expired"

// Assessor evaluates secrets. It is safe for concurrent use.
type Assessor struct {
	Engine  *policy.Engine
	Builder *input.Builder
	Config  *config.Config
}

// Secret returns the findings of every posture check for one secret, plus
// one exception-expired finding per expired exception that matches it.
func (a *Assessor) Secret(ctx context.Context, e *snapshot.SecretEntry) []finding.Finding {
	return a.SecretAt(ctx, e, a.Builder.Now())
}

// SecretAt is Secret evaluated at instant now (replay evaluates each event
// at its own time).
func (a *Assessor) SecretAt(ctx context.Context, e *snapshot.SecretEntry, now time.Time) []finding.Finding {
	in, err := a.Builder.BuildAt(ctx, e, now)
	return a.SecretInput(ctx, e, now, in, err)
}

// SecretInput is SecretAt on an input already built for e at now (err is
// the error building it gave, which makes every check an error finding).
func (a *Assessor) SecretInput(ctx context.Context, e *snapshot.SecretEntry, now time.Time, in ast.Value, err error) []finding.Finding {
	checks := a.Engine.Checks()
	out := make([]finding.Finding, 0, len(checks)+1)
	var results []policy.Result
	if err == nil {
		results, err = a.Engine.Evaluate(ctx, in)
	}
	acct := a.Builder.Account(e.AccountID)
	if err != nil {
		for i := range checks {
			f := base(&checks[i], e, acct, now)
			f.Status = finding.StatusError
			f.Message = "not evaluated: " + err.Error()
			out = append(out, f)
		}
		return out
	}
	var reads [][]string
	if len(e.Notes) > 0 {
		reads = a.Engine.Dependencies(in)
	}
	unread := a.Builder.Unreadable(ctx, e)
	for i, r := range results {
		f := base(r.Check, e, acct, now)
		f.Status = r.Status
		f.Message = r.Message()
		if reads != nil {
			applyNotes(&f, e.Notes, reads[i])
		}
		if why := a.unreadableFor(r.Check, unread); why != "" {
			// The check reads a part of the input that could not be read:
			// its verdict would be a guess.
			f.Status = finding.StatusError
			f.Message = "not evaluated: " + why
		}
		if f.Status == finding.StatusFail {
			a.exempt(&f, acct, e, now)
		}
		out = append(out, f)
	}
	for i := range a.Config.Exceptions {
		ex := &a.Config.Exceptions[i]
		if !ex.Expired(now) || !ex.Match.Matches(acct, e.AccountID, &e.Secret) {
			continue
		}
		f := finding.Finding{
			PolicyID:    ExpiredExceptionID,
			Title:       "An exception has expired",
			Severity:    "medium",
			Status:      finding.StatusFail,
			SecretARN:   e.Secret.ARN,
			SecretName:  e.Secret.Name,
			AccountID:   e.AccountID,
			Region:      e.Region,
			Message:     fmt.Sprintf("exception %s for %s expired on %s (%s); it no longer applies", ex.ID, ex.PolicyID, ex.Expires.Format("2006-01-02"), ex.Reason),
			Controls:    []string{},
			Remediation: "Fix the finding the exception covered, or renew the exception with a new expiry after review.",
			Exception:   ex.ID,
			FirstSeen:   now,
			LastSeen:    now,

			ExceptionExpires: expiry(ex),
		}
		setAccount(&f, acct)
		locate(&f, e)
		out = append(out, f)
	}
	return out
}

// unreadableFor joins the reasons of the unreadable parts check reads ("":
// none).
func (a *Assessor) unreadableFor(check *policy.Check, unread []input.Unreadable) string {
	var why []string
	for _, u := range unread {
		need := a.Engine.Needs(check, u.Path)
		if u.Derived {
			need = a.Engine.NeedsWithin(check, u.Path)
		}
		if need && !slices.Contains(why, u.Reason) {
			why = append(why, u.Reason)
		}
	}
	return strings.Join(why, "; ")
}

// exempt turns a failing finding into an exempt one when a live exception
// covers it, and notes an expired one.
func (a *Assessor) exempt(f *finding.Finding, acct *snapshot.Account, e *snapshot.SecretEntry, now time.Time) {
	for i := range a.Config.Exceptions {
		ex := &a.Config.Exceptions[i]
		if !ex.Applies(f.PolicyID, acct, e.AccountID, &e.Secret) {
			continue
		}
		if ex.Expired(now) {
			f.Message += fmt.Sprintf(" (exception %s expired on %s)", ex.ID, ex.Expires.Format("2006-01-02"))
			continue
		}
		f.Status = finding.StatusExempt
		f.Exception = ex.ID
		f.ExceptionExpires = expiry(ex)
		f.Message = fmt.Sprintf("exempt by %s until %s: %s (finding: %s)", ex.ID, ex.Expires.Format("2006-01-02"), ex.Reason, f.Message)
		return
	}
}

// expiry is an exception's expiry as a finding carries it.
func expiry(ex *config.Exception) string { return ex.Expires.UTC().Format(time.RFC3339) }

// setAccount copies the account's name and OU path onto f (nil: unknown).
func setAccount(f *finding.Finding, acct *snapshot.Account) {
	if acct != nil {
		f.AccountName, f.OuPath = acct.Name, acct.OuPath
	}
}

func base(ch *policy.Check, e *snapshot.SecretEntry, acct *snapshot.Account, now time.Time) finding.Finding {
	arn := e.Secret.ARN
	if arn == "" {
		arn = fmt.Sprintf("unknown:%s:%s:%s", e.AccountID, e.Region, e.Secret.Name)
	}
	controls := ch.Controls
	if controls == nil {
		controls = []string{}
	}
	f := finding.Finding{
		PolicyID:    ch.ID,
		Title:       ch.Title,
		Severity:    ch.Severity,
		SecretARN:   arn,
		SecretName:  e.Secret.Name,
		AccountID:   e.AccountID,
		Region:      e.Region,
		Controls:    controls,
		Remediation: ch.Remediation,
		FirstSeen:   now,
		LastSeen:    now,
	}
	setAccount(&f, acct)
	locate(&f, e)
	return f
}

// locate gives the finding of a secret declared by a template its
// template identifier and source position.
func locate(f *finding.Finding, e *snapshot.SecretEntry) {
	o := e.Origin
	if o == nil {
		return
	}
	f.SecretARN = o.ID
	f.ResourceType, f.LogicalID, f.File, f.Line = o.ResourceType, o.LogicalID, o.File, o.Line
}

// applyNotes qualifies a check's verdict with the notes on the parts of the
// input it reads (reads, from policy.Engine.Dependencies): a check that reads state
// that cannot exist yet is not_applicable; one that reads an unknown value
// is an error, never a silent pass; one that reads an assumed value says so.
func applyNotes(f *finding.Finding, notes []snapshot.InputNote, reads []string) {
	var unknown, inapplicable, assumed []string
	var inapplicablePaths []string
	for _, n := range notes {
		hit := false
		for _, r := range reads {
			if policy.Overlaps(n.Path, r) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		switch n.Kind {
		case snapshot.NoteUnknown:
			unknown = appendNew(unknown, n.Reason)
		case snapshot.NoteInapplicable:
			inapplicable = appendNew(inapplicable, n.Reason)
			inapplicablePaths = appendNew(inapplicablePaths, n.Path)
		case snapshot.NoteAssumed:
			assumed = appendNew(assumed, n.Reason)
		}
	}
	switch {
	case len(inapplicable) > 0:
		f.Status = finding.StatusNotApplicable
		f.Message = fmt.Sprintf("%s (reads %s)", strings.Join(inapplicable, "; "), strings.Join(inapplicablePaths, ", "))
		return
	case len(unknown) > 0:
		f.Status = finding.StatusError
		f.Message = strings.Join(unknown, "; ")
	}
	if len(assumed) > 0 {
		note := "assumes " + strings.Join(assumed, ", ")
		if f.Message == "" {
			f.Message = note
		} else {
			f.Message += " (" + note + ")"
		}
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
