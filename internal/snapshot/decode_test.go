package snapshot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/synth"
)

// sameDecode checks that Decode and the serial encoding/json decoder agree
// on data: the same snapshot, or the same error.
func sameDecode(t *testing.T, what string, data []byte) (*snapshot.Snapshot, error) {
	t.Helper()
	got, gerr := snapshot.Decode(data, "f.json")
	want, werr := snapshot.DecodeSerial(data, "f.json")
	if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
		t.Errorf("%s: error %v, want %v", what, gerr, werr)
		return got, gerr
	}
	if gerr != nil {
		var fe *snapshot.FileError
		if !errors.As(gerr, &fe) {
			t.Errorf("%s: error %T is not a *FileError", what, gerr)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: snapshots differ", what)
	}
	return got, gerr
}

func synthJSON(t testing.TB, n int, indent bool) []byte {
	t.Helper()
	s := synth.Generate(n, 7)
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(s, " ", "\t")
	} else {
		b, err = json.Marshal(s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeMatchesSerialOnSynthetic(t *testing.T) {
	for _, indent := range []bool{false, true} {
		data := synthJSON(t, 3000, indent)
		s, err := sameDecode(t, fmt.Sprint("indent ", indent), data)
		if err != nil || len(s.Secrets) != 3000 {
			t.Fatalf("indent %v: %v", indent, err)
		}
	}
}

// Documents of unusual shapes decode as encoding/json decodes them.
func TestDecodeMatchesSerialOnOddDocuments(t *testing.T) {
	const v = `"schema_version":"warden.snapshot/v1"`
	sec := `{"AccountId":"1","Region":"r","Secret":{"ARN":"a","Name":"n [x] {y} \"q\" \\"},"ResourcePolicy":"{\"a\":[1,{\"b\":\"]}\"}]}"}`
	docs := []string{
		`{` + v + `,"secrets":[` + sec + `,` + sec + `]}`,
		`{"secrets":[` + sec + `],` + v + `}`,
		"\n\t {\n  " + v + " ,\n  \"secrets\" :\n  [\n    " + sec + " ,\n\n    " + sec + "\n  ]\n}\n\n",
		`{` + v + `,"secrets":[]}`,
		`{` + v + `,"secrets":[ ]}`,
		`{` + v + `,"secrets":null}`,
		`{` + v + `}`,
		`{}`,
		`{` + v + `,"Secrets":[` + sec + `]}`,
		`{` + v + `,"SECRETS":[` + sec + `]}`,
		`{` + v + `,"secr\u0065ts":[` + sec + `]}`,
		`{` + v + `,"ſecrets":[` + sec + `]}`,
		`{` + v + `,"secrets":[` + sec + `],"secrets":[{"Region":"r2"}]}`,
		`{` + v + `,"secrets":[` + sec + `],"Secrets":[{"Region":"r2"},{}]}`,
		`{` + v + `,"secrets":[` + sec + `,null,{}]}`,
		`{` + v + `,"secrets":[` + sec + `]}]`,
		`{` + v + `,"secrets":[` + sec + `]}}`,
		`{` + v + `,"secrets":[` + sec + `]} x`,
		`{` + v + `,"secrets":[` + sec + `]} {}`,
		`{` + v + `,"secrets":[` + sec + `,]}`,
		`{` + v + `,"secrets":[,` + sec + `]}`,
		`{` + v + `,"secrets":[` + sec + ` ` + sec + `]}`,
		`{` + v + `,"secrets":[` + sec + `}`,
		`{` + v + `,"secrets":[` + sec + `],}`,
		`{` + v + `,"secrets":{"a":1}}`,
		`{` + v + `,"secrets":[1,2]}`,
		`{` + v + `,"secrets":["x"]}`,
		`{` + v + `,"secrets":[[` + sec + `]]}`,
		`{` + v + `,"secrets":[` + sec + `],"accounts":[{"Id":"1"},{"Name":"x"}]}`,
		`{` + v + `,"secrets":[` + sec + `],"keys":[{}]}`,
		`{"schema_version":"warden.snapshot/v2","secrets":[` + sec + `]}`,
		`{` + v + `,"taken_at":"soon","secrets":[` + sec + `]}`,
		`{` + v + `,"taken_at":1795132800,"organization":{"Id":"o-1"},"unknown":{"secrets":[1]},"secrets":[` + sec + `]}`,
		`{` + v + `,"secrets":[{"Secret":{"RotationEnabled":"yes"}}]}`,
		`{` + v + `,"secrets":[{},{"Secret":{"CreatedDate":"soon"}}]}`,
		`{` + v + `,"secrets":[{"Secret":{"Name":"` + "\x01" + `"}}]}`,
		`{` + v + `,"secrets":[{"Secret":{"Name":"` + "\xff" + `"}}]}`,
		"\ufeff{" + v + `,"secrets":[]}`,
		`null`,
		`[]`,
		`{` + v + `,"secrets":[` + sec,
		``,
		`   `,
	}
	for _, d := range docs {
		sameDecode(t, d, []byte(d))
	}
}

// bigDoc is a document of 2500 synthetic secrets, one a line, the one at
// mid replaced by bad.
func bigDoc(t *testing.T, bad string) (data []byte, mid int) {
	t.Helper()
	s := synth.Generate(2500, 11)
	var elems []string
	for i := range s.Secrets {
		b, err := json.Marshal(&s.Secrets[i])
		if err != nil {
			t.Fatal(err)
		}
		elems = append(elems, string(b))
	}
	mid = len(elems)/2 + 17
	elems[mid] = bad
	s.Secrets = nil
	head, _ := json.Marshal(s)
	head = bytes.TrimSuffix(head, []byte(`,"secrets":null}`))
	return []byte(string(head) + ",\n\"secrets\": [\n" + strings.Join(elems, ",\n") + "\n]}\n"), mid
}

func TestLoadBigSnapshotErrorsNameTheElement(t *testing.T) {
	dir := t.TempDir()
	// want gets the element's index and line.
	cases := []struct {
		bad  string
		want func(i, line int) string
	}{
		{`{"AccountId":"1","Secret":{"CreatedDate":"soon"}}`, func(i, _ int) string { return fmt.Sprintf(`: secrets[%d]: parse time "soon"`, i) }},
		{`{"AccountId":"1","Secret":{"RotationEnabled":"yes"}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d].Secret.RotationEnabled: line %d, column 51: cannot use JSON string as bool`, i, l)
		}},
		{`{"AccountId":"1","Secret":{"Tags":[{"Key":1}]}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d].Secret.Tags.Key: line %d, column`, i, l)
		}},
		{`{"AccountId":"1","Secret":{"Name":"x",}}`, func(_, l int) string {
			return fmt.Sprintf(`: line %d, column 40: malformed JSON: invalid character '}'`, l)
		}},
		{`{"AccountId":"1" "Secret":{}}`, func(_, l int) string {
			return fmt.Sprintf(`: line %d, column 19: malformed JSON: invalid character '"' after object key:value pair`, l)
		}},
		// The missing brace is found at the next element, a line down.
		{`{"AccountId":"1","Secret":{"Name":"x"}`, func(_, l int) string {
			return fmt.Sprintf(`: line %d, column 2: malformed JSON: invalid character '{' looking for beginning of object key string`, l+1)
		}},
	}
	for i, c := range cases {
		data, mid := bigDoc(t, c.bad)
		line := 3 + mid // the header, "secrets": [, then one element a line
		name := fmt.Sprintf("case%d.json", i)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := snapshot.Load(p)
		var fe *snapshot.FileError
		want := name + c.want(mid, line)
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want a *FileError with %q", c.bad, err, want)
		}
		if _, werr := snapshot.DecodeSerial(data, p); err == nil || werr == nil || err.Error() != werr.Error() {
			t.Errorf("%s: error %v differs from encoding/json's %v", c.bad, err, werr)
		}
	}
}

