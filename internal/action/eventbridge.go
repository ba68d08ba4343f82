package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	smithytime "github.com/aws/smithy-go/time"
)

// Detail types of Secret Warden's events.
const (
	DetailTypeFinding = "Secret Warden Finding"
	DetailTypeAction  = "Secret Warden Action"
)

// PutEvents limits.
const (
	ebBatch     = 10
	ebBatchSize = 256 * 1024
	ebAttempts  = 3
)

// Event is one event to put on the bus.
type Event struct {
	DetailType string
	// Detail is marshalled to JSON (a finding or an action record).
	Detail    any
	Resources []string
	Time      time.Time
}

// EventBridge puts events with source "secretwarden" on a bus.
type EventBridge struct {
	API PutEventsAPI
	// BusName is WARDEN_EVENT_BUS_NAME.
	BusName string
	// DryRun puts nothing.
	DryRun bool
	// Sleep waits before retrying failed entries (default: a context-aware timer).
	Sleep func(ctx context.Context, d time.Duration) error
}

// entrySize is PutEvents' size of an entry.
func entrySize(e ebtypes.PutEventsRequestEntry) int {
	n := 14 + len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// Put sends events in batches of at most 10 entries and 256 KB. Entries
// PutEvents reports failed (FailedEntryCount) are retried twice when the
// failure is transient; what still fails is reported in the error. The
// other batches are still sent.
func (e *EventBridge) Put(ctx context.Context, events []Event) error {
	var errs []error
	var batch []ebtypes.PutEventsRequestEntry
	size := 0
	flush := func() {
		if len(batch) > 0 {
			errs = append(errs, e.send(ctx, batch))
		}
		batch, size = nil, 0
	}
	for _, ev := range events {
		detail, err := json.Marshal(ev.Detail)
		if err != nil {
			errs = append(errs, fmt.Errorf("encode %s event: %w", ev.DetailType, err))
			continue
		}
		entry := ebtypes.PutEventsRequestEntry{
			Source: aws.String(Source), DetailType: aws.String(ev.DetailType),
			Detail: aws.String(string(detail)), Resources: ev.Resources,
		}
		if e.BusName != "" {
			entry.EventBusName = aws.String(e.BusName)
		}
		if !ev.Time.IsZero() {
			entry.Time = aws.Time(ev.Time)
		}
		n := entrySize(entry)
		if n > ebBatchSize {
			errs = append(errs, fmt.Errorf("put %s event: %d bytes exceeds the 256 KB limit", ev.DetailType, n))
			continue
		}
		if len(batch) == ebBatch || size+n > ebBatchSize {
			flush()
		}
		batch = append(batch, entry)
		size += n
	}
	flush()
	return errors.Join(errs...)
}

func (e *EventBridge) send(ctx context.Context, entries []ebtypes.PutEventsRequestEntry) error {
	if e.DryRun {
		return nil
	}
	if e.API == nil {
		return errors.New("put events: no EventBridge client configured")
	}
	var errs []error
	delay := 100 * time.Millisecond
	for attempt := 1; len(entries) > 0; attempt++ {
		out, err := e.API.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("put %d event(s): %w", len(entries), err))...)
		}
		if out.FailedEntryCount == 0 {
			break
		}
		var retry []ebtypes.PutEventsRequestEntry
		reported := 0
		for i, r := range out.Entries {
			if i >= len(entries) || r.ErrorCode == nil {
				continue
			}
			reported++
			if transient(aws.ToString(r.ErrorCode)) && attempt < ebAttempts {
				retry = append(retry, entries[i])
				continue
			}
			errs = append(errs, fmt.Errorf("put %s event: %s: %s", aws.ToString(entries[i].DetailType), aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage)))
		}
		if reported == 0 {
			errs = append(errs, fmt.Errorf("put events: %d entries failed without an error code", out.FailedEntryCount))
			break
		}
		entries = retry
		if len(entries) > 0 {
			if err := e.sleep(ctx, delay); err != nil {
				return errors.Join(append(errs, fmt.Errorf("put events: %w", err))...)
			}
			delay *= 2
		}
	}
	return errors.Join(errs...)
}

func transient(code string) bool {
	switch code {
	case "ThrottlingException", "InternalFailure", "InternalException", "ServiceUnavailable":
		return true
	}
	return false
}

func (e *EventBridge) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	return smithytime.SleepWithContext(ctx, d)
}
