package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/secretwarden/warden/internal/finding"
)

// ReadScan streams a `warden scan --output json` document
// ({"findings": [...], "summary": {...}}) from r: each finding is handed to
// sink in batches, and the summary and the latest LastSeen (the scan's
// evaluation instant) are returned. name is used in errors, which say what
// is wrong and where.
func ReadScan(r io.Reader, name string, sink func([]finding.Finding) error) (*finding.Summary, time.Time, error) {
	dec := json.NewDecoder(r)
	var latest time.Time
	var sum *finding.Summary
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: offset %d: %s (want the output of warden scan --output json)", name, dec.InputOffset(), fmt.Sprintf(format, a...))
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, latest, bad("not JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, latest, bad("not an object")
	}
	seenFindings := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, latest, bad("malformed JSON: %v", err)
		}
		key, _ := tok.(string)
		switch key {
		case "findings":
			seenFindings = true
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return nil, latest, bad("findings is not an array")
			}
			batch := make([]finding.Finding, 0, 1024)
			for i := 0; dec.More(); i++ {
				var f finding.Finding
				if err := dec.Decode(&f); err != nil {
					return nil, latest, bad("findings[%d]: %v", i, err)
				}
				if f.PolicyID == "" || f.SecretARN == "" || f.Status == "" {
					return nil, latest, bad("findings[%d]: policy_id, secret_arn and status are required", i)
				}
				if f.LastSeen.After(latest) {
					latest = f.LastSeen
				}
				batch = append(batch, f)
				if len(batch) == cap(batch) {
					if err := sink(batch); err != nil {
						return nil, latest, err
					}
					batch = batch[:0]
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, latest, bad("malformed findings array: %v", err)
			}
			if len(batch) > 0 {
				if err := sink(batch); err != nil {
					return nil, latest, err
				}
			}
		case "summary":
			sum = finding.NewSummary()
			if err := dec.Decode(sum); err != nil {
				return nil, latest, bad("summary: %v", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, latest, bad("malformed JSON: %v", err)
			}
		}
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return nil, latest, bad("malformed JSON: %v", err)
	}
	if !seenFindings || sum == nil {
		return nil, latest, bad("no findings array or no summary")
	}
	return sum, latest, nil
}