func TestLoadTruncatedSnapshot(t *testing.T) {
	data := synthJSON(t, 200, true)
	dir := t.TempDir()
	for _, cut := range []int{1, 10, len(data) / 3, len(data) / 2, len(data) - 40, len(data) - 3, len(data) - 2} {
		p := filepath.Join(dir, "trunc.json")
		if err := os.WriteFile(p, data[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := snapshot.Load(p)
		var fe *snapshot.FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "trunc.json: ") || !strings.Contains(err.Error(), "unexpected end") {
			t.Errorf("cut at %d of %d: %v", cut, len(data), err)
		}
		sameDecode(t, fmt.Sprint("cut at ", cut), data[:cut])
	}
}

// Every element shape of the decoder's tests (entryCases), as a document's only
// secret and amid good ones.
func TestDecodeMatchesSerialElementByElement(t *testing.T) {
	good := `{"AccountId":"1","Region":"r","Secret":{"ARN":"a","Name":"n"}}`
	for _, e := range snapshot.EntryCases() {
		sameDecode(t, e, []byte(`{"schema_version":"warden.snapshot/v1","secrets":[`+e+`]}`))
		sameDecode(t, e, []byte(`{"schema_version":"warden.snapshot/v1","secrets":[`+strings.Repeat(good+",", 300)+e+strings.Repeat(","+good, 300)+`]}`))
	}
}
