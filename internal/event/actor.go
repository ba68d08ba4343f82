package event

import "strings"

// Actor types that CloudTrail's userIdentity.type does not spell for us.
const (
	// actorAWSService is the type of a service acting on its own (a service
	// event's userIdentity has only accountId and invokedBy).
	actorAWSService = "AWSService"
	// actorUnknown is the type when a record gives no identity at all.
	actorUnknown = "Unknown"
)

// actorOf normalizes a CloudTrail userIdentity (any JSON; a non-object gives
// an Unknown actor). fromConsole is the record's sessionCredentialFromConsole.
func actorOf(v any, fromConsole any) Actor {
	id, _ := v.(map[string]any)
	a := Actor{
		Type:             str(id, "type"),
		ARN:              str(id, "arn"),
		AccountID:        str(id, "accountId"),
		PrincipalID:      str(id, "principalId"),
		UserName:         str(id, "userName"),
		InvokedBy:        str(id, "invokedBy"),
		AccessKeyID:      str(id, "accessKeyId"),
		MFAAuthenticated: boolish(mustPath(id, "sessionContext", "attributes", "mfaAuthenticated")),
		FromConsole:      boolish(fromConsole),
	}
	issuer := obj(id, "sessionContext", "sessionIssuer")
	switch {
	case a.Type == "" && a.InvokedBy != "":
		a.Type = actorAWSService
	case a.Type == "":
		a.Type = actorUnknown
	}
	switch a.Type {
	case "AssumedRole":
		a.PrincipalARN = str(issuer, "arn")
		if a.PrincipalARN == "" {
			a.PrincipalARN = roleARNFromSession(a.ARN)
		}
		if a.UserName == "" {
			a.UserName = str(issuer, "userName")
		}
	case "Root":
		if a.ARN == "" && a.AccountID != "" {
			a.ARN = "arn:aws:iam::" + a.AccountID + ":root"
		}
		a.PrincipalARN = a.ARN
	case "IdentityCenterUser":
		if a.PrincipalID == "" {
			a.PrincipalID = str(id, "onBehalfOf", "userId")
		}
		a.PrincipalARN = a.ARN
	default:
		a.PrincipalARN = a.ARN
	}
	if a.AccountID == "" {
		a.AccountID = accountFromARN(a.ARN)
	}
	return a
}

// mustPath is path without the ok result.
func mustPath(m map[string]any, keys ...string) any {
	v, _ := path(m, keys...)
	return v
}

// roleARNFromSession turns an assumed-role session ARN
// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) into the role ARN
// (arn:aws:iam::ACCOUNT:role/ROLE). The role's IAM path is not in the
// session ARN, so this is a fallback for records without sessionIssuer.
func roleARNFromSession(session string) string {
	parts := strings.SplitN(session, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sts" {
		return ""
	}
	res := strings.Split(parts[5], "/")
	if len(res) < 2 || res[0] != "assumed-role" || res[1] == "" {
		return ""
	}
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + res[1]
}

// accountFromARN returns the account field of an ARN, or "".
func accountFromARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}
