package integration

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sivchari/kumo"
)

// emulator is kumo's in-process server behind a front door on 127.0.0.1.
//
// The front door is a reverse proxy, and it is where the suite watches and
// steers what reaches the emulator:
//
//   - it logs every request (service, operation, region, the account whose
//     credentials signed it), so tests can assert on what was called by code
//     whose SDK clients the suite cannot reach (the CLI loads its own
//     configuration); see requests() and ops();
//   - it learns which account each set of AssumeRole credentials belongs to
//     (kumo's STS names the account in the AssumedRoleUser ARN), so a fault
//     can target "account X" even though kumo keeps one account's data;
//   - it answers Organizations ListParents and ListTagsForResource, which kumo
//     v0.33.1 does not implement, from orgLayout (set by the test), so that a
//     live scan gets OU paths and account tags as it would from AWS;
//   - it lists kumo's own data account (dataAccount, 000000000000: where its
//     Secrets Manager, KMS, STS caller identity, SQS... live) in
//     Organizations ListAccounts, as a member account (the delegated
//     administrator that runs Secret Warden). kumo's Organizations names
//     123456789012 as management account and never lists 000000000000, so
//     without this the secrets kumo holds (their ARNs name 000000000000)
//     would belong to no account of the organization;
//   - it gives kumo's organization id AWS's shape in Organizations answers:
//     kumo makes "o-" and 12 characters with a dash (o-1a2b3c4d-5e6), which
//     the handlers' configuration rightly rejects (o-[a-z0-9]{10,32}), so
//     the dash is dropped (o-1a2b3c4d5e6) wherever the id appears;
//   - it injects faults (faults): throttling, AccessDenied; and seeded
//     chaos (chaos_test.go): throttling, 5xx, connection resets, latency
//     and AccessDenied per API.
//
// Everything else is kumo's answer, unchanged.
type emulator struct {
	srv   *kumo.Server
	front *http.Server
	// URL is the front door, http://127.0.0.1:PORT. kumo's EventBridge
	// delivers to SQS at http://localhost:PORT.
	URL string

	mu      sync.Mutex
	log     []request
	keys    map[string]string // access key id → account (from AssumeRole)
	faults  []*fault
	chaos   *chaos
	layout  orgLayout
	stubbed map[string]int // Organizations operations answered by the stub
}

// request is one request that reached the front door.
type request struct {
	Service   string // from the SigV4 scope: secretsmanager, kms, sts, ...
	Operation string // X-Amz-Target suffix or Action=
	Region    string
	AccessKey string
	Account   string // the account of AccessKey when learned from AssumeRole, else ""
	Params    map[string]any
	Status    int
	Time      time.Time
}

// orgLayout is what the Organizations stub answers: each account's parent
// (an OU id or the root id), each OU's parent, and each account's tags.
type orgLayout struct {
	Parents map[string]string            // child (account or OU id) → parent id
	Tags    map[string]map[string]string // account id → tags
}

// fault answers a matching request instead of kumo.
type fault struct {
	name string
	// match decides; remaining counts down when positive (0 = unlimited).
	match     func(r *request) bool
	remaining int
	status    int
	code      string
	message   string
	hits      int
}

// startEmulator starts kumo and the front door on ln.
func startEmulator(ln net.Listener) (*emulator, error) {
	srv := kumo.NewServer()
	target, err := url.Parse(srv.URL)
	if err != nil {
		srv.Close()
		return nil, err
	}
	if h, _, _ := net.SplitHostPort(target.Host); h != "127.0.0.1" {
		srv.Close()
		return nil, fmt.Errorf("kumo listens on %s, not on 127.0.0.1", target.Host)
	}
	e := &emulator{srv: srv, URL: "http://" + ln.Addr().String(), keys: map[string]string{baseAccessKey: dataAccount}, stubbed: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if err := e.learnAssumedRole(resp); err != nil {
			return err
		}
		if err := listDataAccount(resp); err != nil {
			return err
		}
		return shapeOrganizationID(resp)
	}
	e.front = &http.Server{Handler: e.handler(proxy), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.front.Serve(ln) }()
	return e, nil
}

