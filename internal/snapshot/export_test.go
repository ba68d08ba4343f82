package snapshot

// DecodeSerial is the one-pass encoding/json decoder Decode falls back to
// (and the one it replaced as the fast path), for tests and benchmarks.
var DecodeSerial = decodeSerial

// EntryCases are the secrets-array elements of the decoder's tests (entryCases).
func EntryCases() []string {
	var out []string
	for _, c := range entryCases {
		out = append(out, c.json)
	}
	return out
}
