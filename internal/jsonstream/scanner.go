// Package jsonstream walks a JSON text read from a stream without holding
// more of it than one value: the top-level values of a stream (JSON Lines,
// documents one after another), the members of an object, the elements of
// an array. Each value it hands out is raw bytes with the line and column it
// starts at, to be decoded on its own (by encoding/json or go-json), so that
// one bad value is one error and its siblings are still read.
//
// The scanner checks the structure it walks (brackets, commas, colons,
// member names). It finds where a value ends by matching brackets outside
// strings and does not validate the value: whoever decodes it does. Reading
// stops with a *boundedio.TooLargeError when one value outgrows the limit,
// so memory stays bounded whatever the input.
package jsonstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/secretwarden/warden/internal/boundedio"
)

// Pos is a place in the input.
type Pos struct {
	// Offset is the number of bytes before it.
	Offset int64
	// Line and Col are 1-based; Col counts bytes.
	Line, Col int
}

// String renders "line L, column C".
func (p Pos) String() string { return fmt.Sprintf("line %d, column %d", p.Line, p.Col) }

// Advance returns the position after b, text that starts at p.
func (p Pos) Advance(b []byte) Pos {
	p.Offset += int64(len(b))
	if nl := bytes.Count(b, []byte{'\n'}); nl > 0 {
		p.Line += nl
		p.Col = len(b) - bytes.LastIndexByte(b, '\n')
		return p
	}
	p.Col += len(b)
	return p
}

// Start is the position of the first byte of an input.
var Start = Pos{Line: 1, Col: 1}

// SyntaxError is malformed JSON found by the scanner.
type SyntaxError struct {
	// Pos is where.
	Pos Pos
	// Msg is encoding/json's wording, e.g. "invalid character ']' looking
	// for beginning of value" or "unexpected end of input".
	Msg string
	// EOF is true when the input ended inside a value.
	EOF bool
}

func (e *SyntaxError) Error() string { return e.Msg }

// Scanner reads JSON values from a stream.
type Scanner struct {
	r    io.Reader
	buf  []byte
	keep int   // buf[keep:] is still needed; buf[:keep] may be dropped
	pos  int   // next unread byte
	end  int   // buf[pos:end] is read but not consumed
	base int64 // offset of buf[0]
	// Lines are counted up to buf[lpos], which is at line, col.
	lpos      int
	line, col int
	max       int
	what      string
	rerr      error // the reader's error, once met (io.EOF at the end)
}

// New returns a scanner over r whose values may take at most max bytes
// each; a larger one fails with a *boundedio.TooLargeError naming what
// ("record", "snapshot entry", ...) and the flag that raises the limit.
func New(r io.Reader, max int64, what string) *Scanner {
	return NewAt(r, max, what, Start)
}

// NewAt is New for a text that starts at p (a value inside a larger
// input): positions are reported in the larger input.
func NewAt(r io.Reader, max int64, what string, p Pos) *Scanner {
	if max <= 0 || max > 1<<40 {
		max = boundedio.DefaultMaxRecord
	}
	size := 64 << 10
	if br, ok := r.(*bytes.Reader); ok && br.Len() < size {
		size = br.Len() + 1
	}
	return &Scanner{r: r, buf: make([]byte, size), base: p.Offset, line: p.Line, col: p.Col, max: int(max), what: what}
}

// Pos is the position of the next unread byte.
func (s *Scanner) Pos() Pos { return s.posAt(s.pos) }

// posAt is the position of buf[i]; i must not decrease between calls.
func (s *Scanner) posAt(i int) Pos {
	if i > s.lpos {
		b := s.buf[s.lpos:i]
		if nl := bytes.Count(b, []byte{'\n'}); nl > 0 {
			s.line += nl
			s.col = len(b) - bytes.LastIndexByte(b, '\n')
		} else {
			s.col += len(b)
		}
		s.lpos = i
	}
	return Pos{Offset: s.base + int64(i), Line: s.line, Col: s.col}
}

