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
		// Registered under the schema's own $id: a relative name would be
		// resolved against the working directory and show in messages.
		const id = "urn:secretwarden:schema:policy-input:v1"
		c := jsonschema.NewCompiler()
		if err := c.AddResource(id, doc); err != nil {
			schemaErr = fmt.Errorf("load input schema: %w", err)
			return
		}
		schema, schemaErr = c.Compile(id)
	})
	return schema, schemaErr
}
