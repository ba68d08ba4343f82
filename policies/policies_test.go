package policies_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/policies"
)

// policyFile is one .rego file of policies.FS.
type policyFile struct {
	path   string
	src    []byte
	module *ast.Module
}

func (f policyFile) isTest() bool { return strings.HasSuffix(f.path, "_test.rego") }

// dir is "posture", "events" or "lib".
func (f policyFile) dir() string { return path.Dir(f.path) }

// kind names the policy kinds and the test name prefixes each requires.
var kinds = map[string]struct {
	required []string // at least one test with each prefix
	allowed  []string // every test name starts with one of these
	rule     string   // the rule the engine reads
}{
	"posture": {
		required: []string{"test_deny_", "test_allow_"},
		allowed:  []string{"test_deny_", "test_allow_", "test_skip_"},
		rule:     "deny",
	},
	"events": {
		required: []string{"test_respond_", "test_ignore_"},
		allowed:  []string{"test_respond_", "test_ignore_"},
		rule:     "respond",
	},
}

func loadPolicies(t testing.TB) []policyFile {
	t.Helper()
	var files []policyFile
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			return err
		}
		files = append(files, policyFile{path: p, src: src, module: m})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .rego file in policies.FS")
	}
	return files
}

func modulesOf(files []policyFile, withTests bool) map[string]*ast.Module {
	mods := map[string]*ast.Module{}
	for _, f := range files {
		if withTests || !f.isTest() {
			mods[f.path] = f.module
		}
	}
	return mods
}

func readJSON(t *testing.T, name string) any {
	t.Helper()
	b, err := fs.ReadFile(policies.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func dataDoc(t *testing.T) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(policies.FS, "data.json")
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatalf("data.json: %v", err)
	}
	return data
}

func defaults(t *testing.T) map[string]any {
	t.Helper()
	d, ok := dataDoc(t)["warden"].(map[string]any)["params"].(map[string]any)["defaults"].(map[string]any)
	if !ok {
		t.Fatal("data.json: no warden.params.defaults object")
	}
	return d
}

