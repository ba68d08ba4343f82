package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/policy"
)

// policyFlags are the flags every evaluating command shares.
type policyFlags struct {
	dirs []string
	data []string
}

func (p *policyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&p.dirs, "policies", nil, "directory or .rego file of your own checks, loaded next to the built-in ones (repeatable)")
	cmd.Flags().StringArrayVar(&p.data, "data", nil, "JSON data file overriding parameters and adding exceptions (repeatable; later files win)")
}

// loaded is a compiled engine with its configuration.
type loaded struct {
	engine *policy.Engine
	config *config.Config
}

// load compiles the built-in policies plus p.dirs with the built-in data
// merged with extra documents and p.data files.
func (p *policyFlags) load(ctx context.Context, extra ...map[string]any) (*loaded, error) {
	doc, err := builtin.Data()
	if err != nil {
		return nil, err
	}
	for _, x := range extra {
		doc = config.Merge(doc, x)
	}
	for _, f := range p.data {
		m, err := config.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc = config.Merge(doc, m)
	}
	sources := make([]policy.Source, 0, len(p.dirs))
	for _, d := range p.dirs {
		sources = append(sources, policy.DirSource(d))
	}
	eng, cfg, err := builtin.Load(ctx, doc, sources...)
	if err != nil {
		return nil, err
	}
	return &loaded{engine: eng, config: cfg}, nil
}
