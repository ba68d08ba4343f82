package event

import "strings"

// secretSuffixLen is the length of the random suffix Secrets Manager appends
// to a secret's name in its ARN, with its hyphen: "-a1b2c3".
const secretSuffixLen = 7

// SecretARN is a parsed Secrets Manager secret ARN,
// arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[-XXXXXX].
type SecretARN struct {
	// Raw is the ARN as given.
	Raw string
	// Partition is "aws", "aws-cn", "aws-us-gov", …
	Partition string
	// Region is the secret's region.
	Region string
	// AccountID is the account that owns the secret.
	AccountID string
	// Name is the secret name, without the random suffix of a full ARN.
	Name string
	// Suffix is the 6-character random suffix of a full ARN, else "".
	Suffix string
	// Full tells whether the ARN carries the random suffix (a complete ARN
	// that names exactly one secret) rather than being a partial ARN.
	Full bool
}

// ParseSecretARN parses a Secrets Manager secret ARN. Region and account are
// not validated (published events redact them), but the ARN must have its
// seven parts, service "secretsmanager", resource type "secret" and a
// non-empty name. The ARN is full when its name ends with a hyphen and six
// letters or digits, else partial. A secret whose own name ends in that
// pattern is therefore ambiguous in a partial ARN, as AWS documents.
func ParseSecretARN(s string) (arn SecretARN, ok bool) {
	parts := strings.SplitN(s, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "secretsmanager" || parts[5] != "secret" {
		return SecretARN{}, false
	}
	name := parts[6]
	if name == "" || strings.ContainsAny(name, " \t\n") {
		return SecretARN{}, false
	}
	arn = SecretARN{Raw: s, Partition: parts[1], Region: parts[3], AccountID: parts[4], Name: name}
	if hasRandomSuffix(name) {
		arn.Full = true
		arn.Suffix = name[len(name)-secretSuffixLen+1:]
		arn.Name = name[:len(name)-secretSuffixLen]
	}
	return arn, true
}

// hasRandomSuffix reports whether name ends with "-" and six ASCII letters
// or digits, after at least one character of name.
func hasRandomSuffix(name string) bool {
	if len(name) <= secretSuffixLen || name[len(name)-secretSuffixLen] != '-' {
		return false
	}
	for _, c := range name[len(name)-secretSuffixLen+1:] {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// NewSecretRef builds a reference from a secret id as an event gives it: a
// name, a partial ARN or a full ARN. ARN is set only for a full ARN; Name is
// the name (for an ARN, its name part without the suffix).
func NewSecretRef(raw string) SecretRef {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return SecretRef{}
	}
	if a, ok := ParseSecretARN(raw); ok {
		r := SecretRef{Raw: raw, Name: a.Name}
		if a.Full {
			r.ARN = raw
		}
		return r
	}
	return SecretRef{Raw: raw, Name: raw}
}

// Matches reports whether the reference names the secret whose full ARN
// and name are given (as an inventory knows them; name may be "" to derive
// it from arn). A full ARN must be equal; a partial ARN must be the full ARN
// without its suffix; a bare name must equal the name. A bare name says
// nothing of account or region: the caller restricts candidates to the
// event's account and region.
func (r SecretRef) Matches(arn, name string) bool {
	if r.IsZero() || arn == "" && name == "" {
		return false
	}
	if name == "" {
		if a, ok := ParseSecretARN(arn); ok {
			name = a.Name
		}
	}
	if r.ARN != "" {
		return r.ARN == arn
	}
	raw := r.Raw
	if raw == "" {
		return r.Name != "" && r.Name == name
	}
	if a, ok := ParseSecretARN(raw); ok {
		if a.Full {
			return raw == arn
		}
		// A partial ARN: the full ARN is the partial one plus "-XXXXXX".
		return len(arn) == len(raw)+secretSuffixLen && strings.HasPrefix(arn, raw) && hasRandomSuffix(arn)
	}
	return raw == name
}

// Resolved returns the reference completed with the full ARN an inventory
// resolved it to (and the name derived from that ARN). Raw is kept.
func (r SecretRef) Resolved(arn string) SecretRef {
	a, ok := ParseSecretARN(arn)
	if !ok || !a.Full {
		return r
	}
	r.ARN = arn
	r.Name = a.Name
	if r.Raw == "" {
		r.Raw = arn
	}
	return r
}

// secretsOf finds the secret(s) a record concerns. It looks, in order, at
// requestParameters.secretId, requestParameters.secretIdList,
// additionalEventData.SecretId / serviceEventDetails.SecretId, and
// CreateSecret's requestParameters.name; then completes the reference with a
// full ARN from responseElements.arn (or aRN) or resources[].ARN when that
// ARN names the same secret. With no reference in the request, a full ARN
// from the response or resources is used alone. An event that names no
// secret (ListSecrets, filters only) gives an empty reference.
func secretsOf(rec map[string]any, name string, req, resp, additional map[string]any) (SecretRef, []SecretRef) {
	var list []string
	if v, ok := field(req, "secretIdList"); ok {
		if items, ok := v.([]any); ok {
			for _, it := range items {
				if s := scalarString(it); s != "" {
					list = append(list, s)
				} else if o, ok := it.(map[string]any); ok {
					if s := str(o, "secretId"); s != "" {
						list = append(list, s)
					}
				}
			}
		}
	}
	create := ""
	if name == "CreateSecret" {
		create = str(req, "name")
	}
	return secretRefs(str(req, "secretId"), list, str(additional, "SecretId"), create, candidateARNs(rec, resp))
}

// secretRefs is secretsOf over the values it reads: the request's secretId
// and secretIdList, the additional data's SecretId, CreateSecret's name and
// the candidate full ARNs of the response and resources.
func secretRefs(secretID string, idList []string, additionalID, createName string, candidates []string) (SecretRef, []SecretRef) {
	var list []SecretRef
	for _, s := range idList {
		if s != "" {
			list = append(list, NewSecretRef(s))
		}
	}
	var ref SecretRef
	switch {
	case secretID != "":
		ref = NewSecretRef(secretID)
	case len(list) > 0:
		ref = list[0]
	case additionalID != "":
		ref = NewSecretRef(additionalID)
	case createName != "":
		ref = NewSecretRef(createName)
	}

	for _, cand := range candidates {
		a, ok := ParseSecretARN(cand)
		if !ok || !a.Full {
			continue
		}
		if ref.IsZero() {
			ref = NewSecretRef(cand)
			break
		}
		if ref.ARN == "" && ref.Matches(cand, a.Name) {
			ref = ref.Resolved(cand)
			break
		}
	}
	if len(list) > 0 {
		list[0] = mergeRef(list[0], ref)
	}
	return ref, list
}

// mergeRef keeps a's raw form and fills what b knows of the same secret.
func mergeRef(a, b SecretRef) SecretRef {
	if a.Raw == b.Raw && a.ARN == "" {
		a.ARN = b.ARN
		if b.Name != "" {
			a.Name = b.Name
		}
	}
	return a
}

// candidateARNs lists the ARNs a record gives beside its request:
// responseElements.arn (aRN in events before 2024) and resources[].ARN.
func candidateARNs(rec, resp map[string]any) []string {
	var out []string
	if s := str(resp, "arn"); s != "" {
		out = append(out, s)
	}
	if items, ok := rec["resources"].([]any); ok {
		for _, it := range items {
			if o, ok := it.(map[string]any); ok {
				if s := str(o, "ARN"); s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}
