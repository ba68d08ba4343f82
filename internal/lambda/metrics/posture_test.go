package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/finding"
)

// emfLine is one decoded EMF line.
type emfLine struct {
	doc  map[string]any
	ts   int64
	dims [][]string
	defs map[string]string // metric → unit
}

func decodeEMF(t *testing.T, out string) []emfLine {
	t.Helper()
	var lines []emfLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var doc map[string]any
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		var meta struct {
			AWS emfMeta `json:"_aws"`
		}
		if err := json.Unmarshal([]byte(l), &meta); err != nil || len(meta.AWS.CloudWatchMetrics) != 1 {
			t.Fatalf("no EMF directive: %q", l)
		}
		d := meta.AWS.CloudWatchMetrics[0]
		if d.Namespace != Namespace {
			t.Errorf("namespace %s", d.Namespace)
		}
		defs := map[string]string{}
		for _, m := range d.Metrics {
			defs[m.Name] = m.Unit
			v, ok := doc[m.Name]
			if !ok {
				t.Errorf("declared metric %s has no value: %q", m.Name, l)
			}
			if arr, ok := v.([]any); ok && len(arr) > maxValues {
				t.Errorf("%s: %d values in one line (EMF allows %d)", m.Name, len(arr), maxValues)
			}
		}
		for _, set := range d.Dimensions {
			for _, dim := range set {
				if _, ok := doc[dim].(string); !ok {
					t.Errorf("dimension %s has no string value: %q", dim, l)
				}
			}
		}
		lines = append(lines, emfLine{doc: doc, ts: meta.AWS.Timestamp, dims: d.Dimensions, defs: defs})
	}
	return lines
}

func TestPostureWritesBoundedComplianceMetrics(t *testing.T) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	p := NewPosture(now)
	add := func(policy, sev, acct string, st finding.Status, expires string, n int) {
		for range n {
			p.Add(&finding.Finding{PolicyID: policy, Severity: sev, AccountID: acct, Status: st, ExceptionExpires: expires})
		}
	}
	add("rotation-enabled", "high", "111111111111", finding.StatusPass, "", 150)
	add("rotation-enabled", "high", "111111111111", finding.StatusFail, "", 40)
	add("rotation-enabled", "high", "222222222222", finding.StatusError, "", 5)
	add("rotation-enabled", "high", "222222222222", finding.StatusExempt, "2026-12-01T00:00:00Z", 3) // 11 days: soon
	add("rotation-enabled", "high", "222222222222", finding.StatusExempt, "2027-06-30T00:00:00Z", 2) // not soon
	add("unused", "medium", "222222222222", finding.StatusNotApplicable, "", 7)
	var buf bytes.Buffer
	sweepStart := now.Add(-time.Hour)
	if err := p.Write(&buf, sweepStart); err != nil {
		t.Fatal(err)
	}
	lines := decodeEMF(t, buf.String())
	var values []float64
	failing := map[string]float64{}
	expiring := map[string]float64{}
	for _, l := range lines {
		if l.ts != sweepStart.UnixMilli() {
			t.Errorf("timestamp %d, want the sweep's start", l.ts)
		}
		if len(l.dims) != 1 {
			t.Fatalf("one dimension set a line: %v", l.dims)
		}
		switch fmt.Sprint(l.dims[0]) {
		case "[Policy Severity]":
			key := l.doc["Policy"].(string) + "/" + l.doc["Severity"].(string)
			if v, ok := l.doc[Compliance].([]any); ok {
				if l.defs[Compliance] != "Percent" {
					t.Errorf("Compliance unit %s", l.defs[Compliance])
				}
				if key == "rotation-enabled/high" {
					for _, x := range v {
						values = append(values, x.(float64))
					}
				}
			}
			if v, ok := l.doc[FailingFindings].(float64); ok {
				failing[key] += v
			}
			if v, ok := l.doc[ExceptionsExpiringSoon].(float64); ok {
				expiring[key] += v
			}
		case "[AccountId]":
			failing[l.doc["AccountId"].(string)] += l.doc[FailingFindings].(float64)
		default:
			t.Errorf("unexpected dimensions %v", l.dims)
		}
	}
	// 150 + 5 exempt compliant, 40 + 5 not: 200 values in 2 lines.
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	if len(values) != 200 || sum/float64(len(values)) != 77.5 {
		t.Errorf("compliance: %d values averaging %v, want 200 averaging 77.5", len(values), sum/float64(len(values)))
	}
	if failing["rotation-enabled/high"] != 45 || failing["111111111111"] != 40 || failing["222222222222"] != 5 {
		t.Errorf("failing %v", failing)
	}
	if expiring["rotation-enabled/high"] != 3 || expiring["unused/medium"] != 0 {
		t.Errorf("expiring %v", expiring)
	}
	if _, ok := failing["unused/medium"]; !ok {
		t.Error("a policy with only not-applicable findings still reports 0 failing")
	}
}

func TestObservedValuesSplitInArraysOfAHundred(t *testing.T) {
	var buf bytes.Buffer
	s := New(&buf, "evaluate").WithClock(func() time.Time { return time.UnixMilli(1700000000000) })
	for i := range 250 {
		s.Observe(TimeToDetect, float64(i), "Milliseconds")
	}
	s.Add(FindingsFailed, 2)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := decodeEMF(t, buf.String())
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3 (100 + 100 + 50 values)", len(lines))
	}
	n := 0
	for i, l := range lines {
		v := l.doc[TimeToDetect].([]any)
		n += len(v)
		if l.defs[TimeToDetect] != "Milliseconds" || l.doc["Function"] != "evaluate" {
			t.Errorf("line %d: %v", i, l.defs)
		}
		if _, ok := l.doc[FindingsFailed]; ok != (i == 0) {
			t.Errorf("line %d: counts belong on the first line only", i)
		}
	}
	if n != 250 {
		t.Errorf("%d values", n)
	}
	buf.Reset()
	if err := s.Flush(); err != nil || strings.Contains(buf.String(), TimeToDetect) {
		t.Errorf("a flush starts over: %v %s", err, buf.String())
	}
}
