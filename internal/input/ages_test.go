package input_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

var now = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// epochTime decodes a timestamp as a snapshot holding epoch seconds does.
func epochTime(t *testing.T, s string) time.Time {
	t.Helper()
	var v snapshot.Time
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v.Time
}

func TestAge(t *testing.T) {
	const ns = time.Nanosecond
	for _, tc := range []struct {
		name        string
		t, now      time.Time
		days, hours int64
	}{
		{"same instant", now, now, 0, 0},
		{"exactly 90 days", now.Add(-90 * input.Day), now, 90, 90 * 24},
		{"90 days minus 1ns", now.Add(-90*input.Day + ns), now, 89, 90*24 - 1},
		{"90 days plus 1ns", now.Add(-90*input.Day - ns), now, 90, 90 * 24},
		{"exactly 1 hour", now.Add(-time.Hour), now, 0, 1},
		{"1 hour minus 1ns", now.Add(-time.Hour + ns), now, 0, 0},
		{"1 day minus 1s", now.Add(-input.Day + time.Second), now, 0, 23},
		{"1ns in the future", now.Add(ns), now, -1, -1},
		{"1 hour in the future", now.Add(time.Hour), now, -1, -1},
		{"1 hour plus 1ns in the future", now.Add(time.Hour + ns), now, -1, -2},
		{"exactly 1 day in the future", now.Add(input.Day), now, -1, -24},
		{"5 days in the future", now.Add(5 * input.Day), now, -5, -120},
		{"5 days and 1s in the future", now.Add(5*input.Day + time.Second), now, -6, -121},
		{"fractions on both sides", now.Add(-input.Day + 500*time.Millisecond), now.Add(400 * time.Millisecond), 0, 23},
		{"fractions on both sides, carried", now.Add(-input.Day + 400*time.Millisecond), now.Add(400 * time.Millisecond), 1, 24},
		{"time zones", time.Date(2026, 11, 19, 2, 0, 0, 0, time.FixedZone("", 2*3600)), now, 1, 24},
		{"epoch seconds", epochTime(t, "1763510400"), epochTime(t, "1763596800"), 1, 24},
		{"epoch seconds with a fraction", epochTime(t, "1763510400.5"), epochTime(t, "1763596800.25"), 0, 23},
		{"epoch seconds, future", epochTime(t, "1763596801"), epochTime(t, "1763596800"), -1, -1},
		{"the epoch itself", epochTime(t, "0"), now, 20777, 20777 * 24},
		{"more than 292 years (time.Sub saturates)", time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), now, 155917, 155917 * 24},
	} {
		if got := input.AgeDays(tc.t, tc.now); got != tc.days {
			t.Errorf("%s: AgeDays = %d, want %d", tc.name, got, tc.days)
		}
		if got := input.AgeHours(tc.t, tc.now); got != tc.hours {
			t.Errorf("%s: AgeHours = %d, want %d", tc.name, got, tc.hours)
		}
		if got := input.Age(tc.t, tc.now, input.Day); got != tc.days {
			t.Errorf("%s: Age(Day) = %d, want %d", tc.name, got, tc.days)
		}
	}
}

func TestAgePanicsOnSubSecondUnit(t *testing.T) {
	for _, unit := range []time.Duration{0, -time.Hour, time.Millisecond, 1500 * time.Millisecond} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Age with unit %v: want a panic", unit)
				}
			}()
			input.Age(now, now, unit)
		}()
	}
}

func ts(s string) snapshot.Time {
	t, err := snapshot.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return snapshot.NewTime(t)
}

