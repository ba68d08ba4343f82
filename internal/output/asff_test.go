package output_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secretwarden/warden/internal/asff"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/output"
)

// noEmpty fails on any null, "" , [] or {} in an ASFF document: the SDK's
// unset fields must not reach the wire form.
func noEmpty(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case nil:
		t.Errorf("%s: null", path)
	case string:
		if x == "" {
			t.Errorf("%s: empty string", path)
		}
	case []any:
		if len(x) == 0 {
			t.Errorf("%s: empty array", path)
		}
		for i, e := range x {
			noEmpty(t, path+"["+string(rune('0'+i%10))+"]", e)
		}
	case map[string]any:
		if len(x) == 0 {
			t.Errorf("%s: empty object", path)
		}
		for k, e := range x {
			noEmpty(t, path+"."+k, e)
		}
	}
}

// The ASFF export is a BatchImportFindings request whose findings are the
// shared mapper's (the Lambdas import the same), every status included,
// with the required attributes and nothing unset.
func TestASFFExport(t *testing.T) {
	fs := sampleFindings()
	var buf bytes.Buffer
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	w, err := output.NewFindingWriterWith(output.ASFF, &buf, output.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(fs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(nil); err != nil {
		t.Fatal(err)
	}
	var generic struct{ Findings []map[string]any }
	if err := json.Unmarshal(buf.Bytes(), &generic); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if len(generic.Findings) != len(fs) {
		t.Fatalf("%d findings, want %d", len(generic.Findings), len(fs))
	}
	var req struct{ Findings []shtypes.AwsSecurityFinding }
	if err := json.Unmarshal(buf.Bytes(), &req); err != nil {
		t.Fatal(err)
	}
	required := []string{"AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn", "Resources",
		"SchemaVersion", "Severity", "Title", "Types", "UpdatedAt"}
	for i, g := range generic.Findings {
		noEmpty(t, "Findings["+string(rune('0'+i))+"]", g)
		for _, k := range required {
			if _, ok := g[k]; !ok {
				t.Errorf("finding %d: required %s missing", i, k)
			}
		}
		want, err := asff.Map(fs[i], now)
		if err != nil {
			t.Fatal(err)
		}
		got := req.Findings[i]
		if aws.ToString(got.Id) != aws.ToString(want.Id) || aws.ToString(got.AwsAccountId) != fs[i].AccountID ||
			aws.ToString(got.ProductArn) != aws.ToString(want.ProductArn) || got.Compliance.Status != want.Compliance.Status ||
			got.Severity.Label != want.Severity.Label || got.RecordState != want.RecordState ||
			!reflect.DeepEqual(got.ProductFields, want.ProductFields) ||
			aws.ToString(got.Resources[0].Details.AwsSecretsManagerSecret.Name) != "payments/db" && fs[i].SecretName == "payments/db" {
			t.Errorf("finding %d differs from the mapper's:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if !strings.HasPrefix(buf.String(), "{\"Findings\": [\n") {
		t.Errorf("request shape: %.40q", buf.String())
	}
}

// A finding without a secret ARN cannot be exported; the others are, and
// Close says what was left out.
func TestASFFExportLeavesOutWhatHasNoARN(t *testing.T) {
	fs := sampleFindings()[:2]
	bad := fs[0]
	bad.SecretARN = "unknown:111122223333:us-east-1:broken"
	var buf bytes.Buffer
	w, _ := output.NewFindingWriterWith(output.ASFF, &buf, output.Options{})
	if err := w.Write([]finding.Finding{fs[0], bad, fs[1]}); err != nil {
		t.Fatal(err)
	}
	err := w.Close(nil)
	if err == nil || !strings.Contains(err.Error(), "1 finding(s) left out") || !strings.Contains(err.Error(), "unknown:111122223333") {
		t.Errorf("close: %v", err)
	}
	var req struct{ Findings []map[string]any }
	if err := json.Unmarshal(buf.Bytes(), &req); err != nil || len(req.Findings) != 2 {
		t.Errorf("the other findings are written: %v, %d", err, len(req.Findings))
	}
	var empty bytes.Buffer
	w, _ = output.NewFindingWriterWith(output.ASFF, &empty, output.Options{})
	if err := w.Close(nil); err != nil || empty.String() != "{\"Findings\": []}\n" {
		t.Errorf("empty: %v %q", err, empty.String())
	}
}
