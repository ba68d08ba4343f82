// Package sweep is the handler of the sweep Lambda. It has two inputs:
//
//   - the scheduled EventBridge event ("detail-type": "Scheduled Event"):
//     it fans out, one sweep-queue message per active account and covered
//     region, so nothing depends on an event having arrived;
//   - a batch of the sweep queue: each message is one account-region
//     ({"account_id": "…", "region": "…"}) whose every secret is evaluated
//     and recorded: failures alert, secrets that became compliant are
//     resolved, and what could not be read gets error findings.
package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/assess"
	policyconfig "github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/lambda/batch"
	"github.com/secretwarden/warden/internal/lambda/live"
	"github.com/secretwarden/warden/internal/lambda/metrics"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/internal/scan"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Function is the handler's name in logs and metrics.
const Function = "sweep"

// MaxBatch is SendMessageBatch's limit of entries per call.
const MaxBatch = 10

// Unit is one account-region to sweep: the body of a sweep-queue message.
type Unit struct {
	AccountID string `json:"account_id"`
	Region    string `json:"region"`
	// Started is when the sweep fanned out: the timestamp of the unit's
	// compliance metrics, so that all units of one sweep fall in the same
	// period (absent in older messages: the unit's own time).
	Started time.Time `json:"started,omitzero"`
}

// SendMessageBatchAPI is the SQS SendMessageBatch call.
type SendMessageBatchAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// Organization names the accounts to sweep; *live.Source satisfies it.
type Organization interface {
	Organization(ctx context.Context) (snapshot.Organization, []snapshot.Account, error)
}

// Units gives the inventory of one account-region; *live.Source satisfies it.
type Units interface {
	Unit(accountID, region string) (inventory.Inventory, error)
}

// StateLoader loads the live state of named secrets; *live.Source
// satisfies it.
type StateLoader interface {
	State(ctx context.Context, refs []live.Ref, now time.Time) (*inventory.State, []string, error)
}

// OrderQueue queues decisions for the rotate handler, which executes them
// through the Responder; *action.QueueRotator satisfies it.
type OrderQueue interface {
	SendOrder(ctx context.Context, o action.Order) error
}

// ExposureCheck is the posture check whose failure makes the sweep decide
// the secret's resource policy as the event path decides a
// PutResourcePolicy (rule resource-policy-exposed).
const ExposureCheck = "no-external-access"

// FindingReader reads a secret's stored findings; *store.Store satisfies it.
type FindingReader interface {
	Findings(ctx context.Context, secretARN string) ([]finding.Finding, error)
}

// Handler sweeps.
type Handler struct {
	// Org lists the accounts (fan-out).
	Org Organization
	// OrganizationID is the expected organization (WARDEN_ORGANIZATION_ID):
	// the fan-out refuses to run against another one (or none).
	OrganizationID string
	// Regions are the regions covered (WARDEN_REGIONS).
	Regions []string
	// Queue and QueueURL receive the units (WARDEN_SWEEP_QUEUE_URL).
	Queue    SendMessageBatchAPI
	QueueURL string
	// Units reads one account-region.
	Units Units
	// Engine is the compiled policy engine; Policy its data.
	Engine *policy.Engine
	Policy *policyconfig.Config
	// Recorder records the findings (only changes alert; fail→pass resolves).
	Recorder *action.Recorder
	// Findings reads stored findings (to resolve an account-region that
	// could not be read before and can now).
	Findings FindingReader
	// States, Orders and History hand the exposures the sweep finds to the
	// rotate handler: a secret failing ExposureCheck is loaded again,
	// decided as a PutResourcePolicy of the policy in place would be (the
	// same rule, the same rails), and the decision is queued as an Order;
	// the rotate handler applies the rule's mode and rails and acts through
	// the Responder, which the sweep may never assume. Without Orders the
	// exposures are only recorded.
	States  StateLoader
	Orders  OrderQueue
	History func(ctx context.Context) decide.History
	// LedgerOff tells that read events are off (WARDEN_READ_EVENTS=off):
	// each fan-out then resets the ledger's Coverage, so that when they are
	// turned on again the ledger only counts from then (its gap is never
	// taken for coverage).
	LedgerOff bool
	Coverage  interface {
		ResetCoverage(ctx context.Context) error
	}
	// Metrics receives one EMF line per invocation (default os.Stdout).
	Metrics io.Writer
	// Log receives one line per fan-out and per unit (default slog.Default()).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (h *Handler) now() time.Time { return defaults.Now(h.Now) }

func (h *Handler) log() *slog.Logger { return defaults.Logger(h.Log) }

// Handle accepts either input, told apart by shape: a payload with
// "Records" is an SQS batch (the response lists the units to retry);
// otherwise it must be the scheduled event (the response is nil and an
// error means the fan-out is incomplete: the invocation is retried, and a
// unit queued twice is only evaluated twice).
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (*events.SQSEventResponse, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("decode sweep input: %w", err)
	}
	m := metrics.New(h.metricsOut(), Function)
	defer func() {
		if err := m.Flush(); err != nil {
			h.log().Warn("metrics not written", slog.String("error", err.Error()))
		}
	}()
	switch {
	case len(probe.Records) > 0 && string(probe.Records) != "null":
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode sweep queue batch: %w", err)
		}
		resp := batch.Process(ctx, ev, h.log(), m, func(ctx context.Context, msg events.SQSMessage) error {
			return h.unit(ctx, msg, m)
		})
		return &resp, nil
	case probe.DetailType == "Scheduled Event":
		return nil, h.FanOut(ctx, m)
	}
	return nil, fmt.Errorf("sweep: unrecognized input (source %q, detail-type %q): want the scheduled event or a sweep queue batch", probe.Source, probe.DetailType)
}

