package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// entryCases are secrets-array elements of every shape, common and odd,
// that Decode must decode exactly as encoding/json does, or refuse when
// encoding/json does. refused marks the ones encoding/json decodes but
// whose values no secret can hold (a rotation interval outside 1-1000
// days, a date outside 1970-2200): Decode refuses those too.
var entryCases = []struct {
	json    string
	refused bool
}{
	{`{}`, false},
	{`{"AccountId":"111111111111","Region":"us-east-1","Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111111111111:secret:a-AbCdEf","Name":"a"},"ResourcePolicy":null}`, false},
	{`{"AccountId":"200000000007","Region":"us-east-1","Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:200000000007:secret:svc-7/db-7-36014D","Name":"svc-7/db-7","KmsKeyId":"arn:aws:kms:us-east-1:200000000007:key/00000007-0000-4000-8000-000000000001","RotationEnabled":true,"RotationLambdaARN":"arn:aws:lambda:us-east-1:200000000007:function:rotate","RotationRules":{"AutomaticallyAfterDays":30},"LastRotatedDate":"2026-10-15T00:00:00Z","LastChangedDate":"2026-09-05T00:00:00Z","LastAccessedDate":"2026-09-05T00:00:00Z","NextRotationDate":"2026-11-14T00:00:00Z","CreatedDate":"2024-12-14T00:00:00Z","Tags":[{"Key":"app","Value":"svc-7"},{"Key":"owner","Value":"team-7"}],"VersionIdsToStages":{"00000007-aaaa-4bbb-8ccc-000000000007":["AWSCURRENT"]}},"ResourcePolicy":null}`, false},
	// Whitespace everywhere.
	{" {\n\t\"AccountId\" : \"1\" ,\r\n \"Secret\" : { \"Tags\" : [ { \"Key\" : \"k\" , \"Value\" : \"v\" } ] , \"RotationEnabled\" : false } } ", false},
	// Strings with brackets, braces, escaped quotes and backslashes.
	{`{"ResourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}","Secret":{"Name":"a]b}c[d{e,f:g","Description":"tab\there\nnew \\ back \/ slash \"q\" \b\f\r"}}`, false},
	{`{"Secret":{"Name":"\\"}}`, false},
	{`{"Secret":{"Name":"\\\""}}`, false},
	{`{"Error":"AccessDeniedException: not authorized","AccountId":"1","Region":"eu-west-1"}`, false},
	// Unicode, raw and escaped, and bytes encoding/json replaces.
	{`{"Secret":{"Name":"prod/dätenbank/日本/🔑","Description":"\u00e9t\u00e9"}}`, false},
	{`{"Secret":{"Name":"\ud83d\udd11 \ud800 lone"}}`, false},
	{"{\"Secret\":{\"Name\":\"bad \xff utf8\"}}", false},
	{"{\"Secret\":{\"Name\":\"surrogate \xed\xa0\x80\"}}", false},
	{"{\"Secret\":{\"Name\":\"del \x7f ok\"}}", false},
	{"{\"Secret\":{\"Name\":\"ctl \x01\"}}", false}, // invalid JSON
	// Nulls.
	{`{"AccountId":null,"Region":null,"Secret":null,"ResourcePolicy":null,"Error":null}`, false},
	{`{"Secret":{"ARN":null,"RotationEnabled":null,"RotationRules":null,"Tags":null,"VersionIdsToStages":null,"ReplicationStatus":null,"CreatedDate":null}}`, false},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":null,"Duration":null}}}`, false},
	{`{"Secret":{"VersionIdsToStages":{"v1":null,"v2":[],"v3":["AWSCURRENT","AWSPREVIOUS"]}}}`, false},
	{`{"Secret":{"VersionIdsToStages":{"v1":[null]}}}`, false},
	{`{"Secret":{"Tags":[null]}}`, false},
	{`null`, false},
	// Empty lists and objects: non-nil, as with encoding/json.
	{`{"Secret":{"Tags":[],"VersionIdsToStages":{},"ReplicationStatus":[],"RotationRules":{}}}`, false},
	{`{"Secret":{"Tags":[{}],"ReplicationStatus":[{}]}}`, false},
	{`{"Secret":{"ReplicationStatus":[{"Region":"eu-west-1","KmsKeyId":"alias/app","Status":"InSync","StatusMessage":"Replication succeeded","LastAccessedDate":1795132800}]}}`, false},
	{`{"Secret":{"PrimaryRegion":"us-east-1","OwningService":"rds","DeletedDate":"2026-11-20T00:00:00Z"}}`, false},
	// Timestamps of every accepted form, and bad ones.
	{`{"Secret":{"CreatedDate":1795132800,"LastChangedDate":1795132800.5,"LastAccessedDate":"1795132800","DeletedDate":"2026-11-20T01:00:00+01:00","NextRotationDate":"2026-11-20","LastRotatedDate":""}}`, false},
	{`{"Secret":{"CreatedDate":"2026-11-20T00:00:00.123456789Z","LastChangedDate":-0,"LastAccessedDate":1e9,"DeletedDate":"2026-11-20 10:00:00"}}`, false},
	{`{"Secret":{"CreatedDate":"2026-02-29T00:00:00Z"}}`, false},
	{`{"Secret":{"CreatedDate":"2028-02-29T23:59:59Z"}}`, false},
	{`{"Secret":{"CreatedDate":"soon"}}`, false},
	{`{"Secret":{"CreatedDate":-5}}`, false},
	{`{"Secret":{"CreatedDate":true}}`, false},
	{`{"Secret":{"CreatedDate":{}}}`, false},
	{`{"Secret":{"CreatedDate":"\u0032026-11-20T00:00:00Z"}}`, false},
	// Numbers.
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":0}}}`, true},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":-7}}}`, true},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":999999999999999999}}}`, true},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":9223372036854775807}}}`, true},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":9223372036854775808}}}`, false},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":1.5}}}`, false},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":1e2}}}`, false},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":01}}}`, false},
	{`{"Secret":{"RotationRules":{"AutomaticallyAfterDays":"30"}}}`, false},
	// Keys encoding/json matches other than exactly, unknown keys, repeats.
	{`{"accountid":"1"}`, false},
	{`{"ACCOUNTID":"1","Secret":{"arn":"x","name":"y"}}`, false},
	{`{"Account\u0049d":"1"}`, false},
	{`{"Source":"x"}`, false},
	{`{"Unknown":{"nested":[1,2,{"a":null}]},"AccountId":"1"}`, false},
	{`{"AccountId":"1","AccountId":"2"}`, false},
	{`{"Secret":{"Tags":[{"Key":"a","Key":"b"}]}}`, false},
	{`{"Secret":{"Name":"a"},"Secret":{"ARN":"b"}}`, false},
	{`{"Secret":{"VersionIdsToStages":{"v":["A"],"v":["B"]}}}`, false},
	// Type errors.
	{`{"Secret":{"RotationEnabled":"yes"}}`, false},
	{`{"Secret":{"RotationEnabled":1}}`, false},
	{`{"AccountId":111111111111}`, false},
	{`{"Secret":{"Tags":{"Key":"a"}}}`, false},
	{`{"Secret":{"Tags":["a"]}}`, false},
	{`{"ResourcePolicy":{"Version":"2012-10-17"}}`, false},
	{`[]`, false},
	{`"x"`, false},
	// Malformed JSON.
	{`{"AccountId":"1",}`, false},
	{`{"AccountId":"1"`, false},
	{`{"AccountId" "1"}`, false},
	{`{"Secret":{"Tags":[{"Key":"a"},]}}`, false},
	{`{"Secret":{"RotationEnabled":tru}}`, false},
	{`{"Secret":{"RotationEnabled":truex}}`, false},
	{`{"Secret":{"Name":"a\qb"}}`, false},
	{`{"Secret":{"Name":"unterminated}}`, false},
	{`{}}`, false},
	{`{} {}`, false},
}

// oldTimeUnmarshal is Time.UnmarshalJSON before its fast paths.
func oldTimeUnmarshal(t *Time, b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode time: %w", err)
		}
		if s == "" {
			*t = Time{}
			return nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			*t = epoch(f)
			return nil
		}
		v, err := ParseTime(s)
		if err != nil {
			return err
		}
		t.Time = v
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return fmt.Errorf("parse time %s: want RFC 3339 or epoch seconds", b)
	}
	*t = epoch(f)
	return nil
}

