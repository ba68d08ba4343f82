package metrics

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFlushWritesOneEMFLine(t *testing.T) {
	var buf bytes.Buffer
	s := New(&buf, "evaluate").WithClock(func() time.Time { return time.UnixMilli(1700000000123) })
	s.Add(FindingsFailed, 2)
	s.Add(FindingsFailed, 1)
	s.Add(MalformedMessages, 1)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("one line: %q", out)
	}
	var doc struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Function             string
		FindingsFailed       float64
		ActionsExecuted      float64
		RotationsCircuitOpen *float64
		MalformedMessages    float64
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	d := doc.AWS.CloudWatchMetrics[0]
	if doc.AWS.Timestamp != 1700000000123 || d.Namespace != "SecretWarden" || d.Dimensions[0][0] != "Function" || doc.Function != "evaluate" {
		t.Errorf("directive %+v", doc)
	}
	if doc.FindingsFailed != 3 || doc.MalformedMessages != 1 || doc.RotationsCircuitOpen == nil || *doc.RotationsCircuitOpen != 0 {
		t.Errorf("values %+v", doc)
	}
	if len(d.Metrics) != 4 {
		t.Errorf("every value is declared: %+v", d.Metrics)
	}
	buf.Reset()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `"FindingsFailed":3`) {
		t.Error("a flush starts over")
	}
	var nilSet *Set
	nilSet.Add(FindingsFailed, 1)
	if err := nilSet.Flush(); err != nil {
		t.Error(err)
	}
}
