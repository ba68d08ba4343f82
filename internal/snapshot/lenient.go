package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/secretwarden/warden/internal/jsonstream"
)

// fieldProblem is a value the lenient decoder dropped.
type fieldProblem struct {
	path string // "Secret.RotationRules.AutomaticallyAfterDays"
	at   jsonstream.Pos
	msg  string
}

// checksNote ends the message of a dropped field.
const checksNote = " (the checks that read it are error; the others are evaluated)"

// lenient decodes a secrets-array element that does not decode as a whole:
// every member that does not decode is dropped and reported, with its
// field path and position, and listed in the entry's Invalid. ok is false
// when the element is not usable at all (malformed JSON, not an object).
func (d *docDecoder) lenient(e rawEntry, field string, out *SecretEntry) (problems []*FileError, ok bool) {
	err := json.Unmarshal(e.raw, out)
	if err == nil {
		return nil, true
	}
	*out = SecretEntry{}
	var any any
	if serr := json.Unmarshal(e.raw, &any); serr != nil {
		// Malformed JSON inside the entry: nothing in it can be trusted.
		p, _ := jsonstream.ErrorPos(e.raw, e.at, serr)
		return []*FileError{{Path: d.name, Field: field, Msg: p.String() + ": " + describeJSON(serr)}}, false
	}
	clean, probs, ok := d.repair(e.raw, e.at, reflect.TypeFor[SecretEntry](), "")
	if !ok {
		for _, p := range probs {
			problems = append(problems, &FileError{Path: d.name, Field: joinField(field, p.path), Msg: p.at.String() + ": " + p.msg})
		}
		return problems, false
	}
	if err := json.Unmarshal(clean, out); err != nil {
		return []*FileError{{Path: d.name, Field: field, Msg: e.at.String() + ": " + describeJSON(err)}}, false
	}
	for _, p := range probs {
		out.Invalid = append(out.Invalid, InvalidField{Field: p.path, Msg: p.at.String() + ": " + p.msg})
		problems = append(problems, &FileError{Path: d.name, Field: joinField(field, p.path), Msg: p.at.String() + ": " + p.msg + checksNote})
	}
	return problems, true
}

