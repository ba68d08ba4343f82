// Package policies carries Secret Warden's Rego v1 policies and their data,
// so that the CLI, the Lambdas and the CDK app read the same bytes.
//
// Layout of FS:
//
//	posture/<id>.rego       posture checks, package posture.<id>; each defines
//	                        "skip" and "deny" (docs/contracts.md)
//	events/<id>.rego        event (incident) rules, package events.<id>; each
//	                        defines "respond"
//	lib/*.rego              shared helpers (package lib.*)
//	*_test.rego             Rego tests beside each file; the engine must
//	                        leave out every file whose name ends in _test.rego
//	data.json               data.warden: parameter defaults, overrides, exceptions
//	input.schema.json       JSON Schema of the policy input (v1)
//	metadata.schema.json    JSON Schema of a policy's METADATA custom block
package policies

import "embed"

// FS holds the policy tree: posture/*.rego, events/*.rego, lib/*.rego (tests
// included, to be filtered out by name), data.json and the *.schema.json files.
//
//go:embed posture/*.rego events/*.rego lib/*.rego data.json *.schema.json
var FS embed.FS
