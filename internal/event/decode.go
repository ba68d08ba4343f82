package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/jsonstream"
)

// maxNesting bounds how deeply arrays of documents may nest.
const maxNesting = 8

// utf8BOM is the byte order mark some editors put at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// MaxErrorsPerInput is how many errors one input reports one by one; the
// rest are counted in one last error ("N more error(s) not shown").
const MaxErrorsPerInput = 100

// Decode decodes one input named where (a file name, "-" for stdin, …). The
// input is one JSON document, JSON Lines (one document a line), or JSON
// documents one after another. A document is any of:
//
//   - an EventBridge envelope whose detail is a CloudTrail record
//     ("AWS API Call via CloudTrail", "AWS Service Event via CloudTrail");
//   - an EventBridge envelope of a GuardDuty finding (source aws.guardduty);
//   - a raw CloudTrail record;
//   - a CloudTrail log file {"Records": [...]};
//   - CloudTrail LookupEvents output {"Events": [{"CloudTrailEvent": "…"}]};
//   - an SQS message record whose body is one of these;
//   - a bare GuardDuty finding, or {"Findings": [...]};
//   - a JSON array of any of these.
//
// Records are decoded independently: each failure is one *DecodeError
// naming its place ("events.json#3: missing eventName") and the other
// records are still returned. Records of services other than Secrets
// Manager are decoded too (the engine skips them). Decode never panics.
// It is DecodeStream over data with the default limits.
func Decode(data []byte, where string) ([]Event, []error) {
	return DecodeStream(bytes.NewReader(data), where, boundedio.Limits{})
}

// DecodeStream is Decode reading r as it goes: the input is never held
// whole, only one record (or one JSON Lines line) at a time, each at most
// lim.MaxRecord bytes. The arrays of a CloudTrail log file ("Records"),
// of LookupEvents output ("Events") and of findings ("Findings") are read
// element by element, so one bad record (a number out of range, a syntax
// error inside it) is one error at its position and its siblings are still
// decoded. An object is taken for such a container when that key comes
// before any eventName or eventTime member. Reading stops at a syntax error
// in the structure around the records (what follows cannot be
// resynchronized), keeping what was decoded before it. r is read as is:
// gzip is handled by ReadReader.
func DecodeStream(r io.Reader, where string, lim boundedio.Limits) ([]Event, []error) {
	lim = lim.WithDefaults()
	d := &decoder{max: lim.MaxRecord}
	s := jsonstream.New(r, lim.MaxRecord, "record")
	s.SkipBOM()
	if _, err := s.Peek(); err != nil {
		if errors.Is(err, io.EOF) {
			d.fail(errorf(where, "empty input"))
		} else {
			d.fail(readError(where, err))
		}
		return d.finish(where)
	}
	if d.jsonLines(s) {
		d.lines(s, where)
	} else {
		d.stream(s, where)
	}
	return d.finish(where)
}

// decoder accumulates events and errors.
type decoder struct {
	events  []Event
	errs    []error
	dropped int
	max     int64
}

// fail records an error; past MaxErrorsPerInput it only counts it.
func (d *decoder) fail(err error) {
	if len(d.errs) >= MaxErrorsPerInput {
		d.dropped++
		return
	}
	d.errs = append(d.errs, err)
}

// finish returns what was decoded.
func (d *decoder) finish(where string) ([]Event, []error) {
	if d.dropped > 0 {
		d.errs = append(d.errs, errorf(where, "%d more error(s) not shown", d.dropped))
	}
	return d.events, d.errs
}

// jsonLines tells JSON Lines from one or more pretty-printed documents by
// the first non-blank lines: the first is a complete JSON value with more
// lines after it; or it starts an object it does not finish (a broken
// record) and the next one or two lines are complete values. A
// pretty-printed document has few such lines ("{", `"k": v,`, "}").
func (d *decoder) jsonLines(s *jsonstream.Scanner) bool {
	l := s.PeekLines(3)
	switch {
	case len(l) < 2:
		return false // one line (or one longer than a record): one document
	case json.Valid(l[0]):
		return true
	case l[0][0] != '{' || l[1][0] != '{' || !json.Valid(l[1]):
		return false
	}
	return len(l) < 3 || json.Valid(l[2])
}

