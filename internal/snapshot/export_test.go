package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/secretwarden/warden/internal/jsonstream"
)

// DecodeSerial is the reference Decode is held to: one encoding/json pass
// over the whole document (what Load did before it streamed), with the
// document checks and the sources Decode sets.
func DecodeSerial(data []byte, name string) (*Snapshot, error) {
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the snapshot object")
	}
	problems, err := s.check(name)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problems[0]
	}
	setSources(s.Secrets, name)
	setLines(s.Secrets, data)
	return &s, nil
}

// setLines sets each entry's Line from where its element starts in data,
// found by walking the document (the reference for Decode's lines).
func setLines(secrets []SecretEntry, data []byte) {
	sc := jsonstream.New(bytes.NewReader(data), int64(len(data))+1, "test")
	var lines []int
	_ = sc.Object(func(key string, _ jsonstream.Pos) error {
		if c, err := sc.Peek(); err != nil || c != '[' || !strings.EqualFold(key, "secrets") {
			return sc.Skip()
		}
		lines = lines[:0] // a repeated member replaces the earlier one
		return sc.Array(func(_ int, at jsonstream.Pos) error {
			lines = append(lines, at.Line)
			return sc.Skip()
		})
	})
	if len(lines) != len(secrets) {
		return
	}
	for i := range secrets {
		secrets[i].Line = lines[i]
	}
}

// EntryCases are the secrets-array elements of the decoder's tests
// (entryCases); refused marks those Decode refuses although encoding/json
// decodes them.
func EntryCases() (cases []string, refused []bool) {
	for _, c := range entryCases {
		cases = append(cases, c.json)
		refused = append(refused, c.refused)
	}
	return cases, refused
}
