package cli

import (
	"bytes"
	"fmt"
	"io/fs"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secretwarden/warden/policies"
)

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// inputSchema compiles the embedded policy input schema once.
func inputSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		b, err := fs.ReadFile(policies.FS, "input.schema.json")
		if err != nil {
			schemaErr = fmt.Errorf("read input schema: %w", err)
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			schemaErr = fmt.Errorf("parse input schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("input.schema.json", doc); err != nil {
			schemaErr = fmt.Errorf("load input schema: %w", err)
			return
		}
		schema, schemaErr = c.Compile("input.schema.json")
	})
	return schema, schemaErr
}