// compileSchema compiles one of the embedded schemas (loc may carry a fragment).
func compileSchema(t *testing.T, loc string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, name := range []string{"input.schema.json", "metadata.schema.json"} {
		if err := c.AddResource(name, readJSON(t, name)); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile(loc)
	if err != nil {
		t.Fatalf("compile %s: %v", loc, err)
	}
	return sch
}

// validate validates a Go value (anything encoding/json can marshal) against sch.
func validate(sch *jsonschema.Schema, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// TestEmbedCoversTree fails when a file on disk is missing from policies.FS
// (the engine would not see it).
func TestEmbedCoversTree(t *testing.T) {
	embedded := map[string]bool{}
	for _, f := range loadPolicies(t) {
		embedded[f.path] = true
	}
	for _, dir := range []string{"posture", "events", "lib"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			p := path.Join(dir, e.Name())
			if strings.HasSuffix(p, ".rego") && !embedded[p] {
				t.Errorf("%s is not embedded in policies.FS", p)
			}
		}
	}
	for _, name := range []string{"data.json", "input.schema.json", "metadata.schema.json"} {
		if _, err := fs.Stat(policies.FS, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestFormatted fails when a file is not `opa fmt` clean.
func TestFormatted(t *testing.T) {
	for _, f := range loadPolicies(t) {
		got, err := format.SourceWithOpts(f.path, f.src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: %v", f.path, err)
			continue
		}
		if !bytes.Equal(got, f.src) {
			t.Errorf("%s is not formatted: run opa fmt -w policies", f.path)
		}
	}
}

// TestStrictCompile compiles the policies as the engine loads them (tests
// left out) and everything together, in strict mode.
func TestStrictCompile(t *testing.T) {
	files := loadPolicies(t)
	for _, withTests := range []bool{false, true} {
		c := ast.NewCompiler().WithStrict(true).WithDefaultRegoVersion(ast.RegoV1)
		if c.Compile(modulesOf(files, withTests)); c.Failed() {
			t.Errorf("strict compile (tests included: %v): %v", withTests, c.Errors)
		}
	}
}

// inputRecorder is a query tracer that records every input document a test
// evaluates against (the value of each `with input as …`).
type inputRecorder struct {
	mu     sync.Mutex
	seen   map[*ast.Term]bool
	inputs map[string]string // input JSON -> where it was first used
}

func (r *inputRecorder) Enabled() bool               { return true }
func (r *inputRecorder) Config() topdown.TraceConfig { return topdown.TraceConfig{} }

func (r *inputRecorder) TraceEvent(evt topdown.Event) {
	in := evt.Input()
	if in == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[in] {
		return
	}
	r.seen[in] = true
	key := in.String()
	if _, ok := r.inputs[key]; !ok {
		where := "?"
		if evt.Location != nil {
			where = evt.Location.String()
		}
		r.inputs[key] = where
	}
}

// TestRego runs every Rego test, requires tests of each kind for every check
// and rule, and validates every input a test used against input.schema.json.
func TestRego(t *testing.T) {
	ctx := context.Background()
	files := loadPolicies(t)

	store := inmem.NewFromObject(dataDoc(t))
	txn := storage.NewTransactionOrDie(ctx, store)
	defer store.Abort(ctx, txn)

	rec := &inputRecorder{seen: map[*ast.Term]bool{}, inputs: map[string]string{}}
	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithStrict(true).WithDefaultRegoVersion(ast.RegoV1)).
		SetStore(store).
		SetModules(modulesOf(files, true)).
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		SetTimeout(time.Minute).
		SetCoverageQueryTracer(rec)
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		t.Fatal(err)
	}

	passed := 0
	testsOf := map[string][]string{} // package path -> test names
	for r := range ch {
		switch {
		case r.Error != nil:
			t.Errorf("%s.%s (%s): error: %v", r.Package, r.Name, r.Location, r.Error)
		case r.Fail:
			t.Errorf("%s.%s (%s): FAIL at %v", r.Package, r.Name, r.Location, r.FailedAt)
		case r.Skip:
			t.Errorf("%s.%s (%s): skipped; remove the todo_ prefix or the test", r.Package, r.Name, r.Location)
		default:
			passed++
		}
		pkg := strings.TrimSuffix(r.Package, "_test")
		testsOf[pkg] = append(testsOf[pkg], r.Name)
	}
	t.Logf("%d Rego tests passed", passed)

	for _, f := range files {
		kind, ok := kinds[f.dir()]
		if !ok || f.isTest() {
			continue
		}
		pkg := f.module.Package.Path.String()
		names := testsOf[pkg]
		for _, prefix := range kind.required {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, prefix) }) {
				t.Errorf("%s (%s) has no %s… test", pkg, f.path, prefix)
			}
		}
		for _, n := range names {
			if !slices.ContainsFunc(kind.allowed, func(p string) bool { return strings.HasPrefix(n, p) }) {
				t.Errorf("%s: test %s should start with one of %v", pkg, n, kind.allowed)
			}
		}
		testFile := strings.TrimSuffix(f.path, ".rego") + "_test.rego"
		if _, err := fs.Stat(policies.FS, testFile); err != nil {
			t.Errorf("%s has no tests beside it (%s)", f.path, testFile)
		}
	}

	sch := compileSchema(t, "input.schema.json")
	if len(rec.inputs) == 0 {
		t.Fatal("no test input was recorded")
	}
	keys := make([]string, 0, len(rec.inputs))
	for k := range rec.inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	derived := 0
	for _, k := range keys {
		term, err := ast.ParseTerm(k)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ast.JSON(term.Value)
		if err != nil {
			t.Errorf("input used at %s is not JSON: %v", rec.inputs[k], err)
			continue
		}
		if err := validate(sch, v); err != nil {
			t.Errorf("input used at %s does not match input.schema.json: %v\ninput: %s", rec.inputs[k], err, k)
		}
		if obj, ok := term.Value.(ast.Object); ok && obj.Get(ast.StringTerm("ages")) != nil {
			derived++
			for _, msg := range checkDerived(obj) {
				t.Errorf("input used at %s: %s", rec.inputs[k], msg)
			}
		}
	}
	t.Logf("%d distinct test inputs validated against input.schema.json, %d with ages checked against internal/input", len(keys), derived)
	if derived == 0 {
		t.Error("no test input carries ages")
	}
}

// checkDerived compares an input's ages and version_stages with what the
// engine (internal/input) derives from its secret and now, and returns the
// differences. A test input must agree with the engine, or the policies would
// be tested on ages the engine never produces.
func checkDerived(doc ast.Object) []string {
	sec, ok := doc.Get(ast.StringTerm("secret")).Value.(ast.Object)
	if !ok {
		var out []string
		for _, k := range []string{"ages", "version_stages"} {
			if doc.Get(ast.StringTerm(k)) != nil {
				out = append(out, k+" is set but secret is not an object")
			}
		}
		return out
	}
	raw, err := ast.JSON(sec)
	if err != nil {
		return []string{err.Error()}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return []string{err.Error()}
	}
	var s snapshot.Secret
	if err := json.Unmarshal(b, &s); err != nil {
		return []string{fmt.Sprintf("secret does not decode as a snapshot secret: %v", err)}
	}
	nowStr, _ := doc.Get(ast.StringTerm("now")).Value.(ast.String)
	now, err := time.Parse(time.RFC3339Nano, string(nowStr))
	if err != nil {
		return []string{fmt.Sprintf("now: %v", err)}
	}
	var out []string
	for _, c := range []struct {
		key  string
		want *ast.Term
	}{
		{"ages", input.AgesTerm(&s, now)},
		{"version_stages", input.VersionStagesTerm(s.VersionIdsToStages)},
	} {
		got := doc.Get(ast.StringTerm(c.key))
		switch {
		case got == nil && c.want == nil:
		case got == nil:
			if c.key != "ages" { // a test may leave ages out on purpose
				out = append(out, fmt.Sprintf("%s absent, the engine derives %v", c.key, c.want))
			}
		case c.want == nil:
			out = append(out, fmt.Sprintf("%s is %v, the engine derives none", c.key, got))
		case ast.Compare(got.Value, c.want.Value) != 0:
			out = append(out, fmt.Sprintf("%s is %v, the engine derives %v", c.key, got, c.want))
		}
	}
	return out
}

