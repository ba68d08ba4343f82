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
	OweHub(ctx context.Context, secretARN, policyID string, seen time.Time) error
}

// Recorder records findings and reports their changes: an SNS alert when a
// finding starts failing or is resolved (only changes alert), Security Hub
// for every changed or still-failing finding (PASSED and ARCHIVED when it
// clears), in the finding's own account and region, and a "Secret Warden
// Finding" event per change. A Security Hub import that fails is owed to the
// finding's next recording (OweHub) and reported in Recorded.HubErr, without
// failing the recording: one account's Security Hub never holds back the
// others, nor the findings state.
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
	// HubErr is why the finding's Security Hub import failed (it is owed).
	HubErr error
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
	var hub []finding.Finding
	var hubIdx []int
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
		if tr.Changed() || tr.HubOwed || (tr.Change == store.ChangeUnchanged && f.Status.Failing()) {
			hub = append(hub, f)
			hubIdx = append(hubIdx, i)
		}
		if tr.Changed() {
			evs = append(evs, Event{DetailType: DetailTypeFinding, Detail: FindingDetail{Finding: f, Transition: tr.String()},
				Resources: []string{f.SecretARN}, Time: f.LastSeen})
		}
	}
	if r.Hub != nil && len(hub) > 0 {
		for _, fail := range r.Hub.Import(ctx, hub) {
			for _, f := range fail.Findings {
				for k, cand := range hub {
					rec := &out[hubIdx[k]]
					if cand.SecretARN != f.SecretARN || cand.PolicyID != f.PolicyID {
						continue
					}
					rec.HubErr = fail.Err
					if err := r.Store.OweHub(ctx, f.SecretARN, f.PolicyID, rec.Transition.LastSeen); err != nil {
						// Not owed: the message must be retried to import it.
						rec.Err = errors.Join(rec.Err, fail.Err, err)
						errs = append(errs, fmt.Errorf("%w (and it could not be owed: %w)", fail.Err, err))
					}
				}
			}
		}
	}
	if r.Events != nil {
		if err := r.Events.Put(ctx, evs); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// HubFailures lists the account-regions whose Security Hub import failed,
// "ACCOUNT/REGION: why", once each.
func HubFailures(recs []Recorded) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range recs {
		if r.HubErr == nil {
			continue
		}
		k := r.Finding.AccountID + "/" + r.Finding.Region
		if !seen[k] {
			seen[k] = true
			out = append(out, k+": "+r.HubErr.Error())
		}
	}
	return out
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
