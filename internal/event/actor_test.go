package event

import "testing"

func TestActorTypes(t *testing.T) {
	tests := []struct {
		name        string
		identity    string
		fromConsole any
		want        Actor
	}{
		{
			name:     "IAM user",
			identity: `{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/ops/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"alice"}`,
			want: Actor{Type: "IAMUser", ARN: "arn:aws:iam::111122223333:user/ops/alice", PrincipalARN: "arn:aws:iam::111122223333:user/ops/alice",
				AccountID: "111122223333", PrincipalID: "AIDAEXAMPLE", UserName: "alice", AccessKeyID: "AKIAEXAMPLE"},
		},
		{
			name: "assumed role with issuer, instance profile",
			identity: `{"type":"AssumedRole","principalId":"AROAEXAMPLE:i-0abc","arn":"arn:aws:sts::111122223333:assumed-role/app/i-0abc","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",
			"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/svc/app","accountId":"111122223333","userName":"app"},
			"attributes":{"creationDate":"2024-01-01T00:00:00Z","mfaAuthenticated":false},"ec2RoleDelivery":"2.0"},
			"inScopeOf":{"sourceArn":"arn:aws:ec2:us-east-1:111122223333:instance/i-0abc","issuerType":"AWS::EC2::Instance"}}`,
			want: Actor{Type: "AssumedRole", ARN: "arn:aws:sts::111122223333:assumed-role/app/i-0abc", PrincipalARN: "arn:aws:iam::111122223333:role/svc/app",
				AccountID: "111122223333", PrincipalID: "AROAEXAMPLE:i-0abc", UserName: "app", AccessKeyID: "ASIAEXAMPLE"},
		},
		{
			name:     "assumed role without issuer",
			identity: `{"type":"AssumedRole","arn":"arn:aws-cn:sts::111122223333:assumed-role/deployer/ci"}`,
			want: Actor{Type: "AssumedRole", ARN: "arn:aws-cn:sts::111122223333:assumed-role/deployer/ci", PrincipalARN: "arn:aws-cn:iam::111122223333:role/deployer",
				AccountID: "111122223333"},
		},
		{
			name:        "root with MFA, console as bool",
			identity:    `{"type":"Root","principalId":"111122223333","accountId":"111122223333","sessionContext":{"attributes":{"mfaAuthenticated":"true"}}}`,
			fromConsole: true,
			want: Actor{Type: "Root", ARN: "arn:aws:iam::111122223333:root", PrincipalARN: "arn:aws:iam::111122223333:root",
				AccountID: "111122223333", PrincipalID: "111122223333", MFAAuthenticated: true, FromConsole: true},
		},
		{
			name:     "AWS service",
			identity: `{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}`,
			want:     Actor{Type: "AWSService", InvokedBy: "lambda.amazonaws.com"},
		},
		{
			name:     "service event: only accountId and invokedBy",
			identity: `{"accountId":"111122223333","invokedBy":"secretsmanager.amazonaws.com"}`,
			want:     Actor{Type: "AWSService", AccountID: "111122223333", InvokedBy: "secretsmanager.amazonaws.com"},
		},
		{
			name: "federated user",
			identity: `{"type":"FederatedUser","principalId":"111122223333:bob","arn":"arn:aws:sts::111122223333:federated-user/bob","accountId":"111122223333",
			"sessionContext":{"sessionIssuer":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/broker","userName":"broker"}}}`,
			want: Actor{Type: "FederatedUser", ARN: "arn:aws:sts::111122223333:federated-user/bob", PrincipalARN: "arn:aws:sts::111122223333:federated-user/bob",
				AccountID: "111122223333", PrincipalID: "111122223333:bob"},
		},
		{
			name:     "cross-account call",
			identity: `{"type":"AWSAccount","principalId":"AROAOTHER:session","accountId":"999988887777"}`,
			want:     Actor{Type: "AWSAccount", AccountID: "999988887777", PrincipalID: "AROAOTHER:session"},
		},
		{
			name: "Identity Center user",
			identity: `{"type":"IdentityCenterUser","accountId":"111122223333","onBehalfOf":{"userId":"94482488-3041-7026-18f3-be45837cd0e4","identityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-1234"},
			"credentialId":"EXAMPLE"}`,
			fromConsole: "false",
			want:        Actor{Type: "IdentityCenterUser", AccountID: "111122223333", PrincipalID: "94482488-3041-7026-18f3-be45837cd0e4"},
		},
		{
			name:     "no identity",
			identity: `null`,
			want:     Actor{Type: "Unknown"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var id any
			if err := jsonUnmarshal(tt.identity, &id); err != nil {
				t.Fatal(err)
			}
			got := actorOf(id, tt.fromConsole)
			if got.InOrganization != nil {
				t.Error("InOrganization set by the decoder")
			}
			if got != tt.want {
				t.Errorf("actor =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}
