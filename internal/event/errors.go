package event

import "fmt"

// DecodeError is one problem met while decoding input: a file that cannot be
// read, a document that is not JSON, or a record that cannot be normalized.
// Decoding never stops at one: every DecodeError names its own place, and the
// other records of the same input are still decoded.
type DecodeError struct {
	// Where names the place: "file.json", "file.json#3" (third record),
	// "file.jsonl:12" (line 12) or "file.jsonl:12#2".
	Where string
	// Msg says what is wrong, e.g. "missing eventName".
	Msg string
	// Err is the underlying error, if any (I/O, gzip, JSON syntax).
	Err error
}

// Error renders the error as one line: "where: msg".
func (e *DecodeError) Error() string {
	if e.Where == "" {
		return e.Msg
	}
	return e.Where + ": " + e.Msg
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// errorf builds a *DecodeError with a formatted message.
func errorf(where, format string, args ...any) *DecodeError {
	return &DecodeError{Where: where, Msg: fmt.Sprintf(format, args...)}
}

// wrapErr builds a *DecodeError whose message is "verb object: err".
func wrapErr(where, what string, err error) *DecodeError {
	return &DecodeError{Where: where, Msg: fmt.Sprintf("%s: %v", what, err), Err: err}
}
