package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/cli"
)

// verdicts indexes findings: account → secret ARN → policy → finding.
type verdicts map[string]map[string]map[string]scanFinding

// scanVerdicts parses `warden scan --output json`, keeping the fixture's
// secrets and the placeholders of unreadable account-regions.
func scanVerdicts(t *testing.T, stdout string, keep map[string]bool) verdicts {
	t.Helper()
	var out scanOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("scan output is not JSON: %v\n%s", err, stdout)
	}
	v := verdicts{}
	for _, f := range out.Findings {
		if !keep[f.SecretARN] && !strings.HasSuffix(f.SecretARN, ":secret:*") {
			continue
		}
		if v[f.AccountID] == nil {
			v[f.AccountID] = map[string]map[string]scanFinding{}
		}
		if v[f.AccountID][f.SecretARN] == nil {
			v[f.AccountID][f.SecretARN] = map[string]scanFinding{}
		}
		v[f.AccountID][f.SecretARN][f.PolicyID] = f
	}
	return v
}

// sameOrError holds every verdict of got to the clean run's: the same
// status, or error — never a pass (or anything else) where the clean run
// says otherwise. A secret missing from got must be covered by error
// findings on the placeholder of its account-region (the listing failed).
// It returns how many verdicts were error instead of the clean one.
func sameOrError(t *testing.T, what string, clean, got verdicts) int {
	t.Helper()
	errs := 0
	for acct, secrets := range clean {
		for arn, policies := range secrets {
			for pid, c := range policies {
				g, ok := got[acct][arn][pid]
				if !ok {
					ph := "arn:aws:secretsmanager:" + region + ":" + acct + ":secret:*"
					if p, ok := got[acct][ph][pid]; ok && p.Status == "error" {
						errs++
						continue
					}
					t.Errorf("%s: %s %s %s: no verdict and no error placeholder", what, acct, arn, pid)
					continue
				}
				switch {
				case g.Status == c.Status:
				case g.Status == "error":
					errs++
				default:
					t.Errorf("%s: %s %s %s: %s (%s), the clean run says %s", what, acct, c.SecretName, pid, g.Status, g.Message, c.Status)
				}
			}
		}
	}
	return errs
}

// chaosSeed is WARDEN_CHAOS_SEED, or 9.
func chaosSeed(t *testing.T) uint64 {
	if s := os.Getenv("WARDEN_CHAOS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("WARDEN_CHAOS_SEED: %v", err)
		}
		return n
	}
	return 9
}

// newChaos is the fault mix of TestLiveScanUnderFaults.
func newChaos(seed uint64) *chaos {
	transient := map[string]float64{}
	for _, op := range []string{
		"sts:GetCallerIdentity", "sts:AssumeRole",
		"organizations:DescribeOrganization", "organizations:ListAccounts", "organizations:ListParents", "organizations:ListTagsForResource",
		"secretsmanager:ListSecrets", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
		"kms:DescribeKey", "kms:ListAliases",
	} {
		transient[op] = 0.35
	}
	return &chaos{
		seed: seed,
		denied: map[string]float64{
			"sts:AssumeRole":                   0.2,
			"secretsmanager:ListSecrets":       0.15,
			"secretsmanager:DescribeSecret":    0.1,
			"secretsmanager:GetResourcePolicy": 0.3,
			"kms:DescribeKey":                  0.3,
		},
		transient: transient,
		latency:   25 * time.Millisecond,
		slow:      0.25,
	}
}

// TestLiveScanUnderFaults runs the live scan and `warden snapshot` against
// the emulator through the front door's seeded chaos — throttling, 500s,
// 503s, connection resets and latency that the retries must absorb, and
// AccessDenied on chosen roles, listings, secrets, policies and keys — and
// holds them to the clean run: every verdict is the clean one or error,
// never a pass where the clean run fails, and what could not be read makes
// the exit code 2. A scan of the snapshot taken under faults is held to the
// same. An organization whose accounts cannot be listed is an error naming
// the permission, with nothing scanned. WARDEN_CHAOS_SEED picks another
// run.
func TestLiveScanUnderFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	f := seedScanFixture(ctx, t)
	liveEnv(t)
	keep := map[string]bool{}
	for _, arn := range []string{f.dbCMK, f.awsKey, f.public, f.orgOnly, f.external, f.unknown} {
		keep[arn] = true
	}
	seed := chaosSeed(t)

	code, stdout, stderr := runCLI(ctx, "scan", "--output", "json", "--regions", region)
	if code != cli.ExitOK {
		t.Fatalf("clean run: exit %d, want 0: %s", code, stderr)
	}
	clean := scanVerdicts(t, stdout, keep)
	if len(clean) != len(f.org.accounts()) {
		t.Fatalf("clean run covers %d accounts, want %d", len(clean), len(f.org.accounts()))
	}

	ch := newChaos(seed)
	emu.setChaos(ch)
	code, stdout, stderr = runCLI(ctx, "scan", "--output", "json", "--regions", region)
	emu.setChaos(nil)
	hits := ch.counts()
	t.Logf("live scan under faults (seed %d): exit %d, faults %v\n%s", seed, code, hits, stderr)
	errs := sameOrError(t, "live scan", clean, scanVerdicts(t, stdout, keep))
	if errs == 0 {
		t.Errorf("no verdict became error: the AccessDenied faults reached nothing (faults %v)", hits)
	}
	if code != cli.ExitBadInput || !strings.Contains(stderr, "could not be read from AWS") {
		t.Errorf("live scan under faults: exit %d, want 2 naming what could not be read", code)
	}
	for _, kind := range []string{"throttle", "500", "503", "reset", "AccessDenied"} {
		if hits[kind] == 0 {
			t.Errorf("no %s fault was injected (seed %d): %v", kind, seed, hits)
		}
	}

	// warden snapshot under the same faults, then scanned offline.
	path := filepath.Join(t.TempDir(), "org.json")
	ch = newChaos(seed)
	emu.setChaos(ch)
	code, _, stderr = runCLI(ctx, "snapshot", "--out", path, "--regions", region)
	emu.setChaos(nil)
	t.Logf("snapshot under faults: exit %d, faults %v", code, ch.counts())
	if code != cli.ExitBadInput || !strings.Contains(stderr, "could not be read from AWS") {
		t.Errorf("snapshot under faults: exit %d, want 2: %s", code, stderr)
	}
	code, stdout, stderr = runCLI(ctx, "scan", "--output", "json", "--snapshot", path)
	if sameOrError(t, "scan of the snapshot taken under faults", clean, scanVerdicts(t, stdout, keep)) == 0 {
		t.Error("no verdict of the snapshot taken under faults is error")
	}
	if code != cli.ExitBadInput || !strings.Contains(stderr, "error finding(s)") {
		t.Errorf("offline scan of the snapshot taken under faults: exit %d, want 2: %s", code, stderr)
	}

	// ListAccounts denied: never a quiet scan of the caller's account.
	deny := &fault{name: "deny-list-accounts", code: "AccessDeniedException", message: "You don't have permissions to access this resource.",
		match: func(r *request) bool { return r.Service == "organizations" && r.Operation == "ListAccounts" }}
	remove := emu.addFault(deny)
	code, stdout, stderr = runCLI(ctx, "scan", "--output", "json", "--regions", region)
	remove()
	if code != cli.ExitBadInput || stdout != "" || !strings.Contains(stderr, "needs organizations:ListAccounts") {
		t.Errorf("ListAccounts denied: exit %d, stdout %d bytes, stderr %q", code, len(stdout), stderr)
	}
	t.Logf("took %s", time.Since(start).Round(time.Millisecond))
}
