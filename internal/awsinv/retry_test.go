package awsinv

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/secretwarden/warden/internal/snapshot"
)

// smServer is a Secrets Manager endpoint on 127.0.0.1 that throttles the
// first throttle[op] calls of each operation, then answers.
type smServer struct {
	throttle map[string]int
	mu       sync.Mutex
	calls    map[string]int
}

func (s *smServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
	var in map[string]any
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &in)
	s.mu.Lock()
	s.calls[op]++
	n := s.calls[op]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if n <= s.throttle[op] {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		return
	}
	arn := secretARN(mgmt, east, "db")
	switch op {
	case "ListSecrets":
		if in["IncludePlannedDeletion"] != true {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"InvalidParameterException","message":"test wants IncludePlannedDeletion"}`)
			return
		}
		_, _ = io.WriteString(w, `{"SecretList":[{"ARN":"`+arn+`","Name":"db","CreatedDate":1767225600}]}`)
	case "DescribeSecret":
		_, _ = io.WriteString(w, `{"ARN":"`+arn+`","Name":"db","CreatedDate":1767225600,"RotationEnabled":true,"ReplicationStatus":[{"Region":"us-west-2","Status":"InSync"}]}`)
	case "GetResourcePolicy":
		_, _ = io.WriteString(w, `{"ARN":"`+arn+`","Name":"db","ResourcePolicy":"{\"Version\":\"2012-10-17\"}"}`)
	default:
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"InvalidRequestException","message":"unexpected `+op+`"}`)
	}
}

// sdkRegions uses real SDK clients for the account-regions and the fake
// Organizations.
type sdkRegions struct {
	*SDKFactory
	org *fakeOrg
}

func (s sdkRegions) Org() *OrgClients { return s.org.clients() }

func runAgainst(t *testing.T, srv *smServer, maxAttempts int) []snapshot.SecretEntry {
	t.Helper()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	cfg := baseConfig()
	cfg.BaseEndpoint = aws.String(ts.URL)
	fast := retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
	f := newSDKFactory(cfg, func() aws.Retryer { return newRetryer(maxAttempts, fast) })
	org := sampleOrg()
	org.accounts = org.accounts[1:2] // the management account only: base credentials
	inv := newTestInventory(t, sdkRegions{f, org}, Options{Regions: []string{east}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	entries, err := collect(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestThrottlingIsRetriedByTheSDK(t *testing.T) {
	t.Parallel()
	// The adaptive retryer slows the client down after a throttle (its
	// token bucket refills at the measured rate), so keep the count small.
	srv := &smServer{throttle: map[string]int{"ListSecrets": 1, "GetResourcePolicy": 1}, calls: map[string]int{}}
	entries := runAgainst(t, srv, 5)
	if len(entries) != 1 {
		t.Fatalf("entries %+v", entries)
	}
	e := entries[0]
	if e.Error != "" {
		t.Fatalf("throttling reached the entry: %s", e.Error)
	}
	if e.Secret.Name != "db" || !e.Secret.RotationEnabled || len(e.Secret.ReplicationStatus) != 1 || e.ResourcePolicy == nil {
		t.Errorf("entry %+v", e)
	}
	for op, want := range map[string]int{"ListSecrets": 2, "DescribeSecret": 1, "GetResourcePolicy": 2} {
		if srv.calls[op] != want {
			t.Errorf("%s attempts %d, want %d (throttled ones + 1)", op, srv.calls[op], want)
		}
	}
}

func TestThrottlingBeyondRetriesIsReported(t *testing.T) {
	t.Parallel()
	srv := &smServer{throttle: map[string]int{"ListSecrets": 100}, calls: map[string]int{}}
	entries := runAgainst(t, srv, 3)
	if len(entries) != 1 {
		t.Fatalf("entries %+v", entries)
	}
	want := "ListSecrets in 111111111111/us-east-1: ThrottlingException: Rate exceeded (gave up after 3 attempts)"
	if entries[0].Error != want || entries[0].Secret.ARN != "arn:aws:secretsmanager:us-east-1:111111111111:secret:*" {
		t.Errorf("got %q for %s\nwant %q", entries[0].Error, entries[0].Secret.ARN, want)
	}
	if srv.calls["ListSecrets"] != 3 {
		t.Errorf("attempts %d, want 3", srv.calls["ListSecrets"])
	}
}
