package awsinv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// apiText renders err for an entry's Error: "Code: message" of the AWS API
// error it wraps (the innermost one, e.g. the STS AccessDenied behind a
// failed role assumption), else the error text.
func apiText(err error) string {
	text := oneLine(err.Error())
	var ae smithy.APIError
	if errors.As(err, &ae) {
		text = ae.ErrorCode()
		if msg := ae.ErrorMessage(); msg != "" {
			text += ": " + oneLine(msg)
		}
	}
	var me *retry.MaxAttemptsError
	if errors.As(err, &me) {
		text += fmt.Sprintf(" (gave up after %d attempts)", me.Attempt)
	}
	return text
}

// oneLine keeps messages on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// callError is the Error of an entry: "<op> in <account>/<region>: <cause>".
func callError(op, account, region string, err error) string {
	return fmt.Sprintf("%s in %s/%s: %s", op, account, region, apiText(err))
}

// errorCode is the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isCode reports whether err carries one of the AWS error codes.
func isCode(err error, codes ...string) bool {
	c := errorCode(err)
	for _, x := range codes {
		if c == x {
			return true
		}
	}
	return false
}

// accessDenied lists the codes AWS services use for a denied call.
var accessDenied = []string{"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "AuthorizationError"}

// isContext reports whether err comes from the caller's context.
func isContext(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// textError is an error whose message is msg (one line, the AWS error in
// apiText's form) and which unwraps to err.
type textError struct {
	msg string
	err error
}

func (e *textError) Error() string { return e.msg }

func (e *textError) Unwrap() error { return e.err }
