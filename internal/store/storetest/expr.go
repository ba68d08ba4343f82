package storetest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// exprEnv resolves #names and :values of one request and tracks which were
// used: DynamoDB rejects a request that declares a name or value its
// expressions do not use, and so does the fake.
type exprEnv struct {
	names     map[string]string
	values    map[string]types.AttributeValue
	usedNames map[string]bool
	usedVals  map[string]bool
}

func newEnv(names map[string]string, values map[string]types.AttributeValue) *exprEnv {
	return &exprEnv{names: names, values: values, usedNames: map[string]bool{}, usedVals: map[string]bool{}}
}

var (
	namePattern  = regexp.MustCompile(`^#[A-Za-z0-9_]+$`)
	plainPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	valuePattern = regexp.MustCompile(`^:[A-Za-z0-9_]+$`)
)

// name resolves an attribute path (only top-level attributes are supported).
func (e *exprEnv) name(tok string) (string, error) {
	tok = strings.TrimSpace(tok)
	switch {
	case namePattern.MatchString(tok):
		n, ok := e.names[tok]
		if !ok {
			return "", fmt.Errorf("ValidationException: undefined attribute name %s", tok)
		}
		e.usedNames[tok] = true
		return n, nil
	case plainPattern.MatchString(tok):
		return tok, nil
	}
	return "", fmt.Errorf("storetest: unsupported attribute path %q", tok)
}

func (e *exprEnv) value(tok string) (types.AttributeValue, error) {
	tok = strings.TrimSpace(tok)
	if !valuePattern.MatchString(tok) {
		return nil, fmt.Errorf("storetest: unsupported operand %q (want :value)", tok)
	}
	v, ok := e.values[tok]
	if !ok {
		return nil, fmt.Errorf("ValidationException: undefined attribute value %s", tok)
	}
	e.usedVals[tok] = true
	return v, nil
}

// checkAllUsed fails like DynamoDB when a declared name or value is unused.
func (e *exprEnv) checkAllUsed() error {
	for n := range e.names {
		if !e.usedNames[n] {
			return fmt.Errorf("ValidationException: ExpressionAttributeNames unused in expressions: %s", n)
		}
	}
	for v := range e.values {
		if !e.usedVals[v] {
			return fmt.Errorf("ValidationException: ExpressionAttributeValues unused in expressions: %s", v)
		}
	}
	return nil
}

var (
	notExistsPattern = regexp.MustCompile(`^attribute_not_exists\(\s*([^)]+?)\s*\)$`)
	comparePattern   = regexp.MustCompile(`^(\S+)\s*(<=|<|=)\s*(\S+)$`)
)

// condition evaluates a ConditionExpression against item (nil when absent).
// Supported: terms joined by OR, each attribute_not_exists(path),
// path < :v, path <= :v or path = :v. Anything else is an error.
func (e *exprEnv) condition(expr string, item map[string]types.AttributeValue) (bool, error) {
	result := false
	for _, term := range strings.Split(expr, " OR ") {
		term = strings.TrimSpace(term)
		if m := notExistsPattern.FindStringSubmatch(term); m != nil {
			n, err := e.name(m[1])
			if err != nil {
				return false, err
			}
			_, present := item[n]
			result = result || !present
			continue
		}
		if m := comparePattern.FindStringSubmatch(term); m != nil {
			n, err := e.name(m[1])
			if err != nil {
				return false, err
			}
			v, err := e.value(m[3])
			if err != nil {
				return false, err
			}
			cur, present := item[n]
			if !present {
				continue
			}
			c, ok, err := compare(cur, v)
			if err != nil {
				return false, err
			}
			if ok && ((m[2] != "=" && c < 0) || (m[2] != "<" && c == 0)) {
				result = true
			}
			continue
		}
		return false, fmt.Errorf("storetest: unsupported condition term %q", term)
	}
	return result, nil
}

// compare orders two S or two N values; ok is false for different types
// (DynamoDB evaluates such a comparison to false).
func compare(a, b types.AttributeValue) (int, bool, error) {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		y, ok := b.(*types.AttributeValueMemberS)
		if !ok {
			return 0, false, nil
		}
		return strings.Compare(x.Value, y.Value), true, nil
	case *types.AttributeValueMemberN:
		y, ok := b.(*types.AttributeValueMemberN)
		if !ok {
			return 0, false, nil
		}
		fx, err := strconv.ParseFloat(x.Value, 64)
		if err != nil {
			return 0, false, fmt.Errorf("ValidationException: bad number %q", x.Value)
		}
		fy, err := strconv.ParseFloat(y.Value, 64)
		if err != nil {
			return 0, false, fmt.Errorf("ValidationException: bad number %q", y.Value)
		}
		switch {
		case fx < fy:
			return -1, true, nil
		case fx > fy:
			return 1, true, nil
		}
		return 0, true, nil
	}
	return 0, false, fmt.Errorf("storetest: comparison of %T unsupported", a)
}

var (
	clausePattern      = regexp.MustCompile(`\b(SET|ADD|REMOVE|DELETE)\s`)
	ifNotExistsPattern = regexp.MustCompile(`^if_not_exists\(\s*([^,\s]+)\s*,\s*([^)\s]+)\s*\)$`)
	addPattern         = regexp.MustCompile(`^(\S+)\s+(\S+)$`)
)

