package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	warden "github.com/secretwarden/warden"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// fakeLive replaces openLive with the bundled sample organization plus one
// account-region that could not be read, and records the flags it got.
func fakeLive(t *testing.T) *liveFlags {
	t.Helper()
	got := &liveFlags{}
	prev := openLive
	t.Cleanup(func() { openLive = prev })
	openLive = func(_ context.Context, f *liveFlags, log *slog.Logger, progress func(done, total int)) (inventory.Inventory, error) {
		*got = *f
		snap, err := snapshot.LoadFS(warden.Sample, sampleOrg, sampleOrg)
		if err != nil {
			return nil, err
		}
		snap.Secrets = append(snap.Secrets, snapshot.SecretEntry{
			AccountID: "999988887777", Region: "us-east-1",
			Secret: snapshot.Secret{ARN: "arn:aws:secretsmanager:us-east-1:999988887777:secret:*", Name: "*"},
			Error:  "AssumeRole arn:aws:iam::999988887777:role/SecretWardenAudit in 999988887777/us-east-1: AccessDenied: not authorized",
		})
		log.Warn("a warning from the inventory", "account", "999988887777")
		progress(1, 1)
		return inventory.NewState(snap), nil
	}
	return got
}

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Execute(context.Background(), IO{In: strings.NewReader(""), Out: &out, Err: &errb}, args)
	return code, out.String(), errb.String()
}

func TestScanLive(t *testing.T) {
	got := fakeLive(t)
	code, out, errs := run("scan", "--accounts", "111122223333,444455556666", "--regions", "us-east-1", "--regions", "eu-west-1",
		"--role-name", "Audit", "--external-id", "ext-1", "--output", "json")
	if code != ExitBadInput {
		t.Errorf("exit %d, want 2 (part of AWS unread); stderr %s", code, errs)
	}
	if strings.Join(got.accounts, ",") != "111122223333,444455556666" || strings.Join(got.regions, ",") != "us-east-1,eu-west-1" || got.roleName != "Audit" || got.externalID != "ext-1" {
		t.Errorf("flags %+v", got)
	}
	var doc struct {
		Findings []struct {
			Status    string `json:"status"`
			SecretARN string `json:"secret_arn"`
			Message   string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output: %v\n%s", err, out)
	}
	var errored, other int
	for _, f := range doc.Findings {
		if strings.HasSuffix(f.SecretARN, ":999988887777:secret:*") {
			if f.Status != "error" || !strings.Contains(f.Message, "AccessDenied") {
				t.Errorf("unread account-region: %+v", f)
			}
			errored++
		} else {
			other++
		}
	}
	if errored == 0 || other == 0 {
		t.Errorf("error findings %d, others %d", errored, other)
	}
	for _, want := range []string{"warden: a warning from the inventory (account=999988887777)", "warden: not evaluated: arn:aws:secretsmanager:us-east-1:999988887777:secret:*: AssumeRole", "1 secret(s) or account-region(s) could not be read"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "\r") {
		t.Error("no progress line when stderr is not a terminal")
	}
}

func TestScanLiveFlagsNeedLive(t *testing.T) {
	fakeLive(t)
	code, _, errs := run("scan", "--snapshot", "x.json", "--regions", "us-east-1")
	if code != ExitBadInput || !strings.Contains(errs, "--regions applies to live AWS only") {
		t.Errorf("exit %d: %s", code, errs)
	}
	code, _, errs = run("scan", "--accounts", "12345")
	if code != ExitBadInput || !strings.Contains(errs, "not a 12-digit account id") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func TestSnapshotCommand(t *testing.T) {
	fakeLive(t)
	code, out, errs := run("snapshot", "--out", "-")
	if code != ExitBadInput || !strings.Contains(errs, "could not be read") {
		t.Errorf("exit %d: %s", code, errs)
	}
	snap, err := snapshot.Decode([]byte(out), "stdout")
	if err != nil {
		t.Fatalf("stdout is not a snapshot: %v", err)
	}
	if snap.SchemaVersion != snapshot.SchemaVersion || len(snap.Secrets) < 2 || snap.TakenAt.IsZero() {
		t.Errorf("snapshot %d secrets, taken %v", len(snap.Secrets), snap.TakenAt)
	}
	if len(snap.Keys) == 0 {
		t.Error("the keys the secrets reference must be in the snapshot")
	}

	path := filepath.Join(t.TempDir(), "org.json")
	code, out, errs = run("snapshot", "--out", path)
	if code != ExitBadInput || out != "" || !strings.Contains(errs, "wrote") {
		t.Errorf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
	if _, err := snapshot.Load(path); err != nil {
		t.Errorf("written snapshot: %v", err)
	}
	// The written snapshot scans offline like any other, and what could
	// not be read live is an error offline too: exit 2, as live.
	code, _, errs = run("scan", "--snapshot", path, "--output", "json")
	if code != ExitBadInput || !strings.Contains(errs, "error finding(s)") {
		t.Errorf("offline scan of the live snapshot: exit %d %s", code, errs)
	}
	if code, _, errs := run("snapshot"); code != ExitBadInput || !strings.Contains(errs, "--out is required") {
		t.Errorf("no --out: exit %d %s", code, errs)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestReplayLive(t *testing.T) {
	fakeLive(t)
	events := filepath.Join("..", "..", "testdata", "events")
	code, out, errs := run("replay", "--output", "json", events)
	if code != ExitBadInput || !strings.Contains(errs, "could not be read") {
		t.Errorf("exit %d: %s", code, errs)
	}
	var doc struct {
		Decisions []json.RawMessage `json:"decisions"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Decisions) == 0 {
		t.Fatalf("decisions: %v\n%s", err, out)
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, tty: true}
	p.regions(1, 4)
	p.evaluated(10)
	if _, err := p.Write([]byte("warden: log\n")); err != nil {
		t.Fatal(err)
	}
	p.clear()
	s := b.String()
	if !strings.Contains(s, "read 1/4 account-regions, 10 secrets evaluated") || !strings.Contains(s, "\r\033[Kwarden: log\n") || !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("progress output %q", s)
	}
	var quiet bytes.Buffer
	q := newProgress(&quiet)
	q.regions(1, 2)
	q.clear()
	if quiet.Len() != 0 {
		t.Errorf("a non-terminal gets no progress: %q", quiet.String())
	}
}
