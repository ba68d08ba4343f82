package event_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/event"
)

// FuzzDecode checks that no input makes the decoder panic, that every error
// is a one-line *DecodeError naming its place, and that no decoded event
// keeps a secret-value field.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(realEventsDir, "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "null", "[]", "[[[[]]]]", `{"Records":null}`, `{"Records":[1,"x",null,{}]}`,
		goodRecord + "\n" + goodRecord, `{"detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"type":"x","severity":"9","updatedAt":1}}`,
		`{"Events":[{"CloudTrailEvent":"{\"eventName\":\"x\",\"eventTime\":0}"}]}`,
		`{"eventName":"PutSecretValue","eventTime":"2024-01-01 00:00:00","requestParameters":{"secretString":"v","x":[{"Password":"p"}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, errs := event.Decode(data, "fuzz")
		gzEvs, gzErrs := event.ReadReader(bytes.NewReader(data), "fuzz")
		if len(gzEvs) != len(evs) && !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) && !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
			t.Errorf("ReadReader gave %d events, Decode %d", len(gzEvs), len(evs))
		}
		for _, err := range append(errs, gzErrs...) {
			var de *event.DecodeError
			if !errors.As(err, &de) || !strings.HasPrefix(de.Where, "fuzz") {
				t.Errorf("error %#v is not a *DecodeError at fuzz…", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
		}
		for _, ev := range evs {
			if ev.Name == "" || ev.Time.IsZero() || !strings.HasPrefix(ev.Where, "fuzz") {
				t.Errorf("event without name, time or place: %+v", ev)
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Errorf("marshal event: %v", err)
			}
			for _, m := range []map[string]any{ev.Request, ev.Response, ev.Additional} {
				if k := secretKey(m); k != "" {
					t.Errorf("event keeps secret field %q", k)
				}
			}
		}
	})
}

// secretKey returns a key holding secret material anywhere in v, or "".
func secretKey(v any) string {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			lk := strings.ToLower(k)
			if lk == "secretstring" || lk == "secretbinary" || lk == "randompassword" {
				return k
			}
			if s := secretKey(e); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range x {
			if s := secretKey(e); s != "" {
				return s
			}
		}
	}
	return ""
}
