package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/secretwarden/warden/internal/policy"
)

// Policies renders the list of checks and rules.
func Policies(f Format, w io.Writer, checks []policy.Check) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"policies": checks}); err != nil {
			return fmt.Errorf("write policies: %w", err)
		}
		return nil
	case Markdown:
		fmt.Fprintln(w, "| id | kind | severity | title | controls | parameters |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|")
		for _, c := range checks {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", c.ID, c.Kind, c.Severity, mdEscape(c.Title), mdEscape(strings.Join(c.Controls, ", ")), strings.Join(c.Parameters, ", "))
		}
		return nil
	case Table:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tSEVERITY\tTITLE\tCONTROLS")
		for _, c := range checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Kind, c.Severity, c.Title, strings.Join(c.Controls, ", "))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write policies: %w", err)
		}
		return nil
	}
	return fmt.Errorf("render policies: unsupported format %q", f)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
