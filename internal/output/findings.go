package output

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/policy"
)

// FindingWriter streams findings and closes with the summary.
type FindingWriter interface {
	// Write renders a batch of findings.
	Write(batch []finding.Finding) error
	// Close renders the summary and flushes.
	Close(sum *finding.Summary) error
}

// Options carry what the document formats (SARIF, ASFF, OCSF) need besides
// the findings. The zero value works: rules then come from the findings.
type Options struct {
	// Checks describe the checks (SARIF: one rule per posture check, from
	// its METADATA, whether or not it has a result).
	Checks []policy.Check
	// Locate returns the file and 1-based line (0: unknown) a secret was
	// read from, for SARIF physical locations; "" when it came from no file.
	Locate func(secretARN string) (file string, line int)
	// ToolVersion is the tool's version (SARIF driver, OCSF product).
	ToolVersion string
	// Now is the export time (default time.Now).
	Now func() time.Time
}

// NewFindingWriter returns a writer for format f.
func NewFindingWriter(f Format, w io.Writer) (FindingWriter, error) {
	return NewFindingWriterWith(f, w, Options{})
}

// NewFindingWriterWith returns a writer for format f with options o.
func NewFindingWriterWith(f Format, w io.Writer, o Options) (FindingWriter, error) {
	switch f {
	case SARIF:
		return newSARIFFindings(w, o), nil
	case ASFF:
		return newASFFFindings(w, o), nil
	case OCSF:
		return &ocsfFindings{w: w, version: o.ToolVersion}, nil
	case JSON:
		return &jsonFindings{w: w}, nil
	case JSONL:
		return &jsonlFindings{w: w}, nil
	case CSV:
		return newCSVFindings(w), nil
	case Table:
		return &tableFindings{w: w}, nil
	}
	return nil, fmt.Errorf("render findings: unsupported format %q", f)
}

type jsonFindings struct {
	w     io.Writer
	count int
	buf   []byte // reused across batches
}

// flushAt is the buffered size past which a batch's encoding is written out.
const flushAt = 64 << 10

