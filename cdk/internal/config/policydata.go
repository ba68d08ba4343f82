package config

import (
	"fmt"
	"path/filepath"

	"github.com/secretwarden/warden/internal/builtin"
	policyconfig "github.com/secretwarden/warden/internal/config"
)

// checkPolicyData validates a policy data file with the engine's own parser
// (merged over the built-in data, as the handlers will read it), so a bad
// exception or an unknown parameter stops the synth rather than the Lambdas.
// It returns the file's absolute path.
func checkPolicyData(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	extra, err := policyconfig.ReadFile(abs)
	if err != nil {
		return "", err
	}
	doc, err := builtin.Data()
	if err != nil {
		return "", err
	}
	if _, err := policyconfig.Parse(policyconfig.Merge(doc, extra)); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return abs, nil
}