// TestFixtureDerivationMatchesEngine compares the fixtures' Rego derivation of
// ages and version_stages (lib.fixtures.derived) with internal/input's on
// inputs at the edges of the rounding: fractions of a second, time-zone
// offsets, future dates, replicas, custom stages.
func TestFixtureDerivationMatchesEngine(t *testing.T) {
	files := loadPolicies(t)
	opts := []func(*rego.Rego){
		rego.Query("data.lib.fixtures.derivation_samples"),
		rego.SetRegoVersion(ast.RegoV1),
		rego.Store(inmem.NewFromObject(dataDoc(t))),
		rego.StrictBuiltinErrors(true),
	}
	for _, m := range modulesOf(files, true) {
		opts = append(opts, rego.ParsedModule(m))
	}
	rs, err := rego.New(opts...).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("eval: %v %v", rs, err)
	}
	samples, err := ast.InterfaceToValue(rs[0].Expressions[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	arr, ok := samples.(*ast.Array)
	if !ok || arr.Len() < 4 {
		t.Fatalf("derivation_samples: want a list of at least 4 inputs, got %v", samples)
	}
	for i := range arr.Len() {
		doc := arr.Elem(i).Value.(ast.Object)
		if doc.Get(ast.StringTerm("ages")) == nil {
			t.Errorf("sample %d has no ages", i)
		}
		for _, msg := range checkDerived(doc) {
			t.Errorf("sample %d: %s", i, msg)
		}
	}
	// The checks would not see a difference if both sides were empty.
	ages := arr.Elem(2).Value.(ast.Object).Get(ast.StringTerm("ages"))
	if want := ast.MustParseTerm(`{
		"days": {"CreatedDate": 90, "LastRotatedDate": 90, "LastChangedDate": 0, "LastAccessedDate": 1, "NextRotationDate": -1, "DeletedDate": -6},
		"hours": {"CreatedDate": 2160, "LastRotatedDate": 2183, "LastChangedDate": 23, "LastAccessedDate": 24, "NextRotationDate": -1, "DeletedDate": -121},
		"replica_access_days": {"us-west-2": 100}}`); ast.Compare(ages.Value, want.Value) != 0 {
		t.Errorf("sample 2 ages: %v, want %v", ages, want)
	}
}

// forbiddenBuiltins are calls a policy must not make: they are slow, look
// outside the input, or make decisions depend on the wall clock.
var forbiddenBuiltins = map[string]string{
	"walk":                  "walks whole documents",
	"rego.metadata.chain":   "reads annotations at eval time",
	"rego.metadata.rule":    "reads annotations at eval time",
	"time.now_ns":           "use input.now, or input.ages",
	"http.send":             "policies are pure",
	"net.lookup_ip_addr":    "policies are pure",
	"opa.runtime":           "policies are pure",
	"rand.intn":             "policies are deterministic",
	"uuid.rfc4122":          "policies are deterministic",
	"print":                 "no print in policies",
	"trace":                 "no trace in policies",
	"regex.globs_match":     "slow",
	"json.match_schema":     "slow",
	"json.verify_schema":    "slow",
	"graph.reachable":       "slow",
	"graph.reachable_paths": "slow",
}

// TestPoliciesArePureAndCheap rejects forbidden built-ins, time.* built-ins
// outside event rules (posture checks read input.ages) and regex patterns
// that are not constants (compiled per evaluation) in non-test modules.
func TestPoliciesArePureAndCheap(t *testing.T) {
	for _, f := range loadPolicies(t) {
		if f.isTest() {
			continue
		}
		check := func(op ast.Ref, args []*ast.Term, loc *ast.Location) {
			name := op.String()
			if why, bad := forbiddenBuiltins[name]; bad {
				t.Errorf("%s: %s: %s (%s)", f.path, loc, name, why)
			}
			if strings.HasPrefix(name, "time.") && f.dir() != "events" {
				t.Errorf("%s: %s: %s: posture checks and lib read input.ages (whole days and hours) instead of parsing times, so that rule outcomes are shared across secrets", f.path, loc, name)
			}
			if strings.HasPrefix(name, "regex.") && len(args) > 0 && !args[0].IsGround() {
				t.Errorf("%s: %s: %s with a pattern computed at eval time", f.path, loc, name)
			}
		}
		ast.WalkExprs(f.module, func(e *ast.Expr) bool {
			if e.IsCall() {
				terms := e.Terms.([]*ast.Term)
				check(e.Operator(), terms[1:], e.Location)
			}
			return false
		})
		ast.WalkTerms(f.module, func(x *ast.Term) bool {
			if c, ok := x.Value.(ast.Call); ok {
				if op, ok := c[0].Value.(ast.Ref); ok {
					check(op, c[1:], x.Location)
				}
			}
			return false
		})
	}
}

var kebab = regexp.MustCompile(`_`)

// TestMetadata validates every check's and rule's METADATA: title,
// description, the custom block against metadata.schema.json, an id matching
// the package, unique ids, parameters that exist in data.json and cover every
// input.params reference of the module, and the rules the engine reads.
func TestMetadata(t *testing.T) {
	files := loadPolicies(t)
	sch := compileSchema(t, "metadata.schema.json")
	defs := defaults(t)
	ids := map[string]string{}
	declared := map[string]bool{}
	checks := 0

	for _, f := range files {
		kind, ok := kinds[f.dir()]
		if f.isTest() {
			continue
		}
		var pkgAnn *ast.Annotations
		for _, a := range f.module.Annotations {
			if a.Scope == "package" {
				pkgAnn = a
			}
		}
		if pkgAnn == nil {
			t.Errorf("%s: no package METADATA block", f.path)
			continue
		}
		if pkgAnn.Title == "" || pkgAnn.Description == "" {
			t.Errorf("%s: METADATA needs a title and a description", f.path)
		}
		if !ok {
			continue // lib: documentation only
		}
		checks++
		if err := validate(sch, pkgAnn.Custom); err != nil {
			t.Errorf("%s: METADATA custom does not match metadata.schema.json: %v", f.path, err)
			continue
		}
		id, _ := pkgAnn.Custom["id"].(string)
		last := f.module.Package.Path[len(f.module.Package.Path)-1].Value.(ast.String)
		if want := kebab.ReplaceAllString(string(last), "-"); id != want {
			t.Errorf("%s: id %q, want %q (the package name with - for _)", f.path, id, want)
		}
		if other, dup := ids[id]; dup {
			t.Errorf("%s: id %q already used by %s", f.path, id, other)
		}
		ids[id] = f.path

		params := map[string]bool{}
		for _, p := range pkgAnn.Custom["parameters"].([]any) {
			name := p.(string)
			params[name] = true
			declared[name] = true
			if _, ok := defs[name]; !ok {
				t.Errorf("%s: parameter %q has no default in data.json", f.path, name)
			}
		}
		ast.WalkRefs(f.module, func(r ast.Ref) bool {
			if len(r) >= 3 && r[0].Equal(ast.InputRootDocument) && r[1].Equal(ast.StringTerm("params")) {
				if s, ok := r[2].Value.(ast.String); ok && !params[string(s)] {
					t.Errorf("%s: reads input.params.%s but does not declare it in METADATA parameters", f.path, s)
				}
			}
			return false
		})

		hasRule := false
		for _, rule := range f.module.Rules {
			if rule.Head.Ref().String() == kind.rule {
				hasRule = true
			}
		}
		if !hasRule {
			t.Errorf("%s: defines no %q rule", f.path, kind.rule)
		}
	}
	if checks == 0 {
		t.Fatal("no check or rule found")
	}
	for name := range defs {
		if !declared[name] {
			t.Errorf("data.json parameter %q is declared by no check or rule", name)
		}
	}
}

// inputReads walks the rules of package pkg (a "data.…" path) and every rule
// and function they reach through data refs, transitively, and returns each
// read of the input reduced to its leading string keys: input.secret.Tags[i]
// reads secret.Tags, input.secret[k] reads secret, a bare input reads all of
// it (nil). c must be compiled: refs are then fully qualified.
func inputReads(c *ast.Compiler, pkg ast.Ref) map[string][]string {
	reads := map[string][]string{} // "secret.Tags" -> where
	seen := map[*ast.Rule]bool{}
	queue := append([]*ast.Rule(nil), c.GetRules(pkg)...)
	for _, r := range queue {
		seen[r] = true
	}
	for len(queue) > 0 {
		rule := queue[0]
		queue = queue[1:]
		ast.WalkRefs(rule, func(ref ast.Ref) bool {
			switch {
			case ref[0].Equal(ast.InputRootDocument):
				var keys []string
				for _, t := range ref[1:] {
					s, ok := t.Value.(ast.String)
					if !ok {
						break
					}
					keys = append(keys, string(s))
				}
				loc := rule.Location
				if ref[0].Location != nil {
					loc = ref[0].Location
				}
				where := fmt.Sprintf("%s:%d", loc.File, loc.Row)
				k := strings.Join(keys, ".")
				reads[k] = append(reads[k], where)
			case ref[0].Equal(ast.DefaultRootDocument):
				for _, r := range c.GetRules(ref.GroundPrefix()) {
					if !seen[r] {
						seen[r] = true
						queue = append(queue, r)
					}
				}
			}
			return false
		})
	}
	return reads
}

// uncovered lists the reads that no declared path covers (a path covers
// itself and everything under it).
func uncovered(reads map[string][]string, declared []string) []string {
	var out []string
	for read, where := range reads {
		ok := false
		for _, d := range declared {
			if read == d || strings.HasPrefix(read, d+".") {
				ok = true
				break
			}
		}
		if !ok {
			name := "input"
			if read != "" {
				name += "." + read
			}
			out = append(out, fmt.Sprintf("%s (at %s)", name, where[0]))
		}
	}
	sort.Strings(out)
	return out
}

// TestInputsCoverEveryRead checks every posture check's METADATA custom.inputs
// against what its rules, and every lib rule or function they reach, read of
// the input: the engine caches a check's outcome per distinct value of those
// paths, so a read outside them would serve a stale verdict. Every built-in
// check must declare its inputs.
func TestInputsCoverEveryRead(t *testing.T) {
	files := loadPolicies(t)
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(modulesOf(files, false)); c.Failed() {
		t.Fatal(c.Errors)
	}
	checked := 0
	for _, f := range files {
		if f.dir() != "posture" || f.isTest() {
			continue
		}
		var declared []string
		found := false
		for _, a := range f.module.Annotations {
			if a.Scope != "package" {
				continue
			}
			raw, ok := a.Custom["inputs"].([]any)
			found = ok
			for _, v := range raw {
				declared = append(declared, v.(string))
			}
		}
		if !found {
			t.Errorf("%s: METADATA custom.inputs missing (every built-in check declares the input paths it reads)", f.path)
			continue
		}
		reads := inputReads(c, f.module.Package.Path)
		if len(reads) == 0 {
			t.Errorf("%s: no input read found: the walk is broken", f.path)
		}
		for _, u := range uncovered(reads, declared) {
			t.Errorf("%s: reads %s, not covered by METADATA custom.inputs %v", f.path, u, declared)
		}
		for _, d := range declared {
			used := false
			for read := range reads {
				if read == d || strings.HasPrefix(read, d+".") || strings.HasPrefix(d, read+".") {
					used = true
				}
			}
			if !used {
				t.Errorf("%s: declares input %s but never reads it (a needless path only lowers cache hits)", f.path, d)
			}
		}
		checked++
	}
	if checked != 9 {
		t.Errorf("checked %d posture checks, want 9", checked)
	}
}

// TestInputsWalkFindsIndirectReads makes sure the walk behind
// TestInputsCoverEveryRead sees reads in functions and rules of other packages,
// through dynamic refs and whole-input uses.
func TestInputsWalkFindsIndirectReads(t *testing.T) {
	mods := map[string]*ast.Module{}
	for name, src := range map[string]string{
		"check.rego": `package posture.x

import data.lib

deny contains "a" if lib.h.f(input.secret.Tags[0])

deny contains "b" if lib.h.r

deny contains "c" if data.lib[_].q

skip contains "d" if object.get(input, "region", "") == ""
`,
		"lib.rego": `package lib.h

f(x) if x == input.params.p

r if g(1)

g(n) if input.secret.ARN == n
`,
		"other.rego": `package other

unused if input.nobody
`,
		"lib2.rego": `package lib.k

q if input.account[x]
`,
	} {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		mods[name] = m
	}
	c := ast.NewCompiler()
	if c.Compile(mods); c.Failed() {
		t.Fatal(c.Errors)
	}
	reads := inputReads(c, ast.MustParseRef("data.posture.x"))
	var got []string
	for k := range reads {
		got = append(got, k)
	}
	sort.Strings(got)
	want := []string{"", "account", "params.p", "secret.ARN", "secret.Tags"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("reads %q, want %q", got, want)
	}
	if u := uncovered(reads, []string{"secret", "params", "account"}); len(u) != 1 || !strings.HasPrefix(u[0], "input (at check.rego:") {
		t.Errorf("uncovered %v, want the whole-input read only", u)
	}
	if u := uncovered(reads, []string{"secret.Tags", "secret.ARN", "params.p", "account", "region"}); len(u) != 1 {
		t.Errorf("uncovered %v, want the whole-input read", u)
	}
}

// TestDataDefaults validates data.json: defaults against the input schema's
// params, overrides and exceptions present, and the parameter table of
// docs/contracts.md naming exactly the defaults.
func TestDataDefaults(t *testing.T) {
	defs := defaults(t)
	if err := validate(compileSchema(t, "input.schema.json#/$defs/params"), defs); err != nil {
		t.Errorf("data.json defaults do not match input.schema.json params: %v", err)
	}
	warden := dataDoc(t)["warden"].(map[string]any)
	if _, ok := warden["params"].(map[string]any)["overrides"].([]any); !ok {
		t.Error("data.json: warden.params.overrides must be a list")
	}
	if _, ok := warden["exceptions"].([]any); !ok {
		t.Error("data.json: warden.exceptions must be a list")
	}

	doc, err := os.Open("../docs/contracts.md")
	if err != nil {
		t.Skipf("contracts.md not found: %v", err)
	}
	defer doc.Close()
	documented := map[string]bool{}
	inTable := false
	row := regexp.MustCompile("^\\| ([a-z_]+) \\|")
	for sc := bufio.NewScanner(doc); sc.Scan(); {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			inTable = strings.HasPrefix(line, "## Parameters")
		}
		if m := row.FindStringSubmatch(line); inTable && m != nil && m[1] != "name" {
			documented[m[1]] = true
		}
	}
	for name := range defs {
		if !documented[name] {
			t.Errorf("parameter %q of data.json is not in the docs/contracts.md parameter table", name)
		}
	}
	for name := range documented {
		if _, ok := defs[name]; !ok {
			t.Errorf("parameter %q of docs/contracts.md has no default in data.json", name)
		}
	}
}

