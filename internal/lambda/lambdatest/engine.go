package lambdatest

import (
	"context"
	"sync"
	"testing"

	"github.com/secretwarden/warden/internal/builtin"
	policyconfig "github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/policy"
)

var builtinEngine = sync.OnceValues(func() (*builtinPair, error) {
	e, c, err := builtin.Default(context.Background())
	return &builtinPair{e, c}, err
})

type builtinPair struct {
	engine *policy.Engine
	config *policyconfig.Config
}

// Engine returns the built-in policies' engine and configuration, compiled
// once per test binary (the engine is safe for concurrent use).
func Engine(t testing.TB) (*policy.Engine, *policyconfig.Config) {
	t.Helper()
	p, err := builtinEngine()
	if err != nil {
		t.Fatal(err)
	}
	return p.engine, p.config
}