// FanOut queues one unit per active account and covered region, in batches
// of MaxBatch. Entries SQS fails for its own reasons are sent once more;
// what still fails is the error.
func (h *Handler) FanOut(ctx context.Context, m *metrics.Set) error {
	if h.LedgerOff && h.Coverage != nil {
		if err := h.Coverage.ResetCoverage(ctx); err != nil {
			h.log().Warn("ledger coverage not reset (read events are off)", slog.String("error", err.Error()))
		}
	}
	org, accounts, err := h.Org.Organization(ctx)
	if err != nil {
		return fmt.Errorf("list accounts: %w", err)
	}
	if h.OrganizationID != "" && org.ID != h.OrganizationID {
		return fmt.Errorf("list accounts: want organization %s (WARDEN_ORGANIZATION_ID), found %q: is this the management or delegated-administrator account, with organizations:ListAccounts and DescribeOrganization?", h.OrganizationID, org.ID)
	}
	var units []Unit
	started := h.now().UTC().Truncate(time.Second)
	for _, a := range accounts {
		if a.Status != "" && a.Status != "ACTIVE" {
			continue
		}
		for _, r := range h.Regions {
			units = append(units, Unit{AccountID: a.ID, Region: r, Started: started})
		}
	}
	sort.Slice(units, func(i, j int) bool {
		if units[i].AccountID != units[j].AccountID {
			return units[i].AccountID < units[j].AccountID
		}
		return units[i].Region < units[j].Region
	})
	var errs []error
	sent := 0
	for start := 0; start < len(units); start += MaxBatch {
		n, err := h.send(ctx, units[start:min(start+MaxBatch, len(units))])
		sent += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	m.Add(metrics.UnitsQueued, float64(sent))
	h.log().Info("sweep fanned out", slog.Int("units", sent), slog.Int("wanted", len(units)), slog.Int("regions", len(h.Regions)))
	if len(errs) > 0 {
		return fmt.Errorf("queue sweep units: %d of %d not queued: %w", len(units)-sent, len(units), errors.Join(errs...))
	}
	return nil
}

// send queues one batch and returns how many units were queued.
func (h *Handler) send(ctx context.Context, units []Unit) (int, error) {
	entries := make([]sqstypes.SendMessageBatchRequestEntry, 0, len(units))
	for i, u := range units {
		body, err := json.Marshal(u)
		if err != nil {
			return 0, fmt.Errorf("encode sweep unit: %w", err)
		}
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String("u" + strconv.Itoa(i)), MessageBody: aws.String(string(body))})
	}
	queued := 0
	for attempt := 1; ; attempt++ {
		out, err := h.Queue.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(h.QueueURL), Entries: entries})
		if err != nil {
			return queued, fmt.Errorf("send %d sweep unit(s): %w", len(entries), err)
		}
		queued += len(out.Successful)
		if len(out.Failed) == 0 {
			return queued, nil
		}
		byID := map[string]sqstypes.SendMessageBatchRequestEntry{}
		for _, e := range entries {
			byID[aws.ToString(e.Id)] = e
		}
		var retry []sqstypes.SendMessageBatchRequestEntry
		var errs []error
		for _, f := range out.Failed {
			e, ok := byID[aws.ToString(f.Id)]
			if ok && !f.SenderFault && attempt == 1 {
				retry = append(retry, e)
				continue
			}
			errs = append(errs, fmt.Errorf("send sweep unit %s: %s: %s", aws.ToString(e.MessageBody), aws.ToString(f.Code), aws.ToString(f.Message)))
		}
		if len(retry) == 0 {
			return queued, errors.Join(errs...)
		}
		entries = retry
	}
}