// TestOPALoadsDirectory loads the directory as `opa test policies` and
// `opa eval -d policies` do: every JSON file lands in data, so two files whose
// top-level keys clash (e.g. two input fixtures side by side in testdata/)
// would break those commands.
func TestOPALoadsDirectory(t *testing.T) {
	if _, err := loader.NewFileLoader().WithRegoVersion(ast.RegoV1).All([]string{"."}); err != nil {
		t.Fatalf("opa cannot load the policies directory: %v", err)
	}
}

// TestTestdataInputs validates the example inputs of testdata/ (used by
// `warden eval --input`) against input.schema.json.
func TestTestdataInputs(t *testing.T) {
	sch := compileSchema(t, "input.schema.json")
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(path.Join("testdata", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Errorf("testdata/%s: %v", e.Name(), err)
			continue
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("testdata/%s does not match input.schema.json: %v", e.Name(), err)
		}
		n++
	}
	if n == 0 {
		t.Error("no example input in testdata/")
	}
}

// TestSchemasCompile makes sure both schemas compile and reject obvious typos.
func TestSchemasCompile(t *testing.T) {
	in := compileSchema(t, "input.schema.json")
	if err := validate(in, map[string]any{"schema_version": "v1", "secrets": []any{}}); err == nil {
		t.Error("input.schema.json accepts an unknown top-level key")
	}
	md := compileSchema(t, "metadata.schema.json")
	if err := validate(md, map[string]any{"id": "x", "severity": "severe", "controls": []any{}, "remediation": "do something", "parameters": []any{}}); err == nil {
		t.Error("metadata.schema.json accepts an unknown severity")
	}
}

