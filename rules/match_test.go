package rules

import (
	"encoding/json"
	"testing"
)

// mustJSON decodes a JSON object or fails the test.
func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

func TestMatch(t *testing.T) {
	event := `{"source":"aws.x","detail-type":"T","n":5,"flag":true,"none":null,"tags":["a","b"],
	"detail":{"eventName":"GetSecretValue","type":"UnauthorizedAccess:IAMUser/MaliciousIPCaller","nested":{"k":"v"}}}`
	tests := []struct {
		pattern string
		want    bool
	}{
		{`{}`, true},
		{`{"source":["aws.x"]}`, true},
		{`{"source":["aws.y","aws.x"]}`, true},
		{`{"source":["aws.y"]}`, false},
		{`{"source":"aws.x"}`, false}, // a bare value is not a valid pattern
		{`{"missing":["x"]}`, false},
		{`{"n":[5]}`, true},
		{`{"n":["5"]}`, false},
		{`{"flag":[true]}`, true},
		{`{"none":[null]}`, true},
		{`{"missing":[null]}`, false},
		{`{"tags":["b"]}`, true},
		{`{"tags":["c"]}`, false},
		{`{"detail":{"eventName":["GetSecretValue"]}}`, true},
		{`{"detail":{"eventName":["DescribeSecret"]}}`, false},
		{`{"detail":{"nested":{"k":["v"]}}}`, true},
		{`{"detail":{"nested":{"k":["w"]}}}`, false},
		{`{"source":{"k":["v"]}}`, false}, // object pattern, scalar event value
		{`{"detail":{"type":[{"prefix":"UnauthorizedAccess:IAMUser/"}]}}`, true},
		{`{"detail":{"type":[{"prefix":"Recon:"},{"prefix":"Unauthorized"}]}}`, true},
		{`{"detail":{"type":[{"prefix":"Recon:"}]}}`, false},
		{`{"n":[{"prefix":"5"}]}`, false},
		{`{"detail":{"type":[{"suffix":"Caller"}]}}`, true},
		{`{"source":[{"equals-ignore-case":"AWS.X"}]}`, true},
		{`{"missing":[{"exists":false}]}`, true},
		{`{"missing":[{"exists":true}]}`, false},
		{`{"source":[{"exists":true}]}`, true},
		{`{"source":[{"anything-but":["aws.y"]}]}`, true},
		{`{"source":[{"anything-but":"aws.x"}]}`, false},
		{`{"source":[{"unknown-filter":"aws.x"}]}`, false},
		{`{"source":[{"prefix":"aws","suffix":"x"}]}`, false},
		{`{"source":["aws.x"],"detail-type":["U"]}`, false},
	}
	ev := mustJSON(t, event)
	for _, tt := range tests {
		if got := Match(mustJSON(t, tt.pattern), ev); got != tt.want {
			t.Errorf("Match(%s) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}