func TestAgesTerm(t *testing.T) {
	s := &snapshot.Secret{
		ARN:              "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf",
		Name:             "a",
		CreatedDate:      ts("2025-01-15T09:30:00Z"),
		LastChangedDate:  ts("2026-11-18T20:00:00Z"),
		LastAccessedDate: ts("2026-08-01T00:00:00Z"),
		NextRotationDate: ts("2026-11-20T01:00:00Z"),
		ReplicationStatus: []snapshot.ReplicationStatus{
			{Region: "us-west-2", LastAccessedDate: ts("2026-11-18T00:00:00Z")},
			{Region: "eu-west-1"},
		},
	}
	want := `{"days": {"CreatedDate": 673, "LastChangedDate": 1, "LastAccessedDate": 111, "NextRotationDate": -1},
		"hours": {"CreatedDate": 16166, "LastChangedDate": 28, "LastAccessedDate": 2664, "NextRotationDate": -1},
		"replica_access_days": {"us-west-2": 2}}`
	if got := input.AgesTerm(s, now); !got.Equal(ast.MustParseTerm(want)) {
		t.Errorf("AgesTerm:\n got %v\nwant %v", got, want)
	}
	empty := &snapshot.Secret{ARN: s.ARN, Name: "a", ReplicationStatus: []snapshot.ReplicationStatus{{Region: "us-west-2"}}}
	if got := input.AgesTerm(empty, now); !got.Equal(ast.MustParseTerm(`{"days": {}, "hours": {}}`)) {
		t.Errorf("AgesTerm without timestamps: %v", got)
	}
}

func TestVersionStagesTerm(t *testing.T) {
	if got := input.VersionStagesTerm(nil); got != nil {
		t.Errorf("absent VersionIdsToStages: %v, want nil", got)
	}
	if got := input.VersionStagesTerm(map[string][]string{}); !got.Equal(ast.MustParseTerm(`[]`)) {
		t.Errorf("empty VersionIdsToStages: %v", got)
	}
	v := map[string][]string{
		"v3": {"AWSPENDING"},
		"v2": {"AWSPREVIOUS"},
		"v1": {"custom", "AWSCURRENT"},
		"v0": {"AWSPENDING"},
	}
	want := `[["AWSCURRENT", "custom"], ["AWSPENDING"], ["AWSPENDING"], ["AWSPREVIOUS"]]`
	if got := input.VersionStagesTerm(v); !got.Equal(ast.MustParseTerm(want)) {
		t.Errorf("VersionStagesTerm = %v, want %v", got, want)
	}
	if v["v1"][0] != "custom" {
		t.Error("VersionStagesTerm sorted the caller's slice")
	}
	for _, tc := range []struct {
		v    map[string][]string
		want string
	}{
		{map[string][]string{"v1": {"AWSCURRENT"}}, `[["AWSCURRENT"]]`},
		{map[string][]string{"v2": {"AWSPREVIOUS"}, "v3": {"AWSPENDING"}, "v1": {"AWSCURRENT"}}, `[["AWSCURRENT"], ["AWSPENDING"], ["AWSPREVIOUS"]]`},
		{map[string][]string{"v2": {"AWSPREVIOUS"}, "v3": {"AWSPENDING"}}, `[["AWSPENDING"], ["AWSPREVIOUS"]]`},
		{map[string][]string{"a": {"AWSPENDING"}, "b": {"AWSPENDING"}}, `[["AWSPENDING"], ["AWSPENDING"]]`},
		{map[string][]string{"a": {"AWSCURRENT"}, "b": {}}, `[[], ["AWSCURRENT"]]`},
		{map[string][]string{"a": {"AWSCURRENT", "AWSPENDING"}}, `[["AWSCURRENT", "AWSPENDING"]]`},
		{map[string][]string{"a": {"rollback"}, "b": {"AWSCURRENT"}}, `[["AWSCURRENT"], ["rollback"]]`},
	} {
		if got := input.VersionStagesTerm(tc.v); !got.Equal(ast.MustParseTerm(tc.want)) {
			t.Errorf("VersionStagesTerm(%v) = %v, want %s", tc.v, got, tc.want)
		}
	}
}

