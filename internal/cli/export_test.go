package cli_test

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The SARIF the CLI writes for the sample organization validates against
// the SARIF 2.1.0 schema (testdata/schemas), and its results are the
// failing, erroring and exempt findings of the JSON output, each located in
// the snapshot file and line the secret is read from.
func TestScanSARIFValidatesAgainstTheSchema(t *testing.T) {
	f, err := os.Open(path("testdata/schemas/sarif-2.1.0/sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const id = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, "", sampleArgs("scan", "--output", "sarif")...)
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(r.out))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Fatalf("warden scan --output sarif is not valid SARIF 2.1.0: %v", err)
	}

	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
					LogicalLocations []struct{ FullyQualifiedName string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.out), &log); err != nil {
		t.Fatal(err)
	}
	js := run(t, "", sampleArgs("scan", "--output", "json")...)
	var scan struct {
		Summary struct {
			ByStatus map[string]int `json:"by_status"`
		}
	}
	if err := json.Unmarshal([]byte(js.out), &scan); err != nil {
		t.Fatal(err)
	}
	want := scan.Summary.ByStatus["fail"] + scan.Summary.ByStatus["error"] + scan.Summary.ByStatus["exempt"]
	run0 := log.Runs[0]
	if len(run0.Results) != want || want == 0 {
		t.Fatalf("%d results, want %d (fail + error + exempt)", len(run0.Results), want)
	}
	if len(run0.Tool.Driver.Rules) < 9 {
		t.Errorf("%d rules: want one per posture check", len(run0.Tool.Driver.Rules))
	}
	// Each result points at the snapshot file that holds the secret, at the
	// line its entry starts.
	files := map[string][]string{}
	for _, res := range run0.Results {
		loc := res.Locations[0]
		uri, line := loc.PhysicalLocation.ArtifactLocation.URI, loc.PhysicalLocation.Region.StartLine
		if !strings.HasPrefix(uri, path("testdata/org/")) && !strings.HasPrefix(uri, "../../testdata/org/") || line < 1 {
			t.Errorf("%s: location %s:%d", res.RuleID, uri, line)
			continue
		}
		if files[uri] == nil {
			b, err := os.ReadFile(uri)
			if err != nil {
				t.Fatal(err)
			}
			files[uri] = strings.Split(string(b), "\n")
		}
		lines := files[uri]
		// The entry starting at that line names the secret within a few lines.
		arn := loc.LogicalLocations[0].FullyQualifiedName
		window := strings.Join(lines[line-1:min(len(lines), line+40)], "\n")
		if !strings.Contains(window, arn) {
			t.Errorf("%s: %s:%d does not start the entry of %s", res.RuleID, uri, line, arn)
		}
	}
}

// ASFF and OCSF come out of the same scan: one ASFF finding and one OCSF
// event per finding, in the secret's own account.
func TestScanASFFAndOCSF(t *testing.T) {
	js := run(t, "", sampleArgs("scan", "--output", "json")...)
	var scan struct {
		Findings []struct {
			AccountID string `json:"account_id"`
		}
	}
	if err := json.Unmarshal([]byte(js.out), &scan); err != nil {
		t.Fatal(err)
	}
	a := run(t, "", sampleArgs("scan", "--output", "asff")...)
	if a.code != 0 || a.errOut != "" {
		t.Fatalf("asff: exit %d %s", a.code, a.errOut)
	}
	var req struct {
		Findings []struct{ AwsAccountId, ProductArn string }
	}
	if err := json.Unmarshal([]byte(a.out), &req); err != nil {
		t.Fatal(err)
	}
	if len(req.Findings) != len(scan.Findings) {
		t.Fatalf("asff: %d findings, want %d", len(req.Findings), len(scan.Findings))
	}
	for i, f := range req.Findings {
		if f.AwsAccountId != scan.Findings[i].AccountID || !strings.Contains(f.ProductArn, ":"+f.AwsAccountId+":product/"+f.AwsAccountId+"/default") {
			t.Errorf("asff finding %d: account %s product %s, want the secret's account %s", i, f.AwsAccountId, f.ProductArn, scan.Findings[i].AccountID)
		}
	}
	o := run(t, "", sampleArgs("scan", "--output", "ocsf")...)
	if o.code != 0 || o.errOut != "" {
		t.Fatalf("ocsf: exit %d %s", o.code, o.errOut)
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(o.out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct {
			ClassUID float64 `json:"class_uid"`
			Cloud    struct{ Account struct{ UID string } }
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.ClassUID != 2003 || ev.Cloud.Account.UID != scan.Findings[n].AccountID {
			t.Fatalf("ocsf line %d: %v %+v", n+1, err, ev)
		}
		n++
	}
	if n != len(scan.Findings) {
		t.Errorf("ocsf: %d events, want %d", n, len(scan.Findings))
	}
}
