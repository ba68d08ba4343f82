package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/policy"
)

// policyFlags are the flags every evaluating command shares.
type policyFlags struct {
	dirs      []string
	data      []string
	maxInput  string
	maxRecord string
	limits    boundedio.Limits
}

func (p *policyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&p.dirs, "policies", nil, "directory or .rego file of your own checks, loaded next to the built-in ones (repeatable)")
	cmd.Flags().StringArrayVar(&p.data, "data", nil, "JSON data file overriding parameters and adding exceptions (repeatable; later files win)")
	cmd.Flags().StringVar(&p.maxInput, "max-input-size", boundedio.FormatSize(boundedio.DefaultMaxInput),
		"largest input file (snapshot file, events file, standard input) read, decompressed (e.g. 4GiB)")
	cmd.Flags().StringVar(&p.maxRecord, "max-record-size", boundedio.FormatSize(boundedio.DefaultMaxRecord),
		"largest single value read whole: an event record, a snapshot entry, an --input document, a --data or Rego file (e.g. 64MiB)")
}

// parseLimits reads --max-input-size and --max-record-size.
func (p *policyFlags) parseLimits() error {
	in, err := boundedio.ParseSize(p.maxInput)
	if err != nil {
		return badInput(fmt.Errorf("--max-input-size: %w", err))
	}
	rec, err := boundedio.ParseSize(p.maxRecord)
	if err != nil {
		return badInput(fmt.Errorf("--max-record-size: %w", err))
	}
	p.limits = boundedio.Limits{MaxInput: in, MaxRecord: rec}
	return nil
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
		m, err := config.ReadFileLimit(f, p.limits.WithDefaults().MaxRecord)
		if err != nil {
			return nil, err
		}
		doc = config.Merge(doc, m)
	}
	sources := make([]policy.Source, 0, len(p.dirs))
	for _, d := range p.dirs {
		src := policy.DirSource(d)
		src.MaxFileSize = p.limits.MaxRecord
		sources = append(sources, src)
	}
	eng, cfg, err := builtin.Load(ctx, doc, sources...)
	if err != nil {
		return nil, err
	}
	return &loaded{engine: eng, config: cfg}, nil
}