// oldTimeUnmarshalInRange is oldTimeUnmarshal with the years limited to
// MinYear..MaxYear, as Time.UnmarshalJSON now limits them.
func oldTimeUnmarshalInRange(t *Time, b []byte) error {
	if err := oldTimeUnmarshal(t, b); err != nil {
		return err
	}
	if !t.IsZero() || isZeroTimeText(b) {
		if err := checkYear(t.Time, bytes.TrimSpace(b)); err != nil {
			*t = Time{}
			return err
		}
	}
	return nil
}

func TestTimeUnmarshalMatchesOld(t *testing.T) {
	var inputs []string
	for _, y := range []string{"0000", "1970", "2024", "2025", "2100", "9999"} {
		for _, md := range []string{"01-01", "01-31", "02-28", "02-29", "02-30", "04-30", "04-31", "12-31", "13-01", "00-10", "06-00", "1a-01"} {
			for _, hms := range []string{"00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "9:00:00"} {
				for _, z := range []string{"Z", "z", "+01:00", ".5Z", ""} {
					inputs = append(inputs, `"`+y+"-"+md+"T"+hms+z+`"`)
				}
			}
		}
	}
	inputs = append(inputs, `"2026-11-20"`, `"2026-11-20 10:00:00"`, `"1795132800"`, `"1e9"`, `"NaN"`, `"inf"`, `"0x10"`,
		`"2026-11-20T00:00:00Z "`, `"2026-11-20T00:00:00Zx`, `x2026-11-20T00:00:00Z"`, `"2026-11-20T00:00:00Z`, `" 2026-11-20T00:00:00Z"`, `"2026-11-20t00:00:00Z"`, `"\u0032026-11-20T00:00:00Z"`,
		`"2026-11-20T00:00:00\u005a"`, "\"2026-11-20T00:00:00Z\x7f\"", `""`, `null`, `  "2026-11-20T00:00:00Z"  `,
		`1795132800`, `1795132800.25`, `-1`, `1e300`, `true`, `"yesterday"`, `"`, `"2026`, `"2026-`, `"12345-01-01T00:00:00Z"`)
	for _, in := range inputs {
		var got, want Time
		gerr := got.UnmarshalJSON([]byte(in))
		werr := oldTimeUnmarshalInRange(&want, []byte(in))
		if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Errorf("%s: error %v, want %v", in, gerr, werr)
		}
		if got != want {
			t.Errorf("%s: %#v, want %#v", in, got.Time, want.Time)
		}
	}
	// And the fast path agrees with time.Parse on every second of a day and
	// every day of a leap and a common year.
	for _, y := range []int{2024, 2026} {
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.Add(24*time.Hour + 7*time.Second) {
			in := `"` + d.Format(time.RFC3339) + `"`
			var got, want Time
			if err := got.UnmarshalJSON([]byte(in)); err != nil || oldTimeUnmarshalInRange(&want, []byte(in)) != nil || got != want {
				t.Fatalf("%s: %v %v", in, got, want)
			}
		}
	}
}

