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

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/synth"
)

// sameDecode checks that Decode and the one-pass encoding/json decoder
// agree on data: the same snapshot, or both refuse it (Decode with a
// one-line *FileError). refused marks data encoding/json accepts but that
// holds impossible values, which Decode refuses.
func sameDecode(t *testing.T, what string, data []byte, refused ...bool) (*snapshot.Snapshot, error) {
	t.Helper()
	got, gerr := snapshot.Decode(data, "f.json")
	want, werr := snapshot.DecodeSerial(data, "f.json")
	if len(refused) > 0 && refused[0] {
		if gerr == nil {
			t.Errorf("%s: accepted, want refused", what)
		}
		return got, gerr
	}
	if (gerr == nil) != (werr == nil) {
		t.Errorf("%s: error %v, encoding/json's %v", what, gerr, werr)
		return got, gerr
	}
	if gerr != nil {
		var fe *snapshot.FileError
		if !errors.As(gerr, &fe) || strings.Contains(gerr.Error(), "\n") {
			t.Errorf("%s: error %v is not a one-line *FileError", what, gerr)
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
	sec2 := strings.Replace(sec, `"ARN":"a"`, `"ARN":"b"`, 1)
	docs := []string{
		`{` + v + `,"secrets":[` + sec + `,` + sec2 + `]}`,
		`{"secrets":[` + sec + `],` + v + `}`,
		"\n\t {\n  " + v + " ,\n  \"secrets\" :\n  [\n    " + sec + " ,\n\n    " + sec2 + "\n  ]\n}\n\n",
		`{` + v + `,"secrets":[]}`,
		`{` + v + `,"secrets":[ ]}`,
		`{` + v + `,"secrets":null}`,
		`{` + v + `}`,
		`{}`,
		`{` + v + `,"Secrets":[` + sec + `]}`,
		`{` + v + `,"SECRETS":[` + sec + `]}`,
		`{` + v + `,"secr\u0065ts":[` + sec + `]}`,
		`{` + v + `,"ſecrets":[` + sec + `]}`,
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
	// Decode is stricter than the one-pass decoder on these: data after the
	// snapshot object is refused (json.Decoder.More says nothing of a ']'
	// or '}' after it).
	refused := map[string]bool{
		`{` + v + `,"secrets":[` + sec + `]}]`: true,
		`{` + v + `,"secrets":[` + sec + `]}}`: true,
	}
	for _, d := range docs {
		sameDecode(t, d, []byte(d), refused[d])
	}
	// A repeated member replaces the earlier one (encoding/json decodes the
	// later array onto the earlier one's elements).
	for _, d := range []string{
		`{` + v + `,"secrets":[` + sec + `],"secrets":[{"Region":"r2"}]}`,
		`{` + v + `,"secrets":[` + sec + `],"Secrets":[{"Region":"r2"},{}]}`,
	} {
		s, err := snapshot.Decode([]byte(d), "f.json")
		if err != nil || s.Secrets[0].Region != "r2" || s.Secrets[0].AccountID != "" {
			t.Errorf("%s: %v %+v", d, err, s)
		}
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

// A bad entry in a big snapshot is named by its index, field, line and
// column (the column of the offending value, 1-based), and costs only
// itself: the 2499 others are read.
func TestReadBigSnapshotErrorsNameTheElement(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		bad  string
		want func(i, line int) string
		kept int    // entries read
		inv  string // the kept entry's Invalid field, if it is kept
	}{
		{`{"AccountId":"1","Secret":{"ARN":"x","CreatedDate":"soon"}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d].Secret.CreatedDate: line %d, column 52: parse time "soon": want RFC 3339 or epoch seconds`, i, l)
		}, 2500, "Secret.CreatedDate"},
		{`{"AccountId":"1","Secret":{"ARN":"x","RotationEnabled":"yes"}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d].Secret.RotationEnabled: line %d, column 56: cannot use JSON string as bool`, i, l)
		}, 2500, "Secret.RotationEnabled"},
		{`{"AccountId":"1","Secret":{"ARN":"x","Tags":[{"Key":"a"},{"Key":1}]}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d].Secret.Tags[1].Key: line %d, column 65: cannot use JSON number as string`, i, l)
		}, 2500, "Secret.Tags[1].Key"},
		{`{"AccountId":"1","Secret":{"ARN":"x","NextRotationDate":"0001-01-01T00:00:00Z"}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d].Secret.NextRotationDate: line %d, column 57: parse time "0001-01-01T00:00:00Z": year 1 is outside 1970-2200`, i, l)
		}, 2500, "Secret.NextRotationDate"},
		{`{"AccountId":"1","Secret":{"ARN":"x","RotationRules":{"AutomaticallyAfterDays":-5}}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d].Secret.RotationRules.AutomaticallyAfterDays: line %d, column 80: -5 is not a rotation interval (AWS allows 1 to 1000 days)`, i, l)
		}, 2500, "Secret.RotationRules.AutomaticallyAfterDays"},
		// Malformed JSON inside an entry drops the entry, not the file.
		{`{"AccountId":"1","Secret":{"Name":"x",}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d]: line %d, column 39: malformed JSON: invalid character '}' looking for beginning of object key string`, i, l)
		}, 2499, ""},
		{`{"AccountId":"1" "Secret":{}}`, func(i, l int) string {
			return fmt.Sprintf(`: secrets[%d]: line %d, column 18: malformed JSON: invalid character '"' after object key:value pair`, i, l)
		}, 2499, ""},
		// A missing brace swallows the rest of the array: the file's
		// structure is broken where the brackets stop matching.
		{`{"AccountId":"1","Secret":{"Name":"x"}`, func(_, _ int) string {
			return ": line 2503, column 2: malformed JSON: invalid character '}' after array element"
		}, 0, ""},
	}
	for i, c := range cases {
		data, mid := bigDoc(t, c.bad)
		line := 3 + mid // the header, "secrets": [, then one element a line
		name := fmt.Sprintf("case%d.json", i)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		snap, problems, err := snapshot.Read(p, boundedio.Limits{})
		want := p + c.want(mid, line)
		if c.kept == 0 {
			if err == nil || err.Error() != want {
				t.Errorf("%s: got %v, want %q", c.bad, err, want)
			}
			continue
		}
		if c.inv != "" {
			want += " (the checks that read it are error; the others are evaluated)"
		}
		if err != nil || len(problems) != 1 || problems[0].Error() != want {
			t.Errorf("%s: got %v %v, want %q", c.bad, err, problems, want)
			continue
		}
		if len(snap.Secrets) != c.kept {
			t.Errorf("%s: %d secrets read, want %d", c.bad, len(snap.Secrets), c.kept)
		}
		if c.inv != "" {
			e := snap.Secrets[mid]
			if e.Secret.ARN != "x" || len(e.Invalid) != 1 || e.Invalid[0].Field != c.inv {
				t.Errorf("%s: kept entry %+v", c.bad, e)
			}
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
	goods := func(from int) string {
		var b strings.Builder
		for i := from; i < from+300; i++ {
			fmt.Fprintf(&b, `{"AccountId":"1","Region":"r","Secret":{"ARN":"a%d","Name":"n"}},`, i)
		}
		return b.String()
	}
	cases, refused := snapshot.EntryCases()
	for i, e := range cases {
		sameDecode(t, e, []byte(`{"schema_version":"warden.snapshot/v1","secrets":[`+e+`]}`), refused[i])
		sameDecode(t, e, []byte(`{"schema_version":"warden.snapshot/v1","secrets":[`+goods(0)+e+","+strings.TrimSuffix(goods(300), ",")+`]}`), refused[i])
	}
}
