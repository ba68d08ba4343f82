package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxNesting bounds how deeply arrays of documents may nest.
const maxNesting = 8

// utf8BOM is the byte order mark some editors put at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

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
func Decode(data []byte, where string) ([]Event, []error) {
	d := &decoder{}
	data = bytes.TrimPrefix(data, utf8BOM)
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		d.fail(errorf(where, "empty input"))
	case json.Valid(trimmed):
		d.document(trimmed, where)
	case isJSONLines(trimmed):
		d.lines(data, where)
	default:
		d.stream(data, where)
	}
	return d.events, d.errs
}

// decoder accumulates events and errors.
type decoder struct {
	events []Event
	errs   []error
}

// fail records an error.
func (d *decoder) fail(err error) { d.errs = append(d.errs, err) }

// isJSONLines reports whether data is JSON Lines rather than one or more
// pretty-printed documents: its first non-blank line is a complete JSON
// value of its own, or at least two lines and half of all non-blank lines
// are (a pretty-printed document has few such lines: "{", `"k": v,`, "}").
func isJSONLines(data []byte) bool {
	nonBlank, valid := 0, 0
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		nonBlank++
		if json.Valid(line) {
			if nonBlank == 1 {
				return true
			}
			valid++
		}
	}
	return valid >= 2 && valid*2 >= nonBlank
}

// lines decodes JSON Lines: each non-blank line is one document, named
// "where:LINE" (from 1).
func (d *decoder) lines(data []byte, where string) {
	n := 0
	for line := range bytes.Lines(data) {
		n++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		lw := where + ":" + strconv.Itoa(n)
		if !json.Valid(line) {
			d.fail(syntaxError(line, lw))
			continue
		}
		d.document(line, lw)
	}
}

// stream decodes JSON documents one after another (as `jq` prints them),
// each named "where:LINE" by the line it starts on. A syntax error stops the
// stream: what follows cannot be resynchronized.
func (d *decoder) stream(data []byte, where string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			d.fail(syntaxErrorAt(data, err, where))
			return
		}
		start += int64(len(data[start:]) - len(bytes.TrimLeft(data[start:], " \t\r\n")))
		line, _ := lineCol(data, start)
		d.document(raw, where+":"+strconv.Itoa(line))
	}
}

// document decodes one valid JSON document.
func (d *decoder) document(doc []byte, where string) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		d.fail(syntaxErrorAt(doc, err, where))
		return
	}
	d.value(v, where, 0)
}

// syntaxError describes why one line of JSON Lines is not valid JSON.
func syntaxError(line []byte, where string) error {
	var v any
	err := json.Unmarshal(line, &v)
	if err == nil {
		err = errors.New("invalid JSON")
	}
	return syntaxErrorAt(line, err, where)
}

// syntaxErrorAt renders a JSON error with the place it occurred at: line
// and column in data, or only the column when data is a single line.
func syntaxErrorAt(data []byte, err error, where string) error {
	var se *json.SyntaxError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &se) && strings.HasPrefix(se.Error(), "unexpected end of JSON input") {
		return &DecodeError{Where: where, Msg: "malformed JSON: unexpected end of input", Err: err}
	}
	if se != nil {
		line, col := lineCol(data, se.Offset)
		at := fmt.Sprintf("line %d, column %d", line, col)
		if !bytes.ContainsRune(data, '\n') {
			at = fmt.Sprintf("column %d", col)
		}
		return &DecodeError{Where: where, Msg: fmt.Sprintf("malformed JSON at %s: %v", at, err), Err: err}
	}
	return wrapErr(where, "malformed JSON", err)
}

// lineCol converts a byte offset to a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}
