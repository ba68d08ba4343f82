package jsonstream_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/jsonstream"
)

// readers are the ways a text reaches the scanner: whole, a byte at a time
// (every value straddles reads).
func readers(s string) map[string]io.Reader {
	return map[string]io.Reader{
		"whole":   strings.NewReader(s),
		"onebyte": iotest.OneByteReader(strings.NewReader(s)),
	}
}

func TestValuesOfAStream(t *testing.T) {
	text := "{\"a\": [1, \"]}\\\"\", {\"b\": null}]}\n\n  [true]\n\"s\\\\\" 12.5e3 null\n{}"
	want := []struct {
		raw        string
		line, col  int
		offset     int64
		decodeable bool
	}{
		{`{"a": [1, "]}\"", {"b": null}]}`, 1, 1, 0, true},
		{`[true]`, 3, 3, 35, true},
		{`"s\\"`, 4, 1, 42, true},
		{`12.5e3`, 4, 7, 48, true},
		{`null`, 4, 14, 55, true},
		{`{}`, 5, 1, 60, true},
	}
	for name, r := range readers(text) {
		s := jsonstream.New(r, 1<<20, "value")
		for i, w := range want {
			raw, at, err := s.Value()
			if err != nil {
				t.Fatalf("%s: value %d: %v", name, i, err)
			}
			if string(raw) != w.raw || at.Line != w.line || at.Col != w.col || at.Offset != w.offset {
				t.Errorf("%s: value %d = %q at %+v, want %q at line %d col %d offset %d", name, i, raw, at, w.raw, w.line, w.col, w.offset)
			}
			if !json.Valid(raw) {
				t.Errorf("%s: value %d not valid", name, i)
			}
		}
		if _, _, err := s.Value(); err != io.EOF {
			t.Errorf("%s: after the last value: %v, want io.EOF", name, err)
		}
	}
}

func TestObjectAndArray(t *testing.T) {
	text := "{\"Records\": [\n {\"x\": 1},\n {\"y\": [2]}\n], \"n\": 3}"
	for name, r := range readers(text) {
		s := jsonstream.New(r, 1<<20, "value")
		var got []string
		err := s.Object(func(key string, _ jsonstream.Pos) error {
			if key != "Records" {
				raw, _, err := s.Value()
				got = append(got, key+"="+string(raw))
				return err
			}
			return s.Array(func(i int, at jsonstream.Pos) error {
				raw, _, err := s.Value()
				got = append(got, fmt.Sprintf("%d@%d:%d=%s", i, at.Line, at.Col, raw))
				return err
			})
		})
		want := `0@2:2={"x": 1} 1@3:2={"y": [2]} n=3`
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("%s: %v %q, want %q", name, err, strings.Join(got, " "), want)
		}
	}
}

// The scanner's structural errors are encoding/json's, at the offending byte.
func TestStructuralErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`{"a" 1}`, "line 1, column 6: invalid character '1' after object key"},
		{`{"a": 1 "b": 2}`, `line 1, column 9: invalid character '"' after object key:value pair`},
		{`{"a": 1,}`, "line 1, column 9: invalid character '}' looking for beginning of object key string"},
		{"[1,\n2,\n]", "line 3, column 1: invalid character ']' looking for beginning of value"},
		{`[1 2]`, "line 1, column 4: invalid character '2' after array element"},
		{`{"a": [1, 2`, "unexpected end of input"},
		{`{"a": "x`, "unexpected end of input"},
	} {
		s := jsonstream.New(strings.NewReader(c.text), 1<<20, "value")
		var walk func() error
		walk = func() error {
			b, err := s.Peek()
			if err != nil {
				return err
			}
			switch b {
			case '{':
				return s.Object(func(string, jsonstream.Pos) error { return walk() })
			case '[':
				return s.Array(func(int, jsonstream.Pos) error { return walk() })
			}
			_, _, err = s.Value()
			return err
		}
		err := walk()
		var se *jsonstream.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want a SyntaxError", c.text, err)
			continue
		}
		got := se.Msg
		if !se.EOF {
			got = se.Pos.String() + ": " + se.Msg
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.text, got, c.want)
		}
		// encoding/json agrees on the message.
		var v any
		jerr := json.Unmarshal([]byte(c.text), &v)
		if !se.EOF && !strings.HasSuffix(jerr.Error(), se.Msg) {
			t.Errorf("%s: encoding/json says %v", c.text, jerr)
		}
	}
}