// lines decodes JSON Lines: each non-blank line is one document, named
// "where:LINE" (from 1).
func (d *decoder) lines(s *jsonstream.Scanner, where string) {
	for {
		line, at, err := s.Line()
		if errors.Is(err, io.EOF) {
			return
		}
		lw := where + ":" + strconv.Itoa(at.Line)
		var tl *boundedio.TooLargeError
		if errors.As(err, &tl) && tl.What == "record" {
			d.fail(errorf(lw, "%v", err)) // the line was skipped
			continue
		}
		if err != nil {
			d.fail(readError(where, err))
			return
		}
		t := bytes.TrimLeft(line, " \t\r")
		if len(bytes.TrimSpace(t)) == 0 {
			continue
		}
		// Positions within the line are columns (the place names the line).
		start := jsonstream.Pos{Offset: at.Offset + int64(len(line)-len(t)), Line: 1, Col: 1 + len(line) - len(t)}
		sub := jsonstream.NewAt(bytes.NewReader(t), d.max, "record", start)
		if !d.value(sub, lw, 0) {
			continue
		}
		if c, err := sub.Peek(); err == nil {
			d.fail(d.syntax(lw, &jsonstream.SyntaxError{Pos: sub.Pos(), Msg: "invalid character " + jsonstream.QuoteChar(c) + " after top-level value"}))
		}
	}
}

// stream decodes JSON documents one after another (one document being the
// common case). The first is named where, the next ones "where:LINE" by the
// line they start on. A syntax error in the structure stops the stream:
// what follows cannot be resynchronized.
func (d *decoder) stream(s *jsonstream.Scanner, where string) {
	for first := true; ; first = false {
		if _, err := s.Peek(); err != nil {
			if !errors.Is(err, io.EOF) {
				d.fail(readError(where, err))
			}
			return
		}
		name := where
		if !first {
			name = where + ":" + strconv.Itoa(s.Pos().Line)
		}
		if !d.value(s, name, 0) {
			return
		}
	}
}

// errStop unwinds a walk after its error was recorded.
var errStop = errors.New("stop")

// value decodes the next value of s, named where, streaming objects and
// arrays. It returns false when the stream cannot go on (a syntax error in
// the structure, a read error), which it has recorded.
func (d *decoder) value(s *jsonstream.Scanner, where string, depth int) bool {
	c, err := s.Peek()
	if err != nil {
		d.fail(d.streamError(where, err, s.Pos()))
		return false
	}
	switch c {
	case '{':
		return d.object(s, where, depth)
	case '[':
		if depth >= maxNesting {
			d.fail(errorf(where, "arrays nested more than %d deep", maxNesting))
			if err := s.Skip(); err != nil {
				d.fail(d.streamError(where, err, s.Pos()))
				return false
			}
			return true
		}
		err := s.Array(func(i int, _ jsonstream.Pos) error {
			if !d.value(s, where+"#"+strconv.Itoa(i+1), depth+1) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			d.fail(d.streamError(where, err, s.Pos()))
			return false
		}
		return err == nil
	}
	raw, at, err := s.Value()
	if err != nil {
		d.fail(d.streamError(where, err, at))
		return false
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		d.fail(d.decodeError(where, raw, at, err))
		return false
	}
	d.dispatch(v, where, depth)
	return true
}

// member is an object member kept for decoding.
type member struct {
	key string
	raw []byte
	at  jsonstream.Pos
}

// object decodes an object: a container's array is streamed record by
// record; any other object is collected (at most one record's size) and
// dispatched by its shape.
func (d *decoder) object(s *jsonstream.Scanner, where string, depth int) bool {
	var members []member
	size := int64(0)
	recordFields, container := false, false
	err := s.Object(func(key string, _ jsonstream.Pos) error {
		if key == "eventName" || key == "eventTime" {
			recordFields = true
		}
		if !recordFields && !container && depth < maxNesting && (key == "Records" || key == "Events" || key == "Findings") {
			if c, err := s.Peek(); err == nil && c == '[' {
				container = true
				return s.Array(func(i int, _ jsonstream.Pos) error {
					raw, at, err := s.Value()
					if err != nil {
						return err
					}
					d.record(raw, at, where+"#"+strconv.Itoa(i+1), depth+1)
					return nil
				})
			}
		}
		raw, at, err := s.Value()
		if err != nil {
			return err
		}
		if size += int64(len(raw)); size > d.max {
			return &boundedio.TooLargeError{What: "record", Limit: d.max, Flag: boundedio.FlagMaxRecord}
		}
		members = append(members, member{key: key, raw: bytes.Clone(raw), at: at})
		return nil
	})
	if err != nil {
		d.fail(d.streamError(where, err, s.Pos()))
		return false
	}
	if container {
		return true // its other members say nothing about its records
	}
	m := make(map[string]any, len(members))
	for _, mb := range members {
		var v any
		if err := json.Unmarshal(mb.raw, &v); err != nil {
			d.fail(d.decodeError(where, mb.raw, mb.at, err))
			return true
		}
		m[mb.key] = v
	}
	d.dispatchObject(m, where, depth)
	return true
}

// record decodes one element of a container, read whole: its errors are its
// own.
func (d *decoder) record(raw []byte, at jsonstream.Pos, where string, depth int) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		d.fail(d.decodeError(where, raw, at, err))
		return
	}
	d.dispatch(v, where, depth)
}