// typicalInput is the common case of a sweep: a compliant secret without
// resource policy or replicas.
const typicalInput = `{
  "schema_version": "v1", "now": "2026-11-20T00:00:00Z", "region": "us-east-1",
  "secret": {
    "ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf", "Name": "payments/db",
    "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234", "RotationEnabled": true,
    "RotationLambdaARN": "arn:aws:lambda:us-east-1:111122223333:function:rotate",
    "RotationRules": {"AutomaticallyAfterDays": 30},
    "LastRotatedDate": "2026-11-01T00:00:00Z", "LastChangedDate": "2026-11-01T00:00:05Z",
    "LastAccessedDate": "2026-11-19T00:00:00Z", "NextRotationDate": "2026-12-01T00:00:00Z",
    "CreatedDate": "2025-01-15T09:30:00Z",
    "Tags": [{"Key": "owner", "Value": "payments"}, {"Key": "env", "Value": "prod"}],
    "VersionIdsToStages": {"v2": ["AWSCURRENT"], "v1": ["AWSPREVIOUS"]}
  },
  "ages": {
    "days": {"CreatedDate": 673, "LastChangedDate": 18, "LastAccessedDate": 1, "LastRotatedDate": 19, "NextRotationDate": -11},
    "hours": {"CreatedDate": 16166, "LastChangedDate": 455, "LastAccessedDate": 24, "LastRotatedDate": 456, "NextRotationDate": -264}
  },
  "version_stages": [["AWSCURRENT"], ["AWSPREVIOUS"]],
  "resource_policy": null,
  "kms_key": {"Arn": "arn:aws:kms:us-east-1:111122223333:key/1234", "KeyId": "1234", "KeyManager": "CUSTOMER",
              "KeyState": "Enabled", "AliasNames": ["alias/payments"]},
  "account": {"Id": "111122223333", "Name": "payments-prod", "OuPath": "r-root/ou-prod"},
  "organization": {"id": "o-exampleorg", "management_account_id": "111111111111",
                   "account_ids": ["111111111111", "111122223333", "222233334444"]},
  "params": {"max_rotation_days": 90, "rotation_overdue_grace_hours": 24, "max_days_since_rotation": 90,
             "unused_for_days": 90, "kms_key_allowlist": [], "trusted_account_ids": [],
             "required_replica_regions": [], "required_tag_keys": ["owner"], "access_denied_burst": 5}
}`

