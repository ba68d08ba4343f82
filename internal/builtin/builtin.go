// Package builtin loads Secret Warden's built-in policies and their data
// (the embedded policies/ tree): the engine the CLI and the Lambda handlers
// evaluate with.
package builtin

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/policies"
)

// DataFile is the built-in data document inside policies.FS.
const DataFile = "data.json"

// Source is the built-in policy tree as a policy source.
func Source() policy.Source {
	return policy.Source{FS: policies.FS, Root: ".", Display: "policies"}
}

// Data returns a fresh copy of the built-in data document (policies/data.json):
// parameter defaults, overrides and exceptions, to merge overrides into.
func Data() (map[string]any, error) {
	b, err := fs.ReadFile(policies.FS, DataFile)
	if err != nil {
		return nil, fmt.Errorf("read built-in policy data: %w", err)
	}
	return config.DecodeObject(b, "policies/"+DataFile)
}

// Load parses doc (the built-in data, possibly merged with overrides) and
// compiles the built-in policies plus extra sources against it, once.
func Load(ctx context.Context, doc map[string]any, extra ...policy.Source) (*policy.Engine, *config.Config, error) {
	cfg, err := config.Parse(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("policy data: %w", err)
	}
	eng, err := policy.New(ctx, cfg.Doc, append([]policy.Source{Source()}, extra...)...)
	if err != nil {
		return nil, nil, err
	}
	return eng, cfg, nil
}

// Default compiles the built-in policies with the built-in data.
func Default(ctx context.Context) (*policy.Engine, *config.Config, error) {
	doc, err := Data()
	if err != nil {
		return nil, nil, err
	}
	return Load(ctx, doc)
}
