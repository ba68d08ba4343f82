package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/store"
)

// FindingStore keeps the findings state; *store.Store satisfies it.
type FindingStore interface {
	Record(ctx context.Context, f finding.Finding) (store.Transition, error)
	Get(ctx context.Context, secretARN, policyID string) (finding.Finding, bool, error)
	OweAlert(ctx context.Context, secretARN, policyID string, seen time.Time) error
}

// Recorder records findings and reports their changes: an SNS alert when a
// finding starts failing or is resolved (only changes alert), Security Hub
// for every changed or still-failing finding (RESOLVED when it passes
// again), and a "Secret Warden Finding" event per change.
type Recorder struct {
	Store FindingStore
	// Alerts, Hub and Events are each optional.
	Alerts *SNS
	Hub    *SecurityHub
	Events *EventBridge
	// DryRun reads the stored state to tell the transitions but writes and
	// sends nothing.
	DryRun bool
}

// Recorded is one finding with its transition (FirstSeen and LastSeen set
// from the store).
type Recorded struct {
	Finding    finding.Finding
	Transition store.Transition
	Err        error
}

// Record records fs and reports the changes. Every finding is attempted;
// the error joins every failure.
func (r *Recorder) Record(ctx context.Context, fs []finding.Finding) ([]Recorded, error) {
	if r.Store == nil {
		return nil, errors.New("record findings: no store configured")
	}
	out := make([]Recorded, 0, len(fs))
	var errs []error
	for _, f := range fs {
		tr, err := r.transition(ctx, f)
		if err != nil {
			errs = append(errs, err)
			out = append(out, Recorded{Finding: f, Err: err})
			continue
		}
		f.FirstSeen, f.LastSeen = tr.FirstSeen, tr.LastSeen
		out = append(out, Recorded{Finding: f, Transition: tr})
	}
	if r.DryRun {
		return out, errors.Join(errs...)
	}
	var hub, resolved []finding.Finding
	var evs []Event
	for i := range out {
		rec := &out[i]
		if rec.Err != nil {
			continue
		}
		tr, f := rec.Transition, rec.Finding
		if tr.Alerts() && r.Alerts != nil {
			if _, err := r.Alerts.Publish(ctx, findingAlert(f, tr)); err != nil {
				// The transition is stored: without a mark, the retry would
				// find it unchanged and the alert would be lost.
				if oerr := r.Store.OweAlert(ctx, f.SecretARN, f.PolicyID, tr.LastSeen); oerr != nil {
					err = errors.Join(err, oerr)
				}
				rec.Err = err
				errs = append(errs, err)
			}
		}
		switch {
		case tr.Resolved():
			resolved = append(resolved, f)
		case tr.Changed() || (tr.Change == store.ChangeUnchanged && f.Status.Failing()):
			hub = append(hub, f)
		}
		if tr.Changed() {
			evs = append(evs, Event{DetailType: DetailTypeFinding, Detail: FindingDetail{Finding: f, Transition: tr.String()},
				Resources: []string{f.SecretARN}, Time: f.LastSeen})
		}
	}
	if r.Hub != nil {
		if err := r.Hub.Import(ctx, hub); err != nil {
			errs = append(errs, err)
		}
		if err := r.Hub.Resolve(ctx, resolved); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Events != nil {
		if err := r.Events.Put(ctx, evs); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// transition records f, or in a dry run tells what recording would do.
func (r *Recorder) transition(ctx context.Context, f finding.Finding) (store.Transition, error) {
	if !r.DryRun {
		return r.Store.Record(ctx, f)
	}
	seen := f.LastSeen
	if seen.IsZero() {
		seen = time.Now().UTC()
	}
	prev, found, err := r.Store.Get(ctx, f.SecretARN, f.PolicyID)
	if err != nil {
		return store.Transition{}, fmt.Errorf("read finding state: %w", err)
	}
	tr := store.Transition{To: f.Status, FirstSeen: seen, LastSeen: seen}
	switch {
	case !found:
		tr.Change = store.ChangeNew
	case prev.LastSeen.After(seen):
		tr.Change = store.ChangeStale
	case prev.Status == f.Status:
		tr.Change, tr.From, tr.FirstSeen = store.ChangeUnchanged, prev.Status, prev.FirstSeen
	default:
		tr.Change, tr.From, tr.FirstSeen = store.ChangeChanged, prev.Status, prev.FirstSeen
	}
	return tr, nil
}

// FindingDetail is the detail of a "Secret Warden Finding" event.
type FindingDetail struct {
	finding.Finding
	Transition string `json:"transition"`
}

func findingAlert(f finding.Finding, tr store.Transition) Alert {
	done := "recorded: " + tr.String()
	if tr.Resolved() {
		done = "resolved: " + tr.String()
	}
	return Alert{
		Type: AlertFinding, SecretARN: f.SecretARN, SecretName: f.SecretName, AccountID: f.AccountID,
		Region: f.Region, PolicyID: f.PolicyID, Severity: f.Severity, Reason: f.Message, Done: done,
		Status: string(f.Status), Transition: tr.String(), Resolved: tr.Resolved(), Time: f.LastSeen,
	}
}
