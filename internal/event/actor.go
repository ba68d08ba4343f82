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

// identity holds the userIdentity fields an Actor is normalized from, as
// read from a decoded record (actorOf) or a typed one (DecodeRead).
type identity struct {
	typ, arn, accountID, principalID, userName, invokedBy, accessKeyID string
	mfa, fromConsole                                                   bool
	issuerARN, issuerUserName, onBehalfOfUserID                        string
}

// actorOf normalizes a CloudTrail userIdentity (any JSON; a non-object gives
// an Unknown actor). fromConsole is the record's sessionCredentialFromConsole.
func actorOf(v any, fromConsole any) Actor {
	id, _ := v.(map[string]any)
	issuer := obj(id, "sessionContext", "sessionIssuer")
	return identity{
		typ:              str(id, "type"),
		arn:              str(id, "arn"),
		accountID:        str(id, "accountId"),
		principalID:      str(id, "principalId"),
		userName:         str(id, "userName"),
		invokedBy:        str(id, "invokedBy"),
		accessKeyID:      str(id, "accessKeyId"),
		mfa:              boolish(mustPath(id, "sessionContext", "attributes", "mfaAuthenticated")),
		fromConsole:      boolish(fromConsole),
		issuerARN:        str(issuer, "arn"),
		issuerUserName:   str(issuer, "userName"),
		onBehalfOfUserID: str(id, "onBehalfOf", "userId"),
	}.actor()
}

// actor normalizes the identity: the type of a service or of no identity,
// the principal ARN policies match on, the account from the ARN.
func (i identity) actor() Actor {
	a := Actor{
		Type:             i.typ,
		ARN:              i.arn,
		AccountID:        i.accountID,
		PrincipalID:      i.principalID,
		UserName:         i.userName,
		InvokedBy:        i.invokedBy,
		AccessKeyID:      i.accessKeyID,
		MFAAuthenticated: i.mfa,
		FromConsole:      i.fromConsole,
	}
	switch {
	case a.Type == "" && a.InvokedBy != "":
		a.Type = actorAWSService
	case a.Type == "":
		a.Type = actorUnknown
	}
	switch a.Type {
	case "AssumedRole":
		a.PrincipalARN = i.issuerARN
		if a.PrincipalARN == "" {
			a.PrincipalARN = roleARNFromSession(a.ARN)
		}
		if a.UserName == "" {
			a.UserName = i.issuerUserName
		}
	case "Root":
		if a.ARN == "" && a.AccountID != "" {
			a.ARN = "arn:aws:iam::" + a.AccountID + ":root"
		}
		a.PrincipalARN = a.ARN
	case "IdentityCenterUser":
		if a.PrincipalID == "" {
			a.PrincipalID = i.onBehalfOfUserID
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
