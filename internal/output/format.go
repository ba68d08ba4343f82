// Package output renders findings, decisions and policy lists as table,
// JSON, JSON Lines, CSV or Markdown, and findings also as SARIF 2.1.0, ASFF
// and OCSF 1.2.0.
package output

import (
	"fmt"
	"strings"
)

// Format is an output format name.
type Format string

// Output formats.
const (
	Table    Format = "table"
	JSON     Format = "json"
	JSONL    Format = "jsonl"
	CSV      Format = "csv"
	Markdown Format = "markdown"
	// SARIF is a SARIF 2.1.0 log (code-scanning UIs).
	SARIF Format = "sarif"
	// ASFF is AWS Security Finding Format: a BatchImportFindings request.
	ASFF Format = "asff"
	// OCSF is OCSF 1.2.0 Compliance Finding events, one per line.
	OCSF Format = "ocsf"
)

// ParseFormat validates a format name against the allowed ones.
func ParseFormat(s string, allowed ...Format) (Format, error) {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if string(a) == s {
			return a, nil
		}
		names[i] = string(a)
	}
	return "", fmt.Errorf("unknown output format %q (want %s)", s, strings.Join(names, "|"))
}