// update applies an UpdateExpression to item (a copy of the old item, or
// just the key). Supported: SET path = :v, SET path = if_not_exists(path, :v),
// ADD path :n (numbers) and REMOVE path, in any order. Anything else is an
// error.
func (e *exprEnv) update(expr string, old, item map[string]types.AttributeValue) error {
	locs := clausePattern.FindAllStringSubmatchIndex(expr, -1)
	if len(locs) == 0 || strings.TrimSpace(expr[:locs[0][0]]) != "" {
		return fmt.Errorf("storetest: unsupported update expression %q", expr)
	}
	for i, loc := range locs {
		end := len(expr)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		keyword := expr[loc[2]:loc[3]]
		body := strings.TrimSpace(expr[loc[1]:end])
		for _, part := range splitTop(body) {
			var err error
			switch keyword {
			case "SET":
				err = e.set(part, old, item)
			case "ADD":
				err = e.add(part, item)
			case "REMOVE":
				var n string
				if n, err = e.name(part); err == nil {
					delete(item, n)
				}
			default:
				err = fmt.Errorf("storetest: unsupported update clause %s", keyword)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *exprEnv) set(part string, old, item map[string]types.AttributeValue) error {
	lhs, rhs, ok := strings.Cut(part, "=")
	if !ok {
		return fmt.Errorf("storetest: unsupported SET action %q", part)
	}
	n, err := e.name(lhs)
	if err != nil {
		return err
	}
	rhs = strings.TrimSpace(rhs)
	if m := ifNotExistsPattern.FindStringSubmatch(rhs); m != nil {
		src, err := e.name(m[1])
		if err != nil {
			return err
		}
		v, err := e.value(m[2])
		if err != nil {
			return err
		}
		if cur, present := old[src]; present {
			item[n] = cur
		} else {
			item[n] = v
		}
		return nil
	}
	v, err := e.value(rhs)
	if err != nil {
		return err
	}
	item[n] = v
	return nil
}

func (e *exprEnv) add(part string, item map[string]types.AttributeValue) error {
	m := addPattern.FindStringSubmatch(part)
	if m == nil {
		return fmt.Errorf("storetest: unsupported ADD action %q", part)
	}
	n, err := e.name(m[1])
	if err != nil {
		return err
	}
	v, err := e.value(m[2])
	if err != nil {
		return err
	}
	inc, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		return fmt.Errorf("storetest: ADD of %T unsupported", v)
	}
	d, err := strconv.ParseInt(inc.Value, 10, 64)
	if err != nil {
		return fmt.Errorf("storetest: ADD of non-integer %q unsupported", inc.Value)
	}
	var cur int64
	if existing, present := item[n]; present {
		x, ok := existing.(*types.AttributeValueMemberN)
		if !ok {
			return fmt.Errorf("ValidationException: ADD to a non-number attribute %s", n)
		}
		if cur, err = strconv.ParseInt(x.Value, 10, 64); err != nil {
			return fmt.Errorf("storetest: ADD to non-integer %q unsupported", x.Value)
		}
	}
	item[n] = &types.AttributeValueMemberN{Value: strconv.FormatInt(cur+d, 10)}
	return nil
}

// splitTop splits on commas outside parentheses.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

var (
	keyEqPattern      = regexp.MustCompile(`^(\S+)\s*=\s*(\S+)$`)
	beginsWithPattern = regexp.MustCompile(`^begins_with\(\s*([^,\s]+)\s*,\s*([^)\s]+)\s*\)$`)
	betweenPattern    = regexp.MustCompile(`^(\S+)\s+BETWEEN\s+(\S+)\s+AND\s+(\S+)$`)
)

// keyMatcher is a parsed KeyConditionExpression.
type keyMatcher struct {
	pk    string
	match func(sk string) bool
}

// keyCondition parses "pk = :v" optionally followed by
// "AND begins_with(sk, :p)" or "AND sk BETWEEN :lo AND :hi", where pk and
// sk are the key attributes pkAttr and skAttr (the table's or an index's).
func (e *exprEnv) keyCondition(expr, pkAttr, skAttr string) (*keyMatcher, error) {
	first, rest, _ := strings.Cut(expr, " AND ")
	m := keyEqPattern.FindStringSubmatch(strings.TrimSpace(first))
	if m == nil {
		return nil, fmt.Errorf("storetest: unsupported key condition %q", expr)
	}
	n, err := e.name(m[1])
	if err != nil {
		return nil, err
	}
	if n != pkAttr {
		return nil, fmt.Errorf("ValidationException: key condition on %s, not the partition key", n)
	}
	pkv, err := e.value(m[2])
	if err != nil {
		return nil, err
	}
	pk, ok := pkv.(*types.AttributeValueMemberS)
	if !ok {
		return nil, fmt.Errorf("ValidationException: partition key value must be S")
	}
	km := &keyMatcher{pk: pk.Value, match: func(string) bool { return true }}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return km, nil
	}
	sortValue := func(pathTok, valTok string) (string, error) {
		n, err := e.name(pathTok)
		if err != nil {
			return "", err
		}
		if n != skAttr {
			return "", fmt.Errorf("ValidationException: key condition on %s, not the sort key", n)
		}
		v, err := e.value(valTok)
		if err != nil {
			return "", err
		}
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("ValidationException: sort key value must be S")
		}
		return s.Value, nil
	}
	if m := beginsWithPattern.FindStringSubmatch(rest); m != nil {
		prefix, err := sortValue(m[1], m[2])
		if err != nil {
			return nil, err
		}
		km.match = func(sk string) bool { return strings.HasPrefix(sk, prefix) }
		return km, nil
	}
	if m := betweenPattern.FindStringSubmatch(rest); m != nil {
		lo, err := sortValue(m[1], m[2])
		if err != nil {
			return nil, err
		}
		hi, err := sortValue(m[1], m[3])
		if err != nil {
			return nil, err
		}
		if lo > hi {
			return nil, fmt.Errorf("ValidationException: BETWEEN lower bound above upper bound")
		}
		km.match = func(sk string) bool { return sk >= lo && sk <= hi }
		return km, nil
	}
	return nil, fmt.Errorf("storetest: unsupported sort key condition %q", rest)
}
