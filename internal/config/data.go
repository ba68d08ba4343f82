// Package config reads the policy data document (parameters, overrides and
// exceptions): the built-in policies/data.json merged with --data files.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/jsonstream"
)

// Merge folds overlay into base (both JSON objects as decoded by
// encoding/json) and returns base. Objects merge key by key; the lists
// "overrides" and "exceptions" are appended; any other value is replaced.
func Merge(base, overlay map[string]any) map[string]any {
	if base == nil {
		base = map[string]any{}
	}
	for k, v := range overlay {
		bv, ok := base[k]
		if !ok {
			base[k] = v
			continue
		}
		switch ov := v.(type) {
		case map[string]any:
			if bm, ok := bv.(map[string]any); ok {
				base[k] = Merge(bm, ov)
				continue
			}
		case []any:
			if bl, ok := bv.([]any); ok && (k == "overrides" || k == "exceptions") {
				base[k] = append(append([]any{}, bl...), ov...)
				continue
			}
		}
		base[k] = v
	}
	return base
}

// DecodeObject parses a JSON object; where names the source in errors,
// which give the line and column of a syntax error.
func DecodeObject(data []byte, where string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if p, ok := jsonstream.ErrorPos(data, jsonstream.Start, err); ok {
			return nil, fmt.Errorf("%s: %s: malformed JSON: %w", where, p, err)
		}
		return nil, fmt.Errorf("%s: malformed JSON: %w", where, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: malformed JSON: data after the top-level object", where)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a JSON object at the top level", where)
	}
	return m, nil
}

// ReadFile reads one data file of at most boundedio.DefaultMaxRecord bytes.
func ReadFile(path string) (map[string]any, error) {
	return ReadFileLimit(path, boundedio.DefaultMaxRecord)
}

// ReadFileLimit reads one data file of at most max bytes; only a regular
// file is read (a FIFO is refused, never waited on).
func ReadFileLimit(path string, max int64) (map[string]any, error) {
	b, err := boundedio.ReadFile(path, max, "data file", boundedio.FlagMaxRecord)
	if err != nil {
		return nil, fmt.Errorf("read data file %s: %w", path, err)
	}
	return DecodeObject(b, path)
}
