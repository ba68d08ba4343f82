// Package rules holds the EventBridge event patterns that route events to
// Secret Warden, one JSON file per rule, embedded so that the CDK app (one
// EventBridge rule per file), the Lambdas and the CLI read the same bytes.
// Rules adds each rule's State (the State property of AWS::Events::Rule):
// the reads rule must be ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, the
// others ENABLED. Match implements the subset of the EventBridge pattern
// language the patterns use, and Delivers adds what the state changes, so
// the CLI and tests can tell which rule an event reaches.
package rules

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// FS holds the pattern files (*.json), at the root.
//
//go:embed *.json
var FS embed.FS

// Patterns returns every embedded pattern, decoded, keyed by its file name
// without ".json" (e.g. "secretsmanager-api-calls"). An error names the file
// that is not a JSON object.
func Patterns() (map[string]map[string]any, error) {
	files, err := fs.Glob(FS, "*.json")
	if err != nil {
		return nil, fmt.Errorf("list patterns: %w", err)
	}
	out := make(map[string]map[string]any, len(files))
	for _, f := range files {
		b, err := FS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read pattern %s: %w", f, err)
		}
		var p map[string]any
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("decode pattern %s: %w", f, err)
		}
		if p == nil {
			return nil, fmt.Errorf("decode pattern %s: not a JSON object", f)
		}
		out[strings.TrimSuffix(path.Base(f), ".json")] = p
	}
	return out, nil
}
