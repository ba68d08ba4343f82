package config

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/secretwarden/warden/internal/snapshot"
)

// Override sets parameters for the secrets its Match selects.
type Override struct {
	Match  Match          `json:"match"`
	Params map[string]any `json:"params"`
}

// Params resolves the parameters of each secret: defaults, then overrides in
// specificity order (OU path, then account, then tag; list order within a
// kind), later winning.
type Params struct {
	defaults  map[string]any
	overrides []Override
	mu        sync.Mutex
	cache     map[string]map[string]any
}

// specificity orders override kinds: OU < account < tag.
func specificity(m Match) int {
	switch {
	case m.Tag != nil:
		return 3
	case m.Account != "":
		return 2
	case m.ARN != "":
		return 2
	default:
		return 1
	}
}

// Resolve returns the parameters of one secret. The result is shared
// between secrets with the same matching overrides: do not modify it.
func (p *Params) Resolve(acct *snapshot.Account, accountID string, s *snapshot.Secret) map[string]any {
	var key strings.Builder
	var hits []int
	for i := range p.overrides {
		if p.overrides[i].Match.Matches(acct, accountID, s) {
			hits = append(hits, i)
			fmt.Fprintf(&key, "%d,", i)
		}
	}
	if len(hits) == 0 {
		return p.defaults
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.cache[key.String()]; ok {
		return m
	}
	out := make(map[string]any, len(p.defaults))
	for k, v := range p.defaults {
		out[k] = v
	}
	for _, i := range hits {
		for k, v := range p.overrides[i].Params {
			out[k] = v
		}
	}
	p.cache[key.String()] = out
	return out
}

// Overrides lists the overrides in the order they apply. Do not modify
// their maps.
func (p *Params) Overrides() []Override {
	return append([]Override(nil), p.overrides...)
}

// Defaults returns the default parameters (do not modify).
func (p *Params) Defaults() map[string]any { return p.defaults }

// parseParams reads warden.params from the merged data document.
func parseParams(doc map[string]any) (*Params, error) {
	p := &Params{defaults: map[string]any{}, cache: map[string]map[string]any{}}
	warden, _ := doc["warden"].(map[string]any)
	pm, _ := warden["params"].(map[string]any)
	if d, ok := pm["defaults"].(map[string]any); ok {
		p.defaults = d
	}
	if raw, ok := pm["overrides"]; ok && raw != nil {
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, fmt.Errorf("encode overrides: %w", err)
		}
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("warden.params.overrides: want a list")
		}
		for i, item := range list {
			var o Override
			if err := strictDecode(item, &o); err != nil {
				return nil, fmt.Errorf("warden.params.overrides[%d]: %w", i, err)
			}
			if o.Match.Empty() {
				return nil, fmt.Errorf("warden.params.overrides[%d].match: empty (set ou_path, account, arn or tag)", i)
			}
			for _, g := range []string{o.Match.ARN, o.Match.OuPath} {
				if err := validGlob(g); err != nil {
					return nil, fmt.Errorf("warden.params.overrides[%d].match: bad glob %q: %w", i, g, err)
				}
			}
			for k := range o.Params {
				if _, known := p.defaults[k]; !known {
					return nil, fmt.Errorf("warden.params.overrides[%d].params.%s: unknown parameter (known: %s)", i, k, strings.Join(keys(p.defaults), ", "))
				}
			}
			p.overrides = append(p.overrides, o)
		}
	}
	sort.SliceStable(p.overrides, func(i, j int) bool {
		return specificity(p.overrides[i].Match) < specificity(p.overrides[j].Match)
	})
	return p, nil
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