func (e *emulator) close() {
	_ = e.front.Close()
	e.srv.Close()
}

var scopeRE = regexp.MustCompile(`Credential=([A-Za-z0-9]+)/[0-9]{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request`)

// describe reads what a request is, restoring its body.
func describe(r *http.Request) (*request, []byte) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	req := &request{Time: time.Now()}
	if m := scopeRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		req.AccessKey, req.Region, req.Service = m[1], m[2], m[3]
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		req.Operation = t[strings.LastIndex(t, ".")+1:]
		var p map[string]any
		if json.Unmarshal(body, &p) == nil {
			req.Params = p
		}
	} else if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
		req.Operation = form.Get("Action")
		req.Params = map[string]any{}
		for k := range form {
			req.Params[k] = form.Get(k)
		}
	} else if r.Method == http.MethodGet {
		req.Operation = "GET " + r.URL.Path
	}
	return req, body
}

func (e *emulator) handler(proxy http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := describe(r)
		e.mu.Lock()
		req.Account = e.keys[req.AccessKey]
		f := e.faultFor(req)
		stub := req.Service == "organizations" && (req.Operation == "ListParents" || req.Operation == "ListTagsForResource")
		layout := e.layout
		ch := e.chaos
		e.mu.Unlock()
		if f == nil && ch != nil {
			act := ch.decide(req)
			if act.delay > 0 {
				time.Sleep(act.delay)
			}
			switch {
			case act.reset:
				req.Status = -1
				e.mu.Lock()
				e.log = append(e.log, *req)
				e.mu.Unlock()
				resetConnection(w)
				return
			case act.fault != nil:
				f = act.fault
			}
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		switch {
		case f != nil:
			writeFault(rec, req, f)
		case stub:
			e.answerOrganizations(rec, req, layout)
		default:
			proxy.ServeHTTP(rec, r)
		}
		req.Status = rec.status
		e.mu.Lock()
		e.log = append(e.log, *req)
		e.mu.Unlock()
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// faultFor returns the first fault matching req and counts it (mu held).
func (e *emulator) faultFor(req *request) *fault {
	for _, f := range e.faults {
		if f.match(req) && f.remaining >= 0 {
			f.hits++
			if f.remaining > 0 {
				f.remaining--
				if f.remaining == 0 {
					f.remaining = -1 // used up
				}
			}
			return f
		}
	}
	return nil
}

// writeFault answers with an AWS error in the protocol of the request.
func writeFault(w http.ResponseWriter, req *request, f *fault) {
	if req.Service == "sts" || req.Service == "sns" {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fault-%s</RequestId></ErrorResponse>`,
			f.code, xmlEscape(f.message), f.name)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(f.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": f.code, "message": f.message})
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// answerOrganizations is the stub for the two Organizations calls kumo lacks.
func (e *emulator) answerOrganizations(w http.ResponseWriter, req *request, layout orgLayout) {
	e.mu.Lock()
	e.stubbed[req.Operation]++
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	var out any
	switch req.Operation {
	case "ListParents":
		child, _ := req.Params["ChildId"].(string)
		parent, ok := layout.Parents[child]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": "ChildNotFoundException", "message": "no parent known for " + child})
			return
		}
		typ := "ORGANIZATIONAL_UNIT"
		if strings.HasPrefix(parent, "r-") {
			typ = "ROOT"
		}
		out = map[string]any{"Parents": []any{map[string]string{"Id": parent, "Type": typ}}}
	case "ListTagsForResource":
		id, _ := req.Params["ResourceId"].(string)
		keys := make([]string, 0, len(layout.Tags[id]))
		for k := range layout.Tags[id] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		tags := []any{}
		for _, k := range keys {
			tags = append(tags, map[string]string{"Key": k, "Value": layout.Tags[id][k]})
		}
		out = map[string]any{"Tags": tags}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// assumeRoleXML is the part of kumo's AssumeRole answer the door reads.
type assumeRoleXML struct {
	Result struct {
		Credentials struct {
			AccessKeyID string `xml:"AccessKeyId"`
		} `xml:"Credentials"`
		User struct {
			Arn string `xml:"Arn"`
		} `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
}

// learnAssumedRole maps the access key of AssumeRole credentials to the
// account of the role (arn:aws:sts::ACCOUNT:assumed-role/...).
func (e *emulator) learnAssumedRole(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if !bytes.Contains(body, []byte("AssumeRoleResult")) {
		return nil
	}
	var x assumeRoleXML
	if xml.Unmarshal(body, &x) == nil && x.Result.Credentials.AccessKeyID != "" {
		parts := strings.Split(x.Result.User.Arn, ":")
		if len(parts) > 4 {
			e.mu.Lock()
			e.keys[x.Result.Credentials.AccessKeyID] = parts[4]
			e.mu.Unlock()
		}
	}
	return nil
}

// dataAccount is the account kumo keeps its data in (its STS caller
// identity, the account of every ARN it builds).
const dataAccount = "000000000000"

// dataAccountName is the name the front door gives it in ListAccounts.
const dataAccountName = "security-tooling"

// listDataAccount adds dataAccount to an Organizations ListAccounts answer.
func listDataAccount(resp *http.Response) error {
	req := resp.Request
	if resp.StatusCode != http.StatusOK || req == nil || !strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".ListAccounts") ||
		!strings.HasPrefix(req.Header.Get("X-Amz-Target"), "AWSOrganizations") {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("ListAccounts answer: %w", err)
	}
	accounts, _ := out["Accounts"].([]any)
	out["Accounts"] = append(accounts, map[string]any{
		"Id": dataAccount, "Name": dataAccountName, "Email": dataAccountName + "@example.com",
		"Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": "INVITED",
	})
	body, _ = json.Marshal(out)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	return nil
}

// kumoOrgID matches kumo's organization ids (uuid[:12] after "o-").
var kumoOrgID = regexp.MustCompile(`o-([0-9a-f]{8})-([0-9a-f]{3})`)

// shapeOrganizationID drops the dash of kumo's organization id in an
// Organizations answer.
func shapeOrganizationID(resp *http.Response) error {
	if resp.Request == nil || !strings.HasPrefix(resp.Request.Header.Get("X-Amz-Target"), "AWSOrganizations") {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	body = kumoOrgID.ReplaceAll(body, []byte("o-${1}${2}"))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	return nil
}

// setLayout sets what the Organizations stub answers.
func (e *emulator) setLayout(l orgLayout) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.layout = l
}

// addFault installs a fault until the returned function removes it.
func (e *emulator) addFault(f *fault) (remove func()) {
	if f.status == 0 {
		f.status = http.StatusBadRequest
	}
	e.mu.Lock()
	e.faults = append(e.faults, f)
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		for i, g := range e.faults {
			if g == f {
				e.faults = append(e.faults[:i], e.faults[i+1:]...)
				return
			}
		}
	}
}

// faultHits is how often f answered.
func (e *emulator) faultHits(f *fault) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return f.hits
}

// mark is a position in the request log.
func (e *emulator) mark() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.log)
}

// requests returns the requests logged since mark.
func (e *emulator) requests(since int) []request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]request(nil), e.log[since:]...)
}

// ops counts "service:Operation" since mark.
func (e *emulator) ops(since int) map[string]int {
	out := map[string]int{}
	for _, r := range e.requests(since) {
		out[r.Service+":"+r.Operation]++
	}
	return out
}

// layoutCopy is the current Organizations layout.
func (e *emulator) layoutCopy() orgLayout {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.layout
}
