package config

import "fmt"

// Config is the parsed policy data: parameters and exceptions.
type Config struct {
	// Doc is the merged data document handed to OPA.
	Doc map[string]any
	// Params resolves parameters per secret.
	Params *Params
	// Exceptions are the declared exceptions, expired ones included.
	Exceptions []Exception
}

// Parse reads parameters and exceptions from a merged data document.
func Parse(doc map[string]any) (*Config, error) {
	p, err := parseParams(doc)
	if err != nil {
		return nil, fmt.Errorf("read parameters: %w", err)
	}
	ex, err := parseExceptions(doc)
	if err != nil {
		return nil, fmt.Errorf("read exceptions: %w", err)
	}
	return &Config{Doc: doc, Params: p, Exceptions: ex}, nil
}
