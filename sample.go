// Package warden carries the bundled sample organization and its CloudTrail
// events, so that `warden demo` runs anywhere without files or AWS.
package warden

import "embed"

// Sample holds testdata/org (the sample organization snapshot and its policy
// data) and testdata/events (CloudTrail events about it).
//
//go:embed testdata/org testdata/events testdata/policy-data.json
var Sample embed.FS
