package snapshot

import (
	"bytes"
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"

	gojson "github.com/goccy/go-json"
)

// decodeFast decodes a well-formed snapshot document with the elements of
// its "secrets" array decoded on GOMAXPROCS goroutines, into a slice sized up
// front, each by github.com/goccy/go-json (a drop-in, faster encoding/json,
// already required by OPA; the tests hold it to encoding/json's results on
// every odd element shape).
//
// A small scanner finds the top-level members and splits the secrets array
// into its elements; the rest of the document, with the secrets replaced by
// [], is decoded by encoding/json as one piece. Every byte of the document is
// thus checked: by encoding/json (the rest), by go-json (the elements) or by
// the scanner (the array's brackets, commas and whitespace). So
// decodeFast only succeeds on a document that decodeSerial decodes too, and
// to the same value. It gives up (ok is false) on anything malformed and on
// shapes it does not handle: no top-level object, no secrets member or one
// that is not an array, a repeated secrets member, a top-level key with an
// escape or a non-ASCII byte (encoding/json matches keys case-insensitively,
// with Unicode folding), data after the object. Decode then falls back on
// decodeSerial, which also gives the error.
func decodeFast(data []byte) (s *Snapshot, ok bool) {
	top, ok := scanTop(data)
	if !ok {
		return nil, false
	}
	elems := top.elems
	secrets := make([]SecretEntry, len(elems))
	var failed atomic.Bool
	var wg sync.WaitGroup
	const chunk = 256
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0), (len(elems)+chunk-1)/chunk)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(elems) {
					return
				}
				for i := lo; i < min(lo+chunk, len(elems)); i++ {
					elem, e := data[elems[i].start:elems[i].end], &secrets[i]
					if gojson.Unmarshal(elem, e) != nil {
						failed.Store(true)
						return
					}
				}
			}
		}()
	}
	// Meanwhile, the rest of the document.
	rest := make([]byte, 0, len(data)-(top.secrets.end-top.secrets.start)+2)
	rest = append(rest, data[top.object.start:top.secrets.start]...)
	rest = append(rest, "[]"...)
	rest = append(rest, data[top.secrets.end:top.object.end]...)
	s = &Snapshot{}
	err := json.Unmarshal(rest, s)
	wg.Wait()
	if err != nil || failed.Load() {
		return nil, false
	}
	s.Secrets = secrets
	setLines(secrets, data, elems)
	return s, true
}

// setLines sets each entry's Line from the span of its element in data.
func setLines(secrets []SecretEntry, data []byte, elems []span) {
	if len(secrets) != len(elems) {
		return
	}
	line, at := 1, 0
	for i := range elems {
		line += bytes.Count(data[at:elems[i].start], []byte{'\n'})
		at = elems[i].start
		secrets[i].Line = line
	}
}

// span is data[start:end].
type span struct{ start, end int }

type topLevel struct {
	object  span   // the document's object, braces included
	secrets span   // the value of its secrets member, an array
	elems   []span // the elements of that array
}

// scanTop finds the top-level object and its secrets array.
func scanTop(data []byte) (top topLevel, ok bool) {
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return top, false
	}
	top.object.start = i
	found := false
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return top, false // no secrets
	}
	for {
		if i == len(data) || data[i] != '"' {
			return top, false
		}
		end := skipString(data, i)
		if end < 0 {
			return top, false
		}
		key := data[i+1 : end-1]
		for _, c := range key {
			if c == '\\' || c >= 0x80 {
				return top, false
			}
		}
		i = skipSpace(data, end)
		if i == len(data) || data[i] != ':' {
			return top, false
		}
		i = skipSpace(data, i+1)
		if asciiEqualFold(key, "secrets") {
			if found || i == len(data) || data[i] != '[' {
				return top, false
			}
			found = true
			top.elems, end = splitArray(data, i)
			top.secrets = span{i, end}
		} else {
			end = skipValue(data, i)
		}
		if end < 0 {
			return top, false
		}
		i = skipSpace(data, end)
		if i == len(data) {
			return top, false
		}
		if data[i] == '}' {
			top.object.end = i + 1
			break
		}
		if data[i] != ',' {
			return top, false
		}
		i = skipSpace(data, i+1)
	}
	if skipSpace(data, top.object.end) != len(data) {
		return top, false // trailing data: decodeSerial decides
	}
	return top, found
}

// splitArray returns the element spans of the array starting at data[i]
// and the index after it (-1 when malformed). It checks the brackets, commas
// and whitespace between the elements, not the elements.
func splitArray(data []byte, i int) ([]span, int) {
	// Secrets are hundreds of bytes each: guess the count to size the list.
	elems := make([]span, 0, 1024)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return elems, i + 1
	}
	for {
		end := skipValue(data, i)
		if end <= i {
			return nil, -1
		}
		elems = append(elems, span{i, end})
		i = skipSpace(data, end)
		if i == len(data) {
			return nil, -1
		}
		switch data[i] {
		case ']':
			return elems, i + 1
		case ',':
			i = skipSpace(data, i+1)
		default:
			return nil, -1
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i] (a
// quote), or -1 when it does not end.
func skipString(data []byte, i int) int {
	open := i
	i++
	for {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		// The quote is escaped when an odd number of backslashes precede it.
		k := i - 1
		for k > open && data[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			return i + 1
		}
		i++
	}
}

// skipValue returns the index after the value starting at data[i], or -1.
// Objects and arrays are matched by counting brackets outside strings;
// scalars run to the next delimiter. It does not validate: what it skips is
// handed to encoding/json, or checked by the caller.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				if i = skipString(data, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(data) {
		switch c := data[i]; {
		case c == ',' || c == '}' || c == ']' || isSpace(c):
			return i
		}
		i++
	}
	return i
}

// asciiEqualFold reports whether ASCII b equals lower-case s, ignoring case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