// fill reads more input after buf[end], dropping buf[:keep] or growing
// the buffer when it is full. It returns false at the end of the input or
// on a read error (in s.rerr).
func (s *Scanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	if s.end == len(s.buf) {
		if s.keep > 0 {
			s.posAt(s.keep) // count the lines of what is dropped
			n := copy(s.buf, s.buf[s.keep:s.end])
			s.pos -= s.keep
			s.end = n
			s.lpos -= s.keep
			s.base += int64(s.keep)
			s.keep = 0
		} else {
			grown := make([]byte, min(2*len(s.buf), s.max+64<<10))
			if len(grown) <= len(s.buf) {
				grown = make([]byte, len(s.buf)+64<<10)
			}
			copy(grown, s.buf[:s.end])
			s.buf = grown
		}
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

// readErr is the reader's error to report: nil at a clean end.
func (s *Scanner) readErr() error {
	if s.rerr == nil || errors.Is(s.rerr, io.EOF) {
		return nil
	}
	return s.rerr
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SkipBOM drops a UTF-8 byte order mark at the start of the input.
func (s *Scanner) SkipBOM() {
	for s.end-s.pos < 3 && s.fill() {
	}
	if bytes.HasPrefix(s.buf[s.pos:s.end], []byte{0xEF, 0xBB, 0xBF}) {
		s.pos += 3
		s.lpos, s.keep = s.pos, s.pos
	}
}

// Peek skips whitespace and returns the next byte without consuming it;
// io.EOF at the end of the input, or the reader's error.
func (s *Scanner) Peek() (byte, error) {
	for {
		for s.pos < s.end && isSpace(s.buf[s.pos]) {
			s.pos++
		}
		s.keep = s.pos
		if s.pos < s.end {
			return s.buf[s.pos], nil
		}
		if !s.fill() && s.pos == s.end {
			if err := s.readErr(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
	}
}

// Next consumes the next byte after whitespace and returns it with its
// position; an end of input is a *SyntaxError with EOF set.
func (s *Scanner) Next() (byte, Pos, error) {
	c, err := s.Peek()
	if err != nil {
		return 0, s.Pos(), s.eof(err)
	}
	p := s.posAt(s.pos)
	s.pos++
	s.keep = s.pos
	return c, p, nil
}

// eof turns io.EOF into an unexpected-end SyntaxError.
func (s *Scanner) eof(err error) error {
	if errors.Is(err, io.EOF) {
		return &SyntaxError{Pos: s.posAt(s.end), Msg: "unexpected end of input", EOF: true}
	}
	return err
}

// tooLarge is the error of a value past the limit.
func (s *Scanner) tooLarge() error {
	return &boundedio.TooLargeError{What: s.what, Limit: int64(s.max), Flag: boundedio.FlagMaxRecord}
}

// Value reads the next value (after whitespace) and returns its bytes,
// valid until the next call, and its position. At the end of the input it
// returns io.EOF; inside a value, a *SyntaxError with EOF set.
func (s *Scanner) Value() ([]byte, Pos, error) {
	c, err := s.Peek()
	if err != nil {
		return nil, s.Pos(), err
	}
	at := s.posAt(s.pos)
	if !startsValue(c) {
		return nil, at, &SyntaxError{Pos: at, Msg: "invalid character " + QuoteChar(c) + " looking for beginning of value"}
	}
	n, err := s.scan(c)
	if err == nil && n > s.max {
		err = s.tooLarge()
	}
	if err != nil {
		return nil, at, err
	}
	v := s.buf[s.keep : s.keep+n]
	s.pos = s.keep + n
	s.keep = s.pos
	return v, at, nil
}

// scan finds the length of the value starting at buf[keep] (its first byte
// is c), reading more input as needed.
func (s *Scanner) scan(c byte) (int, error) {
	depth, inStr, scalar := 0, false, false
	r := 1
	switch c {
	case '"':
		inStr = true
	case '{', '[':
		depth = 1
	default:
		scalar = true
		r = 0
	}
	for {
		for s.keep+r < s.end {
			i := s.keep + r
			if inStr {
				j := bytes.IndexByte(s.buf[i:s.end], '"')
				if j < 0 {
					r = s.end - s.keep
					break
				}
				k := i + j
				bs := 0
				for m := k - 1; m > s.keep && s.buf[m] == '\\'; m-- {
					bs++
				}
				r = k + 1 - s.keep
				if bs%2 == 0 {
					inStr = false
					if depth == 0 {
						return r, nil
					}
				}
				continue
			}
			b := s.buf[i]
			if scalar {
				if isSpace(b) || b == ',' || b == '}' || b == ']' || b == ':' || b == '{' || b == '[' || b == '"' {
					return r, nil
				}
				r++
				continue
			}
			switch b {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return r + 1, nil
				}
			}
			r++
		}
		if r > s.max {
			return 0, s.tooLarge()
		}
		if !s.fill() {
			if err := s.readErr(); err != nil {
				return 0, err
			}
			if scalar && r > 0 {
				return r, nil
			}
			return 0, &SyntaxError{Pos: s.posAt(s.end), Msg: "unexpected end of input", EOF: true}
		}
	}
}

// String reads the next value, which must be a string, and unquotes it.
func (s *Scanner) String() (string, Pos, error) {
	c, err := s.Peek()
	if err != nil {
		return "", s.Pos(), s.eof(err)
	}
	if c != '"' {
		return "", s.Pos(), &SyntaxError{Pos: s.Pos(), Msg: "invalid character " + QuoteChar(c) + " looking for beginning of object key string"}
	}
	raw, at, err := s.Value()
	if err != nil {
		return "", at, s.eof(err)
	}
	if !bytes.ContainsRune(raw, '\\') && validPlain(raw) {
		return string(raw[1 : len(raw)-1]), at, nil
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return "", at, &SyntaxError{Pos: at, Msg: JSONErrorText(err)}
	}
	return k, at, nil
}

// validPlain reports a quoted string of printable ASCII without escapes.
func validPlain(raw []byte) bool {
	for _, c := range raw[1 : len(raw)-1] {
		if c < 0x20 || c >= 0x7f || c == '"' {
			return false
		}
	}
	return true
}

// Object reads an object: for each member, fn is called with its name and
// the position of the name, with the scanner before the member's value,
// which fn must read (Value, Object, Array or Skip). The object must start
// with '{' (the caller checks with Peek).
func (s *Scanner) Object(fn func(key string, at Pos) error) error {
	if _, _, err := s.Next(); err != nil { // '{'
		return err
	}
	c, err := s.Peek()
	if err != nil {
		return s.eof(err)
	}
	if c == '}' {
		s.pos++
		s.keep = s.pos
		return nil
	}
	for {
		key, at, err := s.String()
		if err != nil {
			return err
		}
		c, p, err := s.Next()
		if err != nil {
			return err
		}
		if c != ':' {
			return &SyntaxError{Pos: p, Msg: "invalid character " + QuoteChar(c) + " after object key"}
		}
		if err := fn(key, at); err != nil {
			return err
		}
		c, p, err = s.Next()
		if err != nil {
			return err
		}
		switch c {
		case ',':
		case '}':
			return nil
		default:
			return &SyntaxError{Pos: p, Msg: "invalid character " + QuoteChar(c) + " after object key:value pair"}
		}
	}
}

// Array reads an array: for each element, fn is called with its index
// (from 0) and position, with the scanner before the element, which fn
// must read. The array must start with '['.
func (s *Scanner) Array(fn func(i int, at Pos) error) error {
	if _, _, err := s.Next(); err != nil { // '['
		return err
	}
	c, err := s.Peek()
	if err != nil {
		return s.eof(err)
	}
	if c == ']' {
		s.pos++
		s.keep = s.pos
		return nil
	}
	for i := 0; ; i++ {
		c, err := s.Peek()
		if err != nil {
			return s.eof(err)
		}
		if !startsValue(c) {
			return &SyntaxError{Pos: s.Pos(), Msg: "invalid character " + QuoteChar(c) + " looking for beginning of value"}
		}
		if err := fn(i, s.Pos()); err != nil {
			return err
		}
		c, p, err := s.Next()
		if err != nil {
			return err
		}
		switch c {
		case ',':
		case ']':
			return nil
		default:
			return &SyntaxError{Pos: p, Msg: "invalid character " + QuoteChar(c) + " after array element"}
		}
	}
}

// startsValue reports whether c may start a JSON value.
func startsValue(c byte) bool {
	switch {
	case c == '{' || c == '[' || c == '"' || c == '-' || c == 't' || c == 'f' || c == 'n':
		return true
	case c >= '0' && c <= '9':
		return true
	}
	return false
}

// Skip reads the next value and drops it.
func (s *Scanner) Skip() error {
	_, _, err := s.Value()
	return s.eof(err)
}

// Line reads the next line, without its end of line; io.EOF when nothing
// is left. A line longer than the limit is skipped (without being held in
// memory) and fails with a *TooLargeError; the next call reads the line
// after it.
func (s *Scanner) Line() ([]byte, Pos, error) {
	at := s.posAt(s.pos)
	s.keep = s.pos
	r := 0
	for {
		if j := bytes.IndexByte(s.buf[s.keep+r:s.end], '\n'); j >= 0 {
			line := s.buf[s.keep : s.keep+r+j]
			s.pos = s.keep + r + j + 1
			s.keep = s.pos
			if len(line) > s.max {
				return nil, at, s.tooLarge()
			}
			return line, at, nil
		}
		r = s.end - s.keep
		if r > s.max {
			if err := s.SkipLine(); err != nil {
				return nil, at, err
			}
			return nil, at, s.tooLarge()
		}
		if !s.fill() {
			if err := s.readErr(); err != nil {
				return nil, at, err
			}
			if r == 0 {
				return nil, at, io.EOF
			}
			line := s.buf[s.keep:s.end]
			s.pos = s.end
			s.keep = s.pos
			return line, at, nil
		}
	}
}

// SkipLine drops the rest of the current line, its end of line included,
// without holding it in memory.
func (s *Scanner) SkipLine() error {
	for {
		s.keep = s.pos
		if j := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); j >= 0 {
			s.posAt(s.pos + j + 1)
			s.pos += j + 1
			s.keep = s.pos
			return nil
		}
		s.posAt(s.end)
		s.pos = s.end
		s.keep = s.pos
		if !s.fill() {
			return s.readErr()
		}
	}
}

// PeekLines returns up to n of the next non-blank lines (trimmed) without
// consuming them, looking at most the value limit ahead; a last line without
// an end of line counts when the input ends there. The slices are valid
// until the next call.
func (s *Scanner) PeekLines(n int) [][]byte {
	s.keep = s.pos
	var spans [][2]int // relative to keep, which fill may move
	off := 0
	for len(spans) < n {
		j := bytes.IndexByte(s.buf[s.keep+off:s.end], '\n')
		if j < 0 {
			if s.end-s.keep > s.max {
				break
			}
			if s.fill() {
				continue
			}
			if s.readErr() == nil && off < s.end-s.keep {
				spans = append(spans, [2]int{off, s.end - s.keep})
			}
			break
		}
		if len(bytes.TrimSpace(s.buf[s.keep+off:s.keep+off+j])) > 0 {
			spans = append(spans, [2]int{off, off + j})
		}
		off += j + 1
	}
	var out [][]byte
	for _, sp := range spans {
		if t := bytes.TrimSpace(s.buf[s.keep+sp[0] : s.keep+sp[1]]); len(t) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// QuoteChar renders a byte for a message as encoding/json does.
func QuoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	q := strconv.Quote(string(c))
	return "'" + q[1:len(q)-1] + "'"
}

// JSONErrorText is an encoding/json error without its "json: " prefix.
func JSONErrorText(err error) string {
	msg := err.Error()
	if len(msg) > 6 && msg[:6] == "json: " {
		return msg[6:]
	}
	return msg
}

// ErrorPos is where in raw (a value that starts at p) the encoding/json
// error err occurred: at the offending byte of a syntax error, at the
// start of the value of a type error. ok is false when err has no offset.
func ErrorPos(raw []byte, p Pos, err error) (Pos, bool) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off := min(max(se.Offset-1, 0), int64(len(raw)))
		return p.Advance(raw[:off]), true
	case errors.As(err, &te):
		return p.Advance(raw[:valueStart(raw, te)]), true
	}
	return p, false
}

// valueStart finds the start of the value a type error names. Its Offset
// is, depending on the value, just after an object's or array's opening
// bracket, just after a string or a literal, or (for a number decoded into
// an interface) after the enclosing object: the number's text, in Value,
// is then looked for backwards.
func valueStart(raw []byte, te *json.UnmarshalTypeError) int {
	end := min(max(int(te.Offset), 0), len(raw))
	switch {
	case strings.HasPrefix(te.Value, "number "):
		lit := []byte(strings.TrimPrefix(te.Value, "number "))
		for hay := raw[:end]; ; {
			i := bytes.LastIndex(hay, lit)
			if i < 0 {
				break
			}
			if i == 0 || !isLiteralByte(raw[i-1]) {
				return i
			}
			hay = hay[:i]
		}
	case te.Value == "object" || te.Value == "array":
		if end > 0 && (raw[end-1] == '{' || raw[end-1] == '[') {
			return end - 1
		}
	case te.Value == "string":
		if end > 0 && raw[end-1] == '"' {
			return stringStart(raw, end-1)
		}
	default:
		i := end
		for i > 0 && isLiteralByte(raw[i-1]) {
			i--
		}
		return i
	}
	return 0
}

// isLiteralByte reports the bytes of numbers, true, false and null.
func isLiteralByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '+' || c == '-'
}

// stringStart is the index of the opening quote of the string whose
// closing quote is raw[i].
func stringStart(raw []byte, i int) int {
	for j := i - 1; j >= 0; j-- {
		if raw[j] != '"' {
			continue
		}
		bs := 0
		for k := j - 1; k >= 0 && raw[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return j
		}
	}
	return 0
}