func (j *jsonFindings) Write(batch []finding.Finding) error {
	buf := j.buf[:0]
	defer func() { j.buf = buf[:0] }()
	for i := range batch {
		mark := len(buf)
		if j.count == 0 {
			buf = append(buf, "{\"findings\": [\n  "...)
		} else {
			buf = append(buf, ",\n  "...)
		}
		next, err := appendFinding(buf, &batch[i])
		if err != nil {
			// What came before the bad finding is written, as before.
			if werr := writeSome(j.w, buf[:mark]); werr != nil {
				return werr
			}
			buf = buf[:0]
			return fmt.Errorf("encode finding: %w", err)
		}
		buf = next
		j.count++
		if len(buf) >= flushAt {
			if err := writeSome(j.w, buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	return writeSome(j.w, buf)
}

// writeSome writes b to w unless it is empty.
func writeSome(w io.Writer, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write finding: %w", err)
	}
	return nil
}

func (j *jsonFindings) Close(sum *finding.Summary) error {
	head := "\n],\n"
	if j.count == 0 {
		head = "{\"findings\": [],\n"
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	_, err = fmt.Fprintf(j.w, "%s\"summary\": %s}\n", head, b)
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// jsonlFindings writes one finding per line, byte for byte what a
// json.Encoder writes.
type jsonlFindings struct {
	w   io.Writer
	buf []byte // reused across batches
}

func (j *jsonlFindings) Write(batch []finding.Finding) error {
	buf := j.buf[:0]
	defer func() { j.buf = buf[:0] }()
	for i := range batch {
		next, err := appendFinding(buf, &batch[i])
		if err != nil {
			if werr := writeSome(j.w, buf); werr != nil {
				return werr
			}
			buf = buf[:0]
			return fmt.Errorf("write finding: %w", err)
		}
		buf = append(next, '\n')
		if len(buf) >= flushAt {
			if err := writeSome(j.w, buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	return writeSome(j.w, buf)
}

func (j *jsonlFindings) Close(*finding.Summary) error { return nil }

type csvFindings struct {
	w      *csv.Writer
	header bool
}

func newCSVFindings(w io.Writer) *csvFindings { return &csvFindings{w: csv.NewWriter(w)} }

// CSVHeader is the column list of the CSV rendering. The last four locate a
// secret declared by a template (empty otherwise).
var CSVHeader = []string{"policy_id", "title", "severity", "status", "secret_arn", "secret_name", "account_id", "account_name", "ou_path", "region", "message", "controls", "remediation", "exception", "exception_expires", "first_seen", "last_seen",
	"resource_type", "logical_id", "file", "line"}

func (c *csvFindings) Write(batch []finding.Finding) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return fmt.Errorf("write csv header: %w", err)
		}
	}
	for i := range batch {
		f := &batch[i]
		row := []string{f.PolicyID, f.Title, f.Severity, string(f.Status), f.SecretARN, f.SecretName, f.AccountID, f.AccountName, f.OuPath, f.Region,
			f.Message, strings.Join(f.Controls, ";"), f.Remediation, f.Exception, f.ExceptionExpires,
			f.FirstSeen.UTC().Format("2006-01-02T15:04:05Z"), f.LastSeen.UTC().Format("2006-01-02T15:04:05Z"),
			f.ResourceType, f.LogicalID, f.File, lineText(f.Line)}
		if err := c.w.Write(row); err != nil {
			return fmt.Errorf("write csv row: %w", err)
		}
	}
	return nil
}

func (c *csvFindings) Close(*finding.Summary) error {
	if !c.header {
		if err := c.w.Write(CSVHeader); err != nil {
			return fmt.Errorf("write csv header: %w", err)
		}
	}
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("flush csv: %w", err)
	}
	return nil
}

// tableFindings lists the findings that need attention (fail, error,
// exempt) and a per-policy summary; passes are counted, not listed.
type tableFindings struct {
	w    io.Writer
	rows []finding.Finding
}

func (t *tableFindings) Write(batch []finding.Finding) error {
	for _, f := range batch {
		if f.Status == finding.StatusFail || f.Status == finding.StatusError || f.Status == finding.StatusExempt {
			t.rows = append(t.rows, f)
		}
	}
	return nil
}

func (t *tableFindings) Close(sum *finding.Summary) error {
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	if len(t.rows) > 0 {
		fmt.Fprintln(tw, "SEVERITY\tSTATUS\tPOLICY\tACCOUNT\tREGION\tSECRET\tMESSAGE")
		for _, f := range t.rows {
			name := f.SecretName
			if name == "" {
				name = f.SecretARN
			}
			if f.File != "" {
				name = Location(&f)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", strings.ToUpper(f.Severity), f.Status, f.PolicyID, f.AccountID, f.Region, name, Truncate(f.Message, 110))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, "POLICY\tFAIL\tERROR\tEXEMPT\tPASS\tN/A")
	for _, p := range sum.Policies() {
		m := sum.ByPolicy[p]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", p, m[finding.StatusFail], m[finding.StatusError], m[finding.StatusExempt], m[finding.StatusPass], m[finding.StatusNotApplicable])
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	_, err := fmt.Fprintf(t.w, "\n%d secrets, %d findings: %d fail, %d error, %d exempt, %d pass, %d not applicable\n",
		sum.Secrets, sum.Findings, sum.ByStatus[finding.StatusFail], sum.ByStatus[finding.StatusError],
		sum.ByStatus[finding.StatusExempt], sum.ByStatus[finding.StatusPass], sum.ByStatus[finding.StatusNotApplicable])
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// Location renders where a template declares a finding's secret, compactly:
// "file:line logical_id" ("file logical_id" without a line).
func Location(f *finding.Finding) string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d %s", f.File, f.Line, f.LogicalID)
	}
	return f.File + " " + f.LogicalID
}

func lineText(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Truncate shortens s to n runes with an ellipsis.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