func joinField(a, b string) string {
	switch {
	case b == "":
		return a
	case a == "" || strings.HasPrefix(b, "["):
		return a + b
	}
	return a + "." + b
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// repair returns raw (a value of type t at at, named path) without the
// parts that do not decode into t, and those parts. ok is false when raw
// itself is unusable.
func (d *docDecoder) repair(raw []byte, at jsonstream.Pos, t reflect.Type, path string) (clean []byte, probs []fieldProblem, ok bool) {
	if t.Kind() == reflect.Pointer {
		if string(raw) == "null" {
			return raw, nil, true
		}
		t = t.Elem()
	}
	err := json.Unmarshal(raw, reflect.New(t).Interface())
	if err == nil {
		return raw, nil, true
	}
	leaf := func() ([]byte, []fieldProblem, bool) {
		p, _ := jsonstream.ErrorPos(raw, at, err)
		return nil, []fieldProblem{{path: path, at: p, msg: describeJSON(err)}}, false
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || len(raw) == 0 {
		return leaf()
	}
	var b bytes.Buffer
	sub := jsonstream.NewAt(bytes.NewReader(raw), int64(len(raw))+1, "snapshot entry", at)
	var walkErr error
	switch {
	case t.Kind() == reflect.Struct && raw[0] == '{':
		b.WriteByte('{')
		walkErr = sub.Object(func(key string, kat jsonstream.Pos) error {
			mraw, mat, err := sub.Value()
			if err != nil {
				return err
			}
			f, name, ok := fieldFor(t, key)
			if !ok {
				return nil // ignored, as encoding/json ignores it
			}
			c, ps, ok := d.repair(mraw, mat, f.Type, joinField(path, name))
			probs = append(probs, ps...)
			if ok {
				if b.Len() > 1 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(key)
				b.Write(k)
				b.WriteByte(':')
				b.Write(c)
			}
			return nil
		})
		b.WriteByte('}')
	case t.Kind() == reflect.Slice && raw[0] == '[':
		b.WriteByte('[')
		walkErr = sub.Array(func(i int, _ jsonstream.Pos) error {
			eraw, eat, err := sub.Value()
			if err != nil {
				return err
			}
			c, ps, ok := d.repair(eraw, eat, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			probs = append(probs, ps...)
			if ok {
				if b.Len() > 1 {
					b.WriteByte(',')
				}
				b.Write(c)
			}
			return nil
		})
		b.WriteByte(']')
	case t.Kind() == reflect.Map && raw[0] == '{':
		b.WriteByte('{')
		walkErr = sub.Object(func(key string, _ jsonstream.Pos) error {
			mraw, mat, err := sub.Value()
			if err != nil {
				return err
			}
			c, ps, ok := d.repair(mraw, mat, t.Elem(), joinField(path, key))
			probs = append(probs, ps...)
			if ok {
				if b.Len() > 1 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(key)
				b.Write(k)
				b.WriteByte(':')
				b.Write(c)
			}
			return nil
		})
		b.WriteByte('}')
	default:
		return leaf()
	}
	if walkErr != nil {
		var se *jsonstream.SyntaxError
		if errors.As(walkErr, &se) {
			msg := "malformed JSON: " + se.Msg
			if se.EOF {
				msg = "malformed JSON: unexpected end of file"
			}
			return nil, []fieldProblem{{path: path, at: se.Pos, msg: msg}}, false
		}
		return leaf()
	}
	return b.Bytes(), probs, true
}

// fieldFor finds the struct field a JSON member name decodes into, as
// encoding/json finds it: the exact name, else a case-insensitive match.
func fieldFor(t reflect.Type, key string) (reflect.StructField, string, bool) {
	var fold *reflect.StructField
	var foldName string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, name, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold, foldName = &f, name
		}
	}
	if fold != nil {
		return *fold, foldName, true
	}
	return reflect.StructField{}, "", false
}

// Rotation intervals AWS accepts: RotationRules.AutomaticallyAfterDays is
// 1 to 1000 (Secrets Manager API Reference, RotationRulesType: "Valid Range:
// Minimum value of 1. Maximum value of 1000.").
const (
	minRotationDays = 1
	maxRotationDays = 1000
)

// validate checks the values a decoded entry may not hold; each one found
// is dropped from the entry, listed in its Invalid, and reported.
func (d *docDecoder) validate(out *SecretEntry, e rawEntry, field string) []*FileError {
	r := out.Secret.RotationRules
	if r == nil || r.AutomaticallyAfterDays == nil {
		return nil
	}
	days := *r.AutomaticallyAfterDays
	if days >= minRotationDays && days <= maxRotationDays {
		return nil
	}
	path := "Secret.RotationRules.AutomaticallyAfterDays"
	at := fieldPos(e.raw, e.at, strings.Split(path, "."))
	msg := fmt.Sprintf("%s: %d is not a rotation interval (AWS allows %d to %d days)", at, days, minRotationDays, maxRotationDays)
	r.AutomaticallyAfterDays = nil
	out.Invalid = append(out.Invalid, InvalidField{Field: path, Msg: msg})
	return []*FileError{{Path: d.name, Field: joinField(field, path), Msg: msg + checksNote}}
}

// fieldPos is the position of the value at path (member names, matched as
// encoding/json matches them) in raw, a value at at; at when not found.
func fieldPos(raw []byte, at jsonstream.Pos, path []string) jsonstream.Pos {
	sub := jsonstream.NewAt(bytes.NewReader(raw), int64(len(raw))+1, "snapshot entry", at)
	found := at
	var walk func(depth int) error
	stop := errors.New("found")
	walk = func(depth int) error {
		if c, err := sub.Peek(); err != nil || c != '{' {
			return sub.Skip()
		}
		return sub.Object(func(key string, _ jsonstream.Pos) error {
			if !strings.EqualFold(key, path[depth]) {
				return sub.Skip()
			}
			if depth == len(path)-1 {
				_, vat, err := sub.Value()
				if err == nil {
					found = vat
				}
				return stop
			}
			return walk(depth + 1)
		})
	}
	_ = walk(0)
	return found
}
