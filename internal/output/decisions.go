package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/secretwarden/warden/internal/decide"
)

// DecisionWriter streams decisions and closes with the summary.
type DecisionWriter interface {
	// Write renders one decision.
	Write(d *decide.Decision) error
	// Close renders the summary and flushes.
	Close(sum *decide.Summary) error
}

// NewDecisionWriter returns a writer for format f.
func NewDecisionWriter(f Format, w io.Writer) (DecisionWriter, error) {
	switch f {
	case JSON:
		return &jsonDecisions{w: w}, nil
	case JSONL:
		return &jsonlDecisions{enc: json.NewEncoder(w)}, nil
	case Table:
		return &tableDecisions{w: w, tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}, nil
	}
	return nil, fmt.Errorf("render decisions: unsupported format %q", f)
}

type jsonDecisions struct {
	w     io.Writer
	count int
}

func (j *jsonDecisions) Write(d *decide.Decision) error {
	b, err := json.MarshalIndent(d, "  ", "  ")
	if err != nil {
		return fmt.Errorf("encode decision: %w", err)
	}
	sep := ",\n  "
	if j.count == 0 {
		sep = "{\"decisions\": [\n  "
	}
	j.count++
	if _, err := fmt.Fprintf(j.w, "%s%s", sep, b); err != nil {
		return fmt.Errorf("write decision: %w", err)
	}
	return nil
}

func (j *jsonDecisions) Close(sum *decide.Summary) error {
	head := "\n],\n"
	if j.count == 0 {
		head = "{\"decisions\": [],\n"
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	if _, err := fmt.Fprintf(j.w, "%s\"summary\": %s}\n", head, b); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

type jsonlDecisions struct{ enc *json.Encoder }

func (j *jsonlDecisions) Write(d *decide.Decision) error {
	if err := j.enc.Encode(d); err != nil {
		return fmt.Errorf("write decision: %w", err)
	}
	return nil
}

func (j *jsonlDecisions) Close(*decide.Summary) error { return nil }

type tableDecisions struct {
	w      io.Writer
	tw     *tabwriter.Writer
	header bool
}

func (t *tableDecisions) Write(d *decide.Decision) error {
	if !t.header {
		t.header = true
		fmt.Fprintln(t.tw, "TIME\tEVENT\tSECRET\tACTOR\tOUTCOME")
	}
	secret := d.SecretARN
	if i := strings.LastIndex(secret, ":secret:"); i >= 0 {
		secret = secret[i+len(":secret:"):]
	}
	if secret == "" {
		secret = "-"
	}
	actor := d.Actor.ARN
	if actor == "" {
		actor = d.Actor.Type
	}
	outcome := Outcome(d)
	fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\n", d.Time.UTC().Format("2006-01-02 15:04:05"), d.EventName, Truncate(secret, 40), Truncate(actor, 60), outcome)
	return nil
}

// Outcome is a one-line description of a decision.
func Outcome(d *decide.Decision) string {
	if d.Skipped != nil {
		return "skipped: " + *d.Skipped
	}
	if len(d.Actions) == 0 {
		n := 0
		for _, f := range d.Findings {
			if f.Status == "fail" {
				n++
			}
		}
		if n > 0 {
			return fmt.Sprintf("%d finding(s) fail", n)
		}
		return "no action"
	}
	parts := make([]string, 0, len(d.Actions))
	for _, a := range d.Actions {
		p := strings.ToUpper(a.Severity) + " " + a.Kind + " (" + a.Rule + ")"
		if a.Blocked != "" {
			p += " [blocked: " + a.Blocked + "]"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func (t *tableDecisions) Close(sum *decide.Summary) error {
	if err := t.tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	_, err := fmt.Fprintf(t.w, "\n%d events: %d decided, %d skipped; actions: %d alert, %d remediate, %d rotate (%d blocked by safety rails); none executed (replay plans only)\n",
		sum.Events, sum.Decided, sum.Skipped, sum.Actions["alert"], sum.Actions["remediate"], sum.Actions["rotate"], sum.Blocked)
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}