// benchInput is a rich input: a replicated secret with a resource policy,
// failing several checks (messages are the expensive path).
const benchInput = `{
  "schema_version": "v1", "now": "2026-11-20T00:00:00Z", "region": "us-east-1",
  "secret": {
    "ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf", "Name": "payments/db",
    "KmsKeyId": "alias/payments", "RotationEnabled": true,
    "RotationLambdaARN": "arn:aws:lambda:us-east-1:111122223333:function:rotate",
    "RotationRules": {"AutomaticallyAfterDays": 30, "ScheduleExpression": "cron(0 4 1,15 * ? *)"},
    "LastRotatedDate": "2026-11-01T00:00:00Z", "LastChangedDate": "2026-11-01T00:00:05Z",
    "LastAccessedDate": "2026-11-19T00:00:00Z", "NextRotationDate": "2026-11-15T00:00:00Z",
    "CreatedDate": "2025-01-15T09:30:00Z", "PrimaryRegion": "us-east-1",
    "Tags": [{"Key": "owner", "Value": "payments"}, {"Key": "env", "Value": "prod"}],
    "VersionIdsToStages": {"v2": ["AWSCURRENT"], "v1": ["AWSPREVIOUS"], "v3": ["AWSPENDING"]},
    "ReplicationStatus": [{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-11-10T00:00:00Z"},
                          {"Region": "eu-west-1", "Status": "Failed", "StatusMessage": "exists"}]
  },
  "ages": {
    "days": {"CreatedDate": 673, "LastChangedDate": 18, "LastAccessedDate": 1, "LastRotatedDate": 19, "NextRotationDate": 5},
    "hours": {"CreatedDate": 16166, "LastChangedDate": 455, "LastAccessedDate": 24, "LastRotatedDate": 456, "NextRotationDate": 120},
    "replica_access_days": {"us-west-2": 10}
  },
  "version_stages": [["AWSCURRENT"], ["AWSPENDING"], ["AWSPREVIOUS"]],
  "resource_policy": {"Version": "2012-10-17", "Statement": [
    {"Sid": "App", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::222233334444:role/app", "111122223333"]},
     "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
    {"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
     "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}}},
    {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "secretsmanager:DescribeSecret", "Resource": "*"},
    {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:DeleteSecret", "Resource": "*"}
  ]},
  "kms_key": {"Arn": "arn:aws:kms:us-east-1:111122223333:key/1234", "KeyId": "1234", "KeyManager": "CUSTOMER",
              "KeyState": "Enabled", "AliasNames": ["alias/payments"]},
  "replica_kms_keys": {"us-west-2": {"KeyManager": "AWS", "AliasName": "alias/aws/secretsmanager"},
                       "eu-west-1": {"Arn": "arn:aws:kms:eu-west-1:111122223333:key/9", "KeyId": "9", "KeyManager": "CUSTOMER"}},
  "account": {"Id": "111122223333", "Name": "payments-prod", "OuPath": "r-root/ou-prod"},
  "organization": {"id": "o-exampleorg", "management_account_id": "111111111111",
                   "account_ids": ["111111111111", "111122223333", "222233334444"]},
  "params": {"max_rotation_days": 90, "rotation_overdue_grace_hours": 24, "max_days_since_rotation": 90,
             "unused_for_days": 90, "kms_key_allowlist": ["alias/payments"], "trusted_account_ids": [],
             "required_replica_regions": ["us-west-2", "eu-west-1"], "required_tag_keys": ["owner", "env"],
             "access_denied_burst": 5}
}`