func FuzzTimeUnmarshal(f *testing.F) {
	for _, s := range []string{`"2026-11-20T00:00:00Z"`, `"2028-02-29T23:59:59Z"`, `1795132800`, `"1795132800.5"`, `"2026-11-20"`, `null`, `""`, `"\u0032026-11-20T00:00:00Z"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var got, want Time
		gerr := got.UnmarshalJSON([]byte(in))
		werr := oldTimeUnmarshalInRange(&want, []byte(in))
		if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) || got != want {
			t.Fatalf("%q: %v %v, want %v %v", in, got.Time, gerr, want.Time, werr)
		}
	})
}

// FuzzDecode holds Decode (streamed, go-json per element, lenient on bad
// elements) to the one-pass encoding/json decoder: the same snapshot when
// both accept a document; a refusal when encoding/json refuses it.
func FuzzDecode(f *testing.F) {
	const v = `"schema_version":"warden.snapshot/v1"`
	for _, c := range entryCases {
		f.Add(`{` + v + `,"secrets":[` + c.json + `,{"AccountId":"1"}]}`)
	}
	f.Add(`{` + v + `,"accounts":[{"Id":"1"}],"secrets":[],"keys":[{"KeyId":"k"}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		got, gerr := Decode([]byte(doc), "f.json")
		want, werr := DecodeSerial([]byte(doc), "f.json")
		if werr != nil && gerr == nil {
			t.Fatalf("%q: accepted, encoding/json refuses it: %v", doc, werr)
		}
		if gerr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: snapshots differ:\n got %+v\nwant %+v", doc, got, want)
		}
		var fe *FileError
		if gerr != nil && (!errors.As(gerr, &fe) || strings.Contains(gerr.Error(), "\n")) {
			t.Fatalf("%q: error %v is not a one-line *FileError", doc, gerr)
		}
	})
}