// TestBuildDerivesAges checks that every input of a known secret carries
// ages and version_stages computed against its own input.now: the builder's
// instant, BuildAt's, and the event time for BuildEvent.
func TestBuildDerivesAges(t *testing.T) {
	doc, err := builtin.Data()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	epoch := epochTime(t, "1760000000.75") // 2025-10-09T08:53:20.75Z, rendered to the second
	snap := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		TakenAt:       snapshot.NewTime(now),
		Organization:  snapshot.Organization{ID: "o-exampleorg", MasterAccountID: "111111111111"},
		Accounts:      []snapshot.Account{{ID: "111122223333"}},
		Secrets: []snapshot.SecretEntry{{
			AccountID: "111122223333",
			Region:    "us-east-1",
			Secret: snapshot.Secret{
				ARN:                "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf",
				Name:               "a",
				CreatedDate:        snapshot.Time{Time: epoch},
				LastRotatedDate:    ts("2026-11-18T23:00:00Z"),
				VersionIdsToStages: map[string][]string{"v2": {"AWSCURRENT"}, "v1": {"AWSPREVIOUS"}},
				ReplicationStatus:  []snapshot.ReplicationStatus{{Region: "us-west-2", LastAccessedDate: ts("2026-11-01T00:00:00Z")}},
			},
		}, {
			AccountID: "111122223333",
			Region:    "us-east-1",
			Secret:    snapshot.Secret{ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:b-AbCdEf", Name: "b"},
		}},
	}
	ctx := context.Background()
	b, err := input.NewBuilder(ctx, inventory.NewState(snap), cfg.Params, now.Add(250*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	get := func(v ast.Value, key string) *ast.Term { return v.(ast.Object).Get(ast.StringTerm(key)) }
	check := func(name string, v ast.Value, wantNow, wantAges string) {
		t.Helper()
		if got := get(v, "now"); !got.Equal(ast.StringTerm(wantNow)) {
			t.Errorf("%s: now = %v, want %s", name, got, wantNow)
		}
		if got := get(v, "ages"); !got.Equal(ast.MustParseTerm(wantAges)) {
			t.Errorf("%s: ages =\n %v\nwant %s", name, got, wantAges)
		}
		if got := get(v, "version_stages"); !got.Equal(ast.MustParseTerm(`[["AWSCURRENT"], ["AWSPREVIOUS"]]`)) {
			t.Errorf("%s: version_stages = %v", name, got)
		}
	}
	e := &snap.Secrets[0]
	v, err := b.Build(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	// CreatedDate 2025-10-09T08:53:20Z: 406 days and 15 hours before now.
	check("Build", v, "2026-11-20T00:00:00Z", `{"days": {"CreatedDate": 406, "LastRotatedDate": 1}, "hours": {"CreatedDate": 9759, "LastRotatedDate": 25}, "replica_access_days": {"us-west-2": 19}}`)

	// Exactly 406 days after CreatedDate as rendered (08:53:20); 0.25s short
	// of it on the full-precision times.
	v, err = b.BuildAt(ctx, e, time.Date(2026, 11, 19, 8, 53, 20, 500000000, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	check("BuildAt", v, "2026-11-19T08:53:20Z", `{"days": {"CreatedDate": 406, "LastRotatedDate": 0}, "hours": {"CreatedDate": 9744, "LastRotatedDate": 9}, "replica_access_days": {"us-west-2": 18}}`)

	ev := &event.Event{ID: "e1", Name: "GetSecretValue", Kind: event.KindAPICall, Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), AccountID: "111122223333", Region: "us-east-1"}
	v, err = b.BuildEvent(ctx, e, ev, input.History{})
	if err != nil {
		t.Fatal(err)
	}
	check("BuildEvent", v, "2026-12-01T00:00:00Z", `{"days": {"CreatedDate": 417, "LastRotatedDate": 12}, "hours": {"CreatedDate": 10023, "LastRotatedDate": 289}, "replica_access_days": {"us-west-2": 30}}`)

	// Without timestamps or versions: empty ages, no version_stages.
	v, err = b.Build(ctx, &snap.Secrets[1])
	if err != nil {
		t.Fatal(err)
	}
	if got := get(v, "ages"); !got.Equal(ast.MustParseTerm(`{"days": {}, "hours": {}}`)) {
		t.Errorf("ages of a secret without timestamps: %v", got)
	}
	if got := get(v, "version_stages"); got != nil {
		t.Errorf("version_stages without VersionIdsToStages: %v", got)
	}

	// An unknown secret: no ages, no version_stages.
	v, err = b.BuildEvent(ctx, nil, ev, input.History{})
	if err != nil {
		t.Fatal(err)
	}
	if get(v, "ages") != nil || get(v, "version_stages") != nil {
		t.Errorf("unknown secret: ages %v, version_stages %v", get(v, "ages"), get(v, "version_stages"))
	}
}
