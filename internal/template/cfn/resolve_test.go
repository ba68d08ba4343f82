package cfn

import (
	"strings"
	"testing"
)

const resolveTemplate = `
Parameters:
  Env: {Type: String, Default: prod}
  NoDefault: {Type: String}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /team/key}
  Subnets: {Type: CommaDelimitedList, Default: "a, b ,c"}
  Days: {Type: Number, Default: 30}
Mappings:
  M:
    prod: {Alias: alias/prod, Days: 30}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Unknown: !Equals [!Ref NoDefault, x]
  AndFalse: !And [!Condition IsDev, !Condition Unknown]
  OrTrue: !Or [!Condition Unknown, !Condition IsProd]
  AndUnknown: !And [!Condition IsProd, !Condition Unknown]
  Loop: !Condition Loop
Resources:
  Key: {Type: AWS::KMS::Key}
  Role: {Type: AWS::IAM::Role}
  Bucket: {Type: AWS::S3::Bucket}
`

func resolver(t *testing.T, env Env) *Resolver {
	t.Helper()
	tm, err := Parse("r.yaml", []byte(resolveTemplate))
	if err != nil {
		t.Fatal(err)
	}
	return NewResolver(tm, env)
}

func value(t *testing.T, expr string) *Node {
	t.Helper()
	n, err := ParseDocument("expr.yaml", []byte("v: "+expr+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return n.Get("v")
}

func TestResolve(t *testing.T) {
	env := Env{Account: "111122223333", Region: "eu-west-1", Values: map[string]Given{}}
	cases := []struct {
		expr    string
		want    string // render of the value
		assumed string // names of the assumptions
	}{
		{"plain", "plain", ""},
		{"!Ref Env", "prod", "Env"},
		{"!Ref Days", "30", "Days"},
		{"!Ref Subnets", "[a, b, c]", "Subnets"},
		{"!Ref AWS::Region", "eu-west-1", ""},
		{"!Ref AWS::AccountId", "111122223333", ""},
		{"!Ref AWS::Partition", "aws", ""},
		{"!Ref Key", "{Ref: Key}", ""},
		{"!GetAtt Key.Arn", "{Fn::GetAtt: [Key, Arn]}", ""},
		{`!Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"`, "arn:aws:iam::111122223333:root", ""},
		{`!Sub ["${A}-${Env}-${!Literal}", {A: x}]`, "x-prod-${Literal}", "Env"},
		{`!Sub "${Role.Arn}"`, "arn:aws:iam::111122223333:role/Role", ""},
		{"!Join [/, [alias, !Ref Env]]", "alias/prod", "Env"},
		{"!Select [1, !Split [',', 'a,b,c']]", "b", ""},
		{"!Select [2, !Ref Subnets]", "c", "Subnets"},
		{"!FindInMap [M, !Ref Env, Alias]", "alias/prod", "Env"},
		{"!FindInMap [M, dev, Alias, {DefaultValue: alias/default}]", "alias/default", ""},
		{"!If [IsProd, yes, no]", "yes", "Env"},
		{"!If [IsDev, yes, !Ref AWS::NoValue]", "", "Env"},
		{"!If [AndFalse, yes, no]", "no", "Env"},
		{"!If [OrTrue, yes, no]", "yes", "Env"},
		{"!Base64 abc", "YWJj", ""},
		{"!Length [a, b]", "2", ""},
		{"{Fn::ToJsonString: {a: [1, !Ref Env]}}", `{"a":[1,"prod"]}`, "Env"},
		{"[a, !Ref AWS::NoValue, b]", "[a, b]", ""},
		{"{k: !Ref AWS::NoValue, j: 1}", "{j: 1}", ""},
	}
	for _, c := range cases {
		r := resolver(t, env)
		res := r.Resolve(value(t, c.expr))
		if res.Err != nil {
			t.Errorf("%s: unresolved: %v", c.expr, res.Err)
			continue
		}
		got := render(res.Value)
		if res.Absent {
			got = ""
		}
		if got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
		var names []string
		for _, a := range res.Assumed {
			names = append(names, a.Name)
		}
		if strings.Join(names, ",") != c.assumed {
			t.Errorf("%s: assumed %v, want %q", c.expr, names, c.assumed)
		}
	}
}

func TestUnresolved(t *testing.T) {
	cases := []struct {
		env  Env
		expr string
		want string // the Unresolved's text
	}{
		{Env{}, "!ImportValue shared-key", "{Fn::ImportValue: shared-key} (an export of another stack, known only at deploy)"},
		{Env{}, "!Ref NoDefault", "{Ref: NoDefault} (parameter NoDefault has no default; give --parameter NoDefault=VALUE)"},
		{Env{}, "!Ref FromSsm", "{Ref: FromSsm} (parameter FromSsm is read from SSM parameter /team/key at deploy; give --parameter FromSsm=VALUE)"},
		{Env{}, "!Ref Nope", "{Ref: Nope} (Nope is neither a parameter nor a resource of the template)"},
		{Env{}, "!GetAtt Nope.Arn", "{Fn::GetAtt: [Nope, Arn]} (Nope is not a resource of the template)"},
		{Env{}, "!If [Unknown, a, b]", "{Fn::If: [Unknown, a, b]} (condition Unknown: {Ref: NoDefault} (parameter NoDefault has no default; give --parameter NoDefault=VALUE))"},
		{Env{}, "!If [Undefined, a, b]", "{Fn::If: [Undefined, a, b]} (condition Undefined is not defined)"},
		{Env{}, "!If [AndUnknown, a, b]", "{Fn::If: [AndUnknown, a, b]} (condition AndUnknown: {Ref: NoDefault} (parameter NoDefault has no default; give --parameter NoDefault=VALUE))"},
		{Env{}, "!If [Loop, a, b]", "{Fn::If: [Loop, a, b]} (condition Loop: {Condition: Loop} (condition Loop refers to itself))"},
		{Env{}, "!Ref AWS::AccountId", "{Ref: AWS::AccountId} (the account is not known: give --account)"},
		{Env{}, `!Sub "${AWS::Region}-x"`, `{Fn::Sub: "${AWS::Region}-x"} (${AWS::Region}: the region is not known: give --region)`},
		{Env{}, `!Sub "${Role.Arn}"`, `{Fn::Sub: "${Role.Arn}"} (${Role.Arn}: the ARN of Role (AWS::IAM::Role) names the deploying account: give --account)`},
		{Env{Account: "1"}, "!Join ['', [!GetAtt Bucket.Arn, /x]]", "{Fn::GetAtt: [Bucket, Arn]} (known only once Bucket (AWS::S3::Bucket) is created)"},
		{Env{}, "!GetAZs ''", `{Fn::GetAZs: ""} (the availability zones are known only at deploy)`},
		{Env{}, "'{{resolve:ssm:/a/b}}'", `"{{resolve:ssm:/a/b}}" (a dynamic reference, read at deploy)`},
		{Env{}, "!Select [5, [a]]", "{Fn::Select: [5, [a]]} (Fn::Select: index 5 out of range)"},
		{Env{}, "!FindInMap [M, dev, Alias]", "{Fn::FindInMap: [M, dev, Alias]} (mapping M has no dev.Alias)"},
		{Env{}, "{Fn::Nope: 1}", "{Fn::Nope: 1} (unknown function Fn::Nope)"},
		{Env{Values: map[string]Given{"NoDefault": {Err: &Unresolved{Expr: &Node{Kind: KindString, Text: "x"}, Why: "from the parent"}}}},
			"!Ref NoDefault", "{Ref: NoDefault} (parameter NoDefault: x (from the parent))"},
	}
	for _, c := range cases {
		r := resolver(t, c.env)
		res := r.Resolve(value(t, c.expr))
		if res.Err == nil {
			t.Errorf("%s: resolved to %s, want unresolved", c.expr, render(res.Value))
			continue
		}
		if got := res.Err.Error(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.expr, got, c.want)
		}
	}
}

func TestGivenValuesWin(t *testing.T) {
	r := resolver(t, Env{Values: map[string]Given{"Env": {Value: "dev"}, "NoDefault": {Value: "x"}}})
	for expr, want := range map[string]string{"!Ref Env": "dev", "!If [IsDev, d, p]": "d", "!If [Unknown, y, n]": "y"} {
		res := r.Resolve(value(t, expr))
		if res.Err != nil || render(res.Value) != want || len(res.Assumed) != 0 {
			t.Errorf("%s: %v %v %v; want %s with no assumption", expr, render(res.Value), res.Err, res.Assumed, want)
		}
	}
}

func TestPartitionAssumed(t *testing.T) {
	r := resolver(t, Env{})
	res := r.Resolve(value(t, "!Ref AWS::Partition"))
	if render(res.Value) != "aws" || len(res.Assumed) != 1 || res.Assumed[0].String() != "AWS::Partition = aws" {
		t.Errorf("partition without a region: %v %v", res.Value, res.Assumed)
	}
	r = resolver(t, Env{Region: "cn-north-1"})
	if res := r.Resolve(value(t, "!Ref AWS::Partition")); render(res.Value) != "aws-cn" || len(res.Assumed) != 0 {
		t.Errorf("partition of cn-north-1: %v %v", res.Value, res.Assumed)
	}
}

func TestCondition(t *testing.T) {
	r := resolver(t, Env{})
	if ok, as, u := r.Condition("IsProd"); !ok || u != nil || len(as) != 1 {
		t.Errorf("IsProd: %v %v %v", ok, as, u)
	}
	if _, _, u := r.Condition("Unknown"); u == nil {
		t.Error("Unknown resolved")
	}
}