var (
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`)
)

// DecodeUnit reads a sweep-queue message body.
func DecodeUnit(body string) (Unit, error) {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	var u Unit
	if err := dec.Decode(&u); err != nil {
		return Unit{}, fmt.Errorf("decode sweep unit: %w", err)
	}
	if !accountRe.MatchString(u.AccountID) {
		return Unit{}, fmt.Errorf("decode sweep unit: account_id %q is not a 12-digit account id", u.AccountID)
	}
	if !regionRe.MatchString(u.Region) {
		return Unit{}, fmt.Errorf("decode sweep unit: region %q is not a region name", u.Region)
	}
	return u, nil
}

// unit evaluates every secret of one account-region and records the findings.
func (h *Handler) unit(ctx context.Context, msg events.SQSMessage, m *metrics.Set) error {
	u, err := DecodeUnit(msg.Body)
	if err != nil {
		return batch.Malformed("%v", err)
	}
	inv, err := h.Units.Unit(u.AccountID, u.Region)
	if err != nil {
		return fmt.Errorf("sweep %s/%s: %w", u.AccountID, u.Region, err)
	}
	now := h.now()
	b, err := input.NewBuilder(ctx, inv, h.Policy.Params, now)
	if err != nil {
		return fmt.Errorf("sweep %s/%s: %w", u.AccountID, u.Region, err)
	}
	a := &assess.Assessor{Engine: h.Engine, Builder: b, Config: h.Policy}
	var recErrs []error
	unread := false
	var failing, errored int
	var exposed []string
	posture := metrics.NewPosture(now)
	sum, err := scan.Run(ctx, inv, a, scan.Options{}, func(fs []finding.Finding) error {
		for i := range fs {
			f := &fs[i]
			posture.Add(f)
			switch f.Status {
			case finding.StatusFail:
				failing++
				if f.PolicyID == ExposureCheck && !IsPlaceholder(f.SecretARN) {
					exposed = append(exposed, f.SecretARN)
				}
			case finding.StatusError:
				errored++
				unread = unread || IsPlaceholder(f.SecretARN)
			}
		}
		recs, err := h.Recorder.Record(ctx, fs)
		if err != nil {
			recErrs = append(recErrs, err)
		}
		metrics.HubFailures(m, h.log(), recs)
		m.Add(metrics.ActionsExecuted, float64(metrics.AlertsPublished(h.Recorder, recs)))
		return nil
	})
	if err != nil {
		return fmt.Errorf("sweep %s/%s: %w", u.AccountID, u.Region, err)
	}
	if !unread {
		if err := h.resolveUnread(ctx, u, now, m); err != nil {
			recErrs = append(recErrs, err)
		}
	}
	if err := h.handOff(ctx, exposed, now, m); err != nil {
		recErrs = append(recErrs, err)
	}
	m.Add(metrics.FindingsFailed, float64(failing))
	m.Add(metrics.FindingsError, float64(errored))
	attrs := []any{slog.String("account_id", u.AccountID), slog.String("region", u.Region), slog.Int("secrets", sum.Secrets),
		slog.Int("failing", failing), slog.Int("not_evaluated", errored)}
	if unread {
		attrs = append(attrs, slog.Bool("account_region_unreadable", true))
	}
	h.log().Info("unit swept", attrs...)
	if len(recErrs) > 0 {
		return fmt.Errorf("record findings of %s/%s: %w", u.AccountID, u.Region, errors.Join(recErrs...))
	}
	// Written once the unit is done, so a retried unit is not counted twice.
	started := u.Started
	if started.IsZero() {
		started = now
	}
	if err := posture.Write(h.metricsOut(), started); err != nil {
		h.log().Warn("compliance metrics not written", slog.String("error", err.Error()))
	}
	return nil
}

// SweepEventName is the event name of the decisions the sweep hands off.
const SweepEventName = "SweepExposure"

// handOff decides each exposed secret as the event path decides a
// PutResourcePolicy of the policy in place, and queues the decision for the
// rotate handler. The decision's event id is derived from the secret and
// the policy text, so one exposure acts once (the rotate handler claims
// each action), however many sweeps find it.
func (h *Handler) handOff(ctx context.Context, arns []string, now time.Time, m *metrics.Set) error {
	if h.Orders == nil || h.States == nil || len(arns) == 0 {
		return nil
	}
	refs := make([]live.Ref, 0, len(arns))
	for _, arn := range arns {
		if r, ok := live.RefOfARN(arn); ok {
			refs = append(refs, r)
		}
	}
	st, loaded, err := h.States.State(ctx, refs, now)
	if err != nil {
		return fmt.Errorf("load exposed secrets: %w", err)
	}
	b, err := input.NewBuilder(ctx, st, h.Policy.Params, now)
	if err != nil {
		return fmt.Errorf("prepare exposed secrets: %w", err)
	}
	var hist decide.History = decide.NewMemory()
	if h.History != nil {
		hist = h.History(ctx)
	}
	d := &decide.Decider{State: st, Assessor: &assess.Assessor{Engine: h.Engine, Builder: b, Config: h.Policy}, History: hist}
	var errs []error
	for _, arn := range loaded {
		e := st.Lookup("", "", arn)
		if e == nil || e.ResourcePolicy == nil || e.Error != "" {
			continue // fixed since, or unreadable now: the next sweep sees it
		}
		policy := *e.ResourcePolicy
		ev := ExposureEvent(e, policy, now)
		dec, err := d.Decide(ctx, ev)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if dec.Skipped != nil || len(dec.Actions) == 0 {
			continue
		}
		dec.EventName = SweepEventName
		if err := h.Orders.SendOrder(ctx, action.Order{Decision: dec, PolicyAsPut: policy}); err != nil {
			errs = append(errs, err)
			continue
		}
		m.Add(metrics.RemediationsHandedOff, 1)
		h.log().Info("exposure handed to the rotate function", slog.String("secret_arn", arn), slog.String("event_id", dec.EventID), slog.Int("actions", len(dec.Actions)))
	}
	return errors.Join(errs...)
}

// ExposureEvent is the PutResourcePolicy event the sweep decides for a
// secret whose policy in place exposes it: the policy as the request, an
// actor standing for the sweep (an AWS service acting for the
// organization), and an id derived from the secret and the policy.
func ExposureEvent(e *snapshot.SecretEntry, policy string, now time.Time) *event.Event {
	sum := sha256.Sum256([]byte(e.Secret.ARN + "\x00" + policy))
	who := "the resource policy in place (found by the Secret Warden sweep)"
	return &event.Event{
		ID: "sweep-exposure-" + hex.EncodeToString(sum[:16]), Name: "PutResourcePolicy", Kind: event.KindAPICall,
		Source: event.SourceSecretsManager, Time: now, AccountID: e.AccountID, Region: e.Region,
		Actor:   event.Actor{Type: "AWSService", InvokedBy: "secretwarden.sweep", ARN: who, PrincipalARN: who},
		Secret:  event.SecretRef{Raw: e.Secret.ARN, ARN: e.Secret.ARN, Name: e.Secret.Name},
		Request: map[string]any{"secretId": e.Secret.ARN, "resourcePolicy": policy},
		Where:   "sweep",
	}
}

func (h *Handler) metricsOut() io.Writer {
	if h.Metrics == nil {
		return os.Stdout
	}
	return h.Metrics
}

// IsPlaceholder reports whether a finding's ARN stands for a whole
// account-region that could not be read.
func IsPlaceholder(secretARN string) bool { return strings.HasSuffix(secretARN, ":secret:*") }

// PlaceholderARN is the ARN under which an unreadable account-region's
// error findings are recorded.
func PlaceholderARN(accountID, region string) string {
	return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:*", partition(region), region, accountID)
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// resolveUnread closes the error findings an earlier sweep recorded for the
// whole account-region, now that it could be read: each becomes
// not_applicable (the secrets have findings of their own), which the
// recorder reports as resolved.
func (h *Handler) resolveUnread(ctx context.Context, u Unit, now time.Time, m *metrics.Set) error {
	if h.Findings == nil {
		return nil
	}
	stored, err := h.Findings.Findings(ctx, PlaceholderARN(u.AccountID, u.Region))
	if err != nil {
		return fmt.Errorf("read the account-region's earlier findings: %w", err)
	}
	var closing []finding.Finding
	for _, f := range stored {
		if !f.Status.Failing() {
			continue
		}
		f.Status = finding.StatusNotApplicable
		f.Message = "account-region readable again: its secrets are evaluated one by one"
		f.LastSeen = now
		closing = append(closing, f)
	}
	if len(closing) == 0 {
		return nil
	}
	recs, err := h.Recorder.Record(ctx, closing)
	metrics.HubFailures(m, h.log(), recs)
	m.Add(metrics.ActionsExecuted, float64(metrics.AlertsPublished(h.Recorder, recs)))
	return err
}