func TestValueLimit(t *testing.T) {
	big := `["` + strings.Repeat("a", 1000) + `"]`
	s := jsonstream.New(strings.NewReader(big+" 1"), 100, "record")
	_, _, err := s.Value()
	var tl *boundedio.TooLargeError
	if !errors.As(err, &tl) || err.Error() != "record larger than 100 bytes (raise it with --max-record-size)" {
		t.Errorf("got %v", err)
	}
	// Whitespace between values costs nothing: it is dropped as it is read.
	s = jsonstream.New(io.MultiReader(strings.NewReader("1"), io.LimitReader(spaces{}, 10<<20), strings.NewReader("2")), 100, "record")
	for _, want := range []string{"1", "2"} {
		raw, _, err := s.Value()
		if err != nil || string(raw) != want {
			t.Errorf("got %q %v, want %s", raw, err, want)
		}
	}
}

type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestReadErrorsPassThrough(t *testing.T) {
	boom := errors.New("boom")
	s := jsonstream.New(io.MultiReader(strings.NewReader(`{"a": [1`), iotest.ErrReader(boom)), 100, "record")
	if _, _, err := s.Value(); !errors.Is(err, boom) {
		t.Errorf("got %v", err)
	}
}

func TestLines(t *testing.T) {
	s := jsonstream.New(strings.NewReader("a\n\n  b  \r\nc"), 100, "line")
	if got := s.PeekLines(5); len(got) != 3 || string(got[1]) != "b" || string(got[2]) != "c" {
		t.Errorf("PeekLines = %q", got)
	}
	var lines []string
	for {
		l, at, err := s.Line()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("%d:%q", at.Line, l))
	}
	if got := strings.Join(lines, " "); got != `1:"a" 2:"" 3:"  b  \r" 4:"c"` {
		t.Errorf("lines %s", got)
	}
}

// ErrorPos places encoding/json's errors on the offending byte or value.
func TestErrorPos(t *testing.T) {
	start := jsonstream.Pos{Offset: 100, Line: 7, Col: 3}
	for _, c := range []struct {
		raw  string
		into any
		line int
		col  int
	}{
		{"{\"a\": 1,\n \"b\": 1e400}", new(any), 8, 7},
		{`{"a": 1, "b": ,}`, new(any), 7, 17},
		{"{\"a\": {\"x\": [1]},\n  \"b\": \"yes\"}", new(struct{ B bool }), 8, 8},
		{`{"a": {"x": [1]}}`, new(struct{ A string }), 7, 9},
		{`{"a": [1, {"q": "]"}]}`, new(struct{ A map[string]int }), 7, 9},
		{`{"a": true}`, new(struct{ A string }), 7, 9},
		{`{"a": 1.5}`, new(struct{ A int }), 7, 9},
		{`{"a": "yes", "b": 1}`, new(struct{ A bool }), 7, 9},
		{`{"x": {"a": null, "b": "q"}}`, new(struct{ X struct{ B int } }), 7, 26},
		{`{"a": [{"k": 1}]}`, new(struct{ A []struct{ K string } }), 7, 16},
		{`[1,21,1]`, new([]string), 7, 4},
	} {
		err := json.Unmarshal([]byte(c.raw), c.into)
		p, ok := jsonstream.ErrorPos([]byte(c.raw), start, err)
		if !ok || p.Line != c.line || p.Col != c.col {
			t.Errorf("%s: %v at %+v, want line %d column %d", c.raw, err, p, c.line, c.col)
		}
	}
	if _, ok := jsonstream.ErrorPos(nil, start, errors.New("x")); ok {
		t.Error("ErrorPos of an error without offset")
	}
	_ = bytes.MinRead
}
