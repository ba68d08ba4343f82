package output

import (
	gojson "github.com/goccy/go-json"

	"github.com/secretwarden/warden/internal/finding"
)

// appendFinding appends the JSON encoding of f to dst: the bytes
// encoding/json writes (HTML-safe escaping, invalid UTF-8 replaced, the same
// errors), produced by github.com/goccy/go-json — a drop-in encoder, already
// required by OPA, about three times faster on findings; the tests hold it
// to encoding/json byte for byte.
func appendFinding(dst []byte, f *finding.Finding) ([]byte, error) {
	b, err := gojson.Marshal(f)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}
