package event

// GuardDuty constants.
const (
	// NameGuardDutyFinding is the Event.Name of every GuardDuty finding.
	NameGuardDutyFinding = "GuardDutyFinding"
	// sourceGuardDuty is the EventBridge source of GuardDuty findings.
	sourceGuardDuty = "aws.guardduty"
)

// isGuardDutyFinding reports whether m looks like a bare GuardDuty finding
// (as GetFindings or an S3 export gives it): a type, a severity, a resource
// object, and a schemaVersion or service block.
func isGuardDutyFinding(m map[string]any) bool {
	_, hasType := field(m, "type")
	_, hasSeverity := field(m, "severity")
	_, hasSchema := field(m, "schemaVersion")
	_, hasService := field(m, "service")
	return hasType && hasSeverity && obj(m, "resource") != nil && (hasSchema || hasService)
}

// decodeGuardDuty normalizes a GuardDuty finding (an envelope's detail, or a
// bare finding). The actor comes from resource.accessKeyDetails; its
// PrincipalARN is derived (without IAM path) for IAM users, roles and root.
func decodeGuardDuty(f map[string]any, where string, env *envelope) (Event, error) {
	if env == nil {
		env = &envelope{}
	}
	id := firstNonEmpty(str(f, "id"), env.id)
	typ := str(f, "type")
	if typ == "" {
		return Event{}, errorf(where, "GuardDuty finding has no type")
	}
	tv := firstPresent(mustField(f, "updatedAt"), mustField(f, "createdAt"), env.time)
	if tv == nil {
		return Event{}, errorf(where, "GuardDuty finding has no updatedAt, createdAt or time")
	}
	t, err := parseTime(tv)
	if err != nil {
		return Event{}, wrapErr(where, "bad GuardDuty finding time", err)
	}
	akd := obj(f, "resource", "accessKeyDetails")
	g := &GuardDutyFinding{
		ID:          id,
		Type:        typ,
		Severity:    number(mustField(f, "severity")),
		AccessKeyID: str(akd, "accessKeyId"),
		PrincipalID: str(akd, "principalId"),
		UserName:    str(akd, "userName"),
		UserType:    str(akd, "userType"),
	}
	account := firstNonEmpty(str(f, "accountId"), env.account)
	partition := firstNonEmpty(str(f, "partition"), "aws")
	ev := Event{
		ID:        id,
		Name:      NameGuardDutyFinding,
		Kind:      KindGuardDuty,
		Source:    SourceGuardDuty,
		Time:      t,
		AccountID: account,
		Region:    firstNonEmpty(str(f, "region"), env.region),
		Actor: Actor{
			Type:         firstNonEmpty(g.UserType, actorUnknown),
			PrincipalARN: derivedPrincipalARN(partition, account, g.UserType, g.UserName),
			AccountID:    account,
			PrincipalID:  g.PrincipalID,
			UserName:     g.UserName,
			AccessKeyID:  g.AccessKeyID,
		},
		SourceIP:   str(f, "service", "action", "awsApiCallAction", "remoteIpDetails", "ipAddressV4"),
		ReadOnly:   true,
		Additional: guardDutyAdditional(f),
		GuardDuty:  g,
		Where:      where,
	}
	return ev, nil
}

// guardDutyAdditional keeps the finding's title, ARN and API (if any) for messages.
func guardDutyAdditional(f map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"title", "arn"} {
		if s := str(f, k); s != "" {
			out[k] = s
		}
	}
	if s := str(f, "service", "action", "awsApiCallAction", "api"); s != "" {
		out["api"] = s
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// derivedPrincipalARN builds the ARN of the principal GuardDuty names by
// user type and name. IAM paths are unknown, so it is best effort.
func derivedPrincipalARN(partition, account, userType, userName string) string {
	if account == "" {
		return ""
	}
	switch userType {
	case "Root":
		return "arn:" + partition + ":iam::" + account + ":root"
	case "IAMUser":
		if userName != "" {
			return "arn:" + partition + ":iam::" + account + ":user/" + userName
		}
	case "AssumedRole", "Role":
		if userName != "" {
			return "arn:" + partition + ":iam::" + account + ":role/" + userName
		}
	}
	return ""
}

// firstPresent returns the first non-nil value.
func firstPresent(vs ...any) any {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}