// postureQuery is the engine's per-secret query (internal/policy): the deny
// and skip sets of every check, bound to d<i> and s<i>.
func postureQuery(files []policyFile) (string, []string) {
	var parts, pkgs []string
	for _, f := range files {
		if f.dir() != "posture" || f.isTest() {
			continue
		}
		pkg := f.module.Package.Path.String()
		i := len(pkgs)
		pkgs = append(pkgs, strings.TrimPrefix(pkg, "data.posture."))
		parts = append(parts, fmt.Sprintf("d%d := %s.deny; s%d := %s.skip", i, pkg, i, pkg))
	}
	return strings.Join(parts, "; "), pkgs
}

// preparePosture prepares the posture query over the non-test modules, as the
// engine does, and parses doc as the input.
func preparePosture(tb testing.TB, doc string) (rego.PreparedEvalQuery, []string, ast.Value) {
	tb.Helper()
	files := loadPolicies(tb)
	q, pkgs := postureQuery(files)
	opts := []func(*rego.Rego){rego.Query(q), rego.SetRegoVersion(ast.RegoV1)}
	for _, m := range modulesOf(files, false) {
		opts = append(opts, rego.ParsedModule(m))
	}
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	input, err := ast.ParseTerm(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return pq, pkgs, input.Value
}

// TestPostureEvaluation evaluates every check at once, as the engine does, on
// the benchmark inputs, checks the outcome and logs the time per secret.
func TestPostureEvaluation(t *testing.T) {
	sch := compileSchema(t, "input.schema.json")
	for _, tc := range []struct {
		name  string
		doc   string
		deny  map[string]int
		skips int
	}{
		{"typical", typicalInput, map[string]int{}, 1},
		{"rich", benchInput, map[string]int{
			"rotation_succeeding": 2, "kms_customer_managed": 2, "no_external_access": 1, "replication_present": 1,
		}, 0},
	} {
		pq, pkgs, input := preparePosture(t, tc.doc)
		if len(pkgs) != 9 {
			t.Errorf("%d posture checks, want 9", len(pkgs))
		}
		if err := validate(sch, mustJSON(t, input)); err != nil {
			t.Fatalf("%s input does not match input.schema.json: %v", tc.name, err)
		}
		for _, msg := range checkDerived(input.(ast.Object)) {
			t.Errorf("%s input: %s", tc.name, msg)
		}
		ctx := context.Background()
		rs, err := pq.Eval(ctx, rego.EvalParsedInput(input))
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: eval: %v %v", tc.name, rs, err)
		}
		skips := 0
		for i, pkg := range pkgs {
			deny, _ := rs[0].Bindings[fmt.Sprintf("d%d", i)].([]any)
			skip, _ := rs[0].Bindings[fmt.Sprintf("s%d", i)].([]any)
			if len(skip) > 0 {
				skips++
			}
			if len(deny) != tc.deny[pkg] {
				t.Errorf("%s: %s: %d deny messages %v, want %d", tc.name, pkg, len(deny), deny, tc.deny[pkg])
			}
		}
		if skips != tc.skips {
			t.Errorf("%s: %d checks skipped, want %d", tc.name, skips, tc.skips)
		}

		const n = 500
		start := time.Now()
		for range n {
			if _, err := pq.Eval(ctx, rego.EvalParsedInput(input)); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s secret: all posture checks in %v (budget 50µs; go test -bench Posture for allocations)", tc.name, time.Since(start)/n)
	}
}

func mustJSON(t *testing.T, v ast.Value) any {
	t.Helper()
	x, err := ast.JSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// BenchmarkPosture measures one evaluation of every posture check for one
// secret with the engine's query (the 50µs budget), for a typical and a rich
// input. BenchmarkPosture/trivial is the floor: the same query shape over nine
// packages that do nothing.
func BenchmarkPosture(b *testing.B) {
	for _, tc := range []struct{ name, doc string }{{"typical", typicalInput}, {"rich", benchInput}} {
		pq, _, input := preparePosture(b, tc.doc)
		b.Run(tc.name, func(b *testing.B) { benchEval(b, pq, input) })
	}
	var parts []string
	opts := []func(*rego.Rego){rego.SetRegoVersion(ast.RegoV1)}
	for i := range 9 {
		opts = append(opts, rego.Module(fmt.Sprintf("p%d.rego", i), fmt.Sprintf(
			"package posture.p%d\n\nskip contains input.secret.DeletedDate\n\ndeny contains input.secret.Nothing\n", i)))
		parts = append(parts, fmt.Sprintf("d%d := data.posture.p%d.deny; s%d := data.posture.p%d.skip", i, i, i, i))
	}
	pq, err := rego.New(append(opts, rego.Query(strings.Join(parts, "; ")))...).PrepareForEval(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	input, err := ast.ParseTerm(typicalInput)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("trivial", func(b *testing.B) { benchEval(b, pq, input.Value) })
}

func benchEval(b *testing.B, pq rego.PreparedEvalQuery, input ast.Value) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pq.Eval(ctx, rego.EvalParsedInput(input)); err != nil {
			b.Fatal(err)
		}
	}
}
