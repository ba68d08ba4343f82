package integration

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
)

// Fixed test credentials of the "management" identity. kumo does not check
// signatures; the front door reads the access key to tell identities apart.
const (
	baseAccessKey = "AKIAWARDENINTEGRATION"
	baseSecretKey = "integration-secret-key"
	region        = "us-east-1"
)

// opRecorder is an SDK middleware that records the operation name of every
// call made by every client built from a config it is installed on (the
// product's clients included: awsinv copies the config it is given, and so
// do the handlers' wiring when handed one).
type opRecorder struct {
	mu  sync.Mutex
	ops map[string]int // "ServiceID:Operation"
}

func newOpRecorder() *opRecorder { return &opRecorder{ops: map[string]int{}} }

// install adds the recorder to cfg's API options.
func (r *opRecorder) install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("WardenIntegrationOpRecorder",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				r.mu.Lock()
				r.ops[awsmiddleware.GetServiceID(ctx)+":"+awsmiddleware.GetOperationName(ctx)]++
				r.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func (r *opRecorder) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.ops))
	for k, v := range r.ops {
		out[k] = v
	}
	return out
}

// captured is one request the product sent, as the SDK saw it (operation
// and typed input), before it left the process.
type captured struct {
	Service, Operation string
	Input              any
}

// inputCapture records the typed inputs of the calls made through a config,
// for the APIs kumo does not implement (RotateSecret, TagResource, Security
// Hub, ...): the suite asserts on the request the product sends.
type inputCapture struct {
	mu    sync.Mutex
	calls []captured
}

func (c *inputCapture) install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("WardenIntegrationInputCapture",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.mu.Lock()
				c.calls = append(c.calls, captured{Service: awsmiddleware.GetServiceID(ctx), Operation: awsmiddleware.GetOperationName(ctx), Input: in.Parameters})
				c.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func (c *inputCapture) find(service, op string) []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []any
	for _, x := range c.calls {
		if x.Service == service && x.Operation == op {
			out = append(out, x.Input)
		}
	}
	return out
}

// sdkConfig is a configuration for the emulator: static credentials, the
// front door as the endpoint of every service, the suite-wide operation
// recorder installed.
func (e *emulator) sdkConfig() aws.Config {
	cfg := aws.Config{
		Region:       region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(baseAccessKey, baseSecretKey, "")),
		BaseEndpoint: aws.String(e.URL),
	}
	suiteOps.install(&cfg)
	return cfg
}

// fakeOps answers the listed operations in-process, without sending them:
// kumo v0.33.1 lacks them (RotateSecret, TagResource, Security Hub). Each
// answer is the test's; what the suite asserts is the request the product
// built (see inputCapture, installed before). Keys are "ServiceID:Operation"
// (e.g. "Secrets Manager:RotateSecret", "SecurityHub:BatchImportFindings").
type fakeOps map[string]func(in any) (any, error)

func (f fakeOps) install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("WardenIntegrationFakeOps",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if answer, ok := f[awsmiddleware.GetServiceID(ctx)+":"+awsmiddleware.GetOperationName(ctx)]; ok {
					out, err := answer(in.Parameters)
					return middleware.InitializeOutput{Result: out}, middleware.Metadata{}, err
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

// patchOutput changes the decoded answer of one operation after kumo gave
// it, for state kumo cannot hold (e.g. RotationEnabled: kumo has no
// RotateSecret, so no secret of it ever has rotation configured).
func patchOutput(cfg *aws.Config, key string, patch func(out any)) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("WardenIntegrationPatch"+key,
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if err == nil && awsmiddleware.GetServiceID(ctx)+":"+awsmiddleware.GetOperationName(ctx) == key {
					patch(out.Result)
				}
				return out, md, err
			}), middleware.After)
	})
}