// readError is a failure to read the input itself (I/O, gzip, size).
func readError(where string, err error) *DecodeError {
	return &DecodeError{Where: where, Msg: err.Error(), Err: err}
}

// streamError describes a failure met while walking the structure.
func (d *decoder) streamError(where string, err error, at jsonstream.Pos) error {
	var se *jsonstream.SyntaxError
	var tl *boundedio.TooLargeError
	switch {
	case errors.Is(err, io.EOF):
		return d.syntax(where, &jsonstream.SyntaxError{EOF: true})
	case errors.As(err, &se):
		return d.syntax(where, se)
	case errors.As(err, &tl) && tl.What == "record":
		return &DecodeError{Where: where, Msg: fmt.Sprintf("%s: %v", place(at), err), Err: err}
	}
	return readError(where, err)
}

// syntax renders a syntax error of the structure.
func (d *decoder) syntax(where string, se *jsonstream.SyntaxError) error {
	if se.EOF {
		return &DecodeError{Where: where, Msg: "malformed JSON: unexpected end of input", Err: io.ErrUnexpectedEOF}
	}
	return &DecodeError{Where: where, Msg: fmt.Sprintf("malformed JSON at %s: %s", place(se.Pos), se.Msg), Err: se}
}

// decodeError renders an encoding/json error of raw, a value at at.
func (d *decoder) decodeError(where string, raw []byte, at jsonstream.Pos, err error) error {
	var se *json.SyntaxError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &se) && strings.HasPrefix(se.Error(), "unexpected end of JSON input") {
		return &DecodeError{Where: where, Msg: "malformed JSON: unexpected end of input", Err: err}
	}
	msg := jsonstream.JSONErrorText(err)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && strings.HasPrefix(te.Value, "number ") {
		msg = te.Value + " is out of range"
	}
	if p, ok := jsonstream.ErrorPos(raw, at, err); ok {
		return &DecodeError{Where: where, Msg: fmt.Sprintf("malformed JSON at %s: %s", place(p), msg), Err: err}
	}
	return &DecodeError{Where: where, Msg: "malformed JSON: " + msg, Err: err}
}

// place renders a position: "column C" on the first line (or within a JSON
// Lines line, which the place names), else "line L, column C".
func place(p jsonstream.Pos) string {
	if p.Line == 1 {
		return fmt.Sprintf("column %d", p.Col)
	}
	return p.String()
}
