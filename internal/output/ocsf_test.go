package output_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/asff"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/output"
)

func renderOCSF(t *testing.T, fs []finding.Finding) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	w, err := output.NewFindingWriterWith(output.OCSF, &buf, output.Options{ToolVersion: "v1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(fs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(nil); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, ev)
	}
	return out
}

// Every status renders a Compliance Finding (class_uid 2003) valid against
// the OCSF 1.2.0 schema.
func TestOCSFEventsValidateAgainstOCSF120(t *testing.T) {
	schema := ocsf120(t)
	fs := sampleFindings()
	na := fs[3]
	na.Status = finding.StatusNotApplicable
	updated := fs[0]
	updated.FirstSeen = t0.Add(-48 * time.Hour)
	fs = append(fs, na, updated)
	evs := renderOCSF(t, fs)
	if len(evs) != len(fs) {
		t.Fatalf("%d events for %d findings", len(evs), len(fs))
	}
	for i, ev := range evs {
		if errs := schema.validateEvent("compliance_finding", ev); len(errs) > 0 {
			t.Errorf("event %d (%s %s) invalid:\n  %s", i, fs[i].PolicyID, fs[i].Status, strings.Join(errs, "\n  "))
		}
	}
	type want struct {
		comp, status, activity float64
	}
	for i, w := range []want{
		{3, 1, 1}, // fail: Fail, New, Create
		{3, 3, 1}, // exempt: Fail, Suppressed
		{2, 1, 1}, // error: Warning
		{1, 4, 1}, // pass: Pass, Resolved
		{3, 1, 1}, // exception-expired fails
		{3, 1, 1}, // the live one
		{0, 4, 3}, // not applicable: no compliance status, Resolved, Close
		{3, 1, 2}, // seen before: Update
	} {
		ev := evs[i]
		comp := ev["compliance"].(map[string]any)
		got := want{asFloat(comp["status_id"]), ev["status_id"].(float64), ev["activity_id"].(float64)}
		if got != w {
			t.Errorf("event %d (%s): compliance/status/activity %v, want %v", i, fs[i].Status, got, w)
		}
	}
	first := evs[0]
	fi := first["finding_info"].(map[string]any)
	res := first["resource"].(map[string]any)
	cloud := first["cloud"].(map[string]any)
	if fi["uid"] != asff.FindingID(fs[0]) || res["uid"] != arnPay || res["type"] != "AWS::SecretsManager::Secret" ||
		cloud["account"].(map[string]any)["uid"] != "111122223333" || cloud["region"] != "us-east-1" ||
		first["severity"] != "Critical" || first["severity_id"].(float64) != 5 || first["time"].(float64) != float64(t0.UnixMilli()) ||
		first["type_uid"].(float64) != 200301 {
		t.Errorf("event 0: %v", first)
	}
	if u := evs[1]["unmapped"].(map[string]any)["secretwarden"].(map[string]any); u["exception"] != "EXC-1" || u["exception_expires"] != "2027-06-30T00:00:00Z" {
		t.Errorf("exempt event unmapped %v", u)
	}
}

func asFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

// The validator is not a rubber stamp: each broken event is refused with
// the reason.
func TestOCSFValidatorRefusesBrokenEvents(t *testing.T) {
	schema := ocsf120(t)
	good := renderOCSF(t, sampleFindings()[:1])[0]
	clone := func() map[string]any {
		b, _ := json.Marshal(good)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return m
	}
	for name, c := range map[string]struct {
		mut  func(map[string]any)
		want string
	}{
		"required attribute":       {func(m map[string]any) { delete(m["finding_info"].(map[string]any), "uid") }, "finding_info.uid: required"},
		"required object":          {func(m map[string]any) { delete(m, "compliance") }, "compliance: required"},
		"profile attribute":        {func(m map[string]any) { delete(m, "cloud") }, "cloud: required"},
		"enum id":                  {func(m map[string]any) { m["severity_id"] = 7.0 }, "severity_id: 7 is not one of"},
		"object enum id":           {func(m map[string]any) { m["compliance"].(map[string]any)["status_id"] = 9.0 }, "compliance.status_id: 9"},
		"sibling caption":          {func(m map[string]any) { m["severity"] = "Low" }, "sibling severity"},
		"data type":                {func(m map[string]any) { m["time"] = "2026-11-20" }, "time: want an integer"},
		"nested type":              {func(m map[string]any) { m["compliance"].(map[string]any)["standards"] = "CIS" }, "compliance.standards: want an array"},
		"unknown attribute":        {func(m map[string]any) { m["secret_arn"] = "x" }, "secret_arn: not an attribute"},
		"unknown nested attribute": {func(m map[string]any) { m["resource"].(map[string]any)["arn"] = "x" }, "resource.arn: not an attribute"},
		"type uid":                 {func(m map[string]any) { m["type_uid"] = 200302.0 }, "type_uid"},
		"class uid":                {func(m map[string]any) { m["class_uid"] = 2001.0 }, "class_uid"},
		"schema version":           {func(m map[string]any) { m["metadata"].(map[string]any)["version"] = "1.1.0" }, "metadata.version"},
		"unknown profile":          {func(m map[string]any) { m["metadata"].(map[string]any)["profiles"] = []any{"cloud", "nope"} }, "not a profile"},
		"entity constraint":        {func(m map[string]any) { m["metadata"].(map[string]any)["product"] = map[string]any{"vendor_name": "x"} }, "at least one of"},
	} {
		ev := clone()
		c.mut(ev)
		errs := schema.validateEvent("compliance_finding", ev)
		if !strings.Contains(strings.Join(errs, "\n"), c.want) {
			t.Errorf("%s: want an error containing %q, got %v", name, c.want, errs)
		}
	}
	if errs := schema.validateEvent("compliance_finding", clone()); len(errs) > 0 {
		t.Errorf("the unbroken event: %v", errs)
	}
}
