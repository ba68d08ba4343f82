package output_test

// An OCSF validator: OCSF publishes its schema as dictionary and class
// source (github.com/ocsf/ocsf-schema), not as a JSON Schema. This helper
// resolves a class from that source, as the OCSF server does — "extends"
// chains, "$include" files, profiles, the dictionary's attribute types —
// and validates an event against it: unknown attributes, required
// attributes (those of a profile only when the event declares it in
// metadata.profiles), data types (string, integer, long, float, boolean,
// timestamp, json, regex and length limits), nested objects and their
// constraints, arrays, enum ids and their caption siblings, and the class,
// category and type uids.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// ocsfAttr is one attribute definition (dictionary entry overlaid by a
// class or object entry).
type ocsfAttr struct {
	Caption     string                     `json:"caption"`
	Type        string                     `json:"type"`
	IsArray     bool                       `json:"is_array"`
	Requirement string                     `json:"requirement"`
	Sibling     string                     `json:"sibling"`
	Enum        map[string]json.RawMessage `json:"enum"`
	Profile     string                     `json:"-"` // set when included from a profile
}

type ocsfDef struct {
	Name        string                     `json:"name"`
	UID         *int                       `json:"uid"`
	Category    string                     `json:"category"`
	Extends     string                     `json:"extends"`
	Meta        string                     `json:"meta"`
	Attributes  map[string]json.RawMessage `json:"attributes"`
	Constraints map[string][]string        `json:"constraints"`
}

type ocsfType struct {
	Type   string  `json:"type"`
	Regex  string  `json:"regex"`
	MaxLen int     `json:"max_len"`
	Range  []int64 `json:"range"`
	Values []any   `json:"values"`
	re     *regexp.Regexp
}

// ocsfSchema is the schema source at dir.
type ocsfSchema struct {
	dir        string
	version    string
	dict       map[string]ocsfAttr
	types      map[string]*ocsfType
	categories map[string]int
	objects    map[string]*resolved
}

// resolved is a class or object with every attribute and constraint.
type resolved struct {
	name        string
	attrs       map[string]ocsfAttr
	constraints map[string][]string
	profiles    map[string]bool
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func loadOCSF(dir string) (*ocsfSchema, error) {
	s := &ocsfSchema{dir: dir, dict: map[string]ocsfAttr{}, types: map[string]*ocsfType{}, categories: map[string]int{}, objects: map[string]*resolved{}}
	var ver struct{ Version string }
	if err := readJSON(filepath.Join(dir, "version.json"), &ver); err != nil {
		return nil, err
	}
	s.version = ver.Version
	var dict struct {
		Attributes map[string]ocsfAttr `json:"attributes"`
		Types      struct {
			Attributes map[string]*ocsfType `json:"attributes"`
		} `json:"types"`
	}
	if err := readJSON(filepath.Join(dir, "dictionary.json"), &dict); err != nil {
		return nil, err
	}
	s.dict = dict.Attributes
	s.types = dict.Types.Attributes
	for name, t := range s.types {
		if t.Regex != "" {
			re, err := regexp.Compile(t.Regex)
			if err != nil {
				return nil, fmt.Errorf("type %s: regex: %w", name, err)
			}
			t.re = re
		}
	}
	var cats struct {
		Attributes map[string]struct{ UID int } `json:"attributes"`
	}
	if err := readJSON(filepath.Join(dir, "categories.json"), &cats); err != nil {
		return nil, err
	}
	for name, c := range cats.Attributes {
		s.categories[name] = c.UID
	}
	return s, nil
}

// overlay merges a class or object attribute entry over base.
func overlay(base ocsfAttr, raw json.RawMessage) (ocsfAttr, error) {
	var over ocsfAttr
	if err := json.Unmarshal(raw, &over); err != nil {
		return base, err
	}
	if over.Type != "" {
		base.Type = over.Type
	}
	if over.Requirement != "" {
		base.Requirement = over.Requirement
	}
	if over.Enum != nil {
		// As the OCSF server compiles a class: a class or object enum is
		// merged over the inherited one (finding's activity ids 1–3 join
		// classification's 0 Unknown and 99 Other).
		merged := make(map[string]json.RawMessage, len(base.Enum)+len(over.Enum))
		for k, v := range base.Enum {
			merged[k] = v
		}
		for k, v := range over.Enum {
			merged[k] = v
		}
		base.Enum = merged
	}
	if over.Caption != "" {
		base.Caption = over.Caption
	}
	return base, nil
}

// findDef reads the definition named name under sub ("events" or
// "objects"), searching subdirectories.
func (s *ocsfSchema) findDef(sub, name string) (*ocsfDef, error) {
	var found *ocsfDef
	err := filepath.WalkDir(filepath.Join(s.dir, sub), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") || found != nil {
			return err
		}
		var def ocsfDef
		if err := readJSON(p, &def); err != nil {
			return err
		}
		if def.Name == name {
			found = &def
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("%s %q not in the schema", sub, name)
	}
	return found, nil
}

// resolve builds a class (sub "events") or object (sub "objects") with its
// parents, includes and profiles.
func (s *ocsfSchema) resolve(sub, name string) (*resolved, *ocsfDef, error) {
	def, err := s.findDef(sub, name)
	if err != nil {
		return nil, nil, err
	}
	r := &resolved{name: name, attrs: map[string]ocsfAttr{}, constraints: map[string][]string{}, profiles: map[string]bool{}}
	if def.Extends != "" {
		parent, _, err := s.resolve(sub, def.Extends)
		if err != nil {
			return nil, nil, fmt.Errorf("%s extends %s: %w", name, def.Extends, err)
		}
		for k, v := range parent.attrs {
			r.attrs[k] = v
		}
		for k, v := range parent.constraints {
			r.constraints[k] = v
		}
		for k := range parent.profiles {
			r.profiles[k] = true
		}
	}
	for k, v := range def.Constraints {
		r.constraints[k] = v
	}
	if inc, ok := def.Attributes["$include"]; ok {
		var files []string
		if err := json.Unmarshal(inc, &files); err != nil {
			return nil, nil, fmt.Errorf("%s: $include: %w", name, err)
		}
		for _, f := range files {
			var part ocsfDef
			if err := readJSON(filepath.Join(s.dir, f), &part); err != nil {
				return nil, nil, err
			}
			profile := ""
			if part.Meta == "profile" {
				profile = part.Name
				r.profiles[profile] = true
			}
			for k, raw := range part.Attributes {
				base, ok := r.attrs[k]
				if !ok {
					if base, ok = s.dict[k]; !ok {
						return nil, nil, fmt.Errorf("%s: included attribute %s not in the dictionary", f, k)
					}
				}
				a, err := overlay(base, raw)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: %s: %w", f, k, err)
				}
				a.Profile = profile
				r.attrs[k] = a
			}
		}
	}
	for k, raw := range def.Attributes {
		if k == "$include" {
			continue
		}
		base, ok := r.attrs[k]
		if !ok {
			if base, ok = s.dict[k]; !ok {
				return nil, nil, fmt.Errorf("%s: attribute %s not in the dictionary", name, k)
			}
		}
		a, err := overlay(base, raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", name, k, err)
		}
		if prev, ok := r.attrs[k]; ok {
			a.Profile = prev.Profile
		}
		r.attrs[k] = a
	}
	return r, def, nil
}

func (s *ocsfSchema) object(name string) (*resolved, error) {
	if r, ok := s.objects[name]; ok {
		return r, nil
	}
	r, _, err := s.resolve("objects", name)
	if err != nil {
		return nil, err
	}
	s.objects[name] = r
	return r, nil
}

// validateEvent checks one event against class name; it returns every
// problem found.
func (s *ocsfSchema) validateEvent(class string, ev map[string]any) []string {
	cls, def, err := s.resolve("events", class)
	if err != nil {
		return []string{err.Error()}
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	// The class, category and type uids the server computes.
	catUID, ok := s.categories[def.Category]
	if !ok || def.UID == nil {
		return []string{fmt.Sprintf("class %s: category %q or uid unknown", class, def.Category)}
	}
	classUID := catUID*1000 + *def.UID
	// The server replaces the placeholder enums of the uids with the
	// class's own.
	for attr, id := range map[string]int{"class_uid": classUID, "category_uid": catUID} {
		a := cls.attrs[attr]
		a.Enum = map[string]json.RawMessage{strconv.Itoa(id): json.RawMessage(`{}`)}
		a.Sibling = ""
		cls.attrs[attr] = a
	}
	if n, _ := ev["class_uid"].(float64); int(n) != classUID {
		bad("class_uid %v, want %d", ev["class_uid"], classUID)
	}
	if n, _ := ev["category_uid"].(float64); int(n) != catUID {
		bad("category_uid %v, want %d", ev["category_uid"], catUID)
	}
	act, _ := ev["activity_id"].(float64)
	if n, _ := ev["type_uid"].(float64); int64(n) != int64(classUID)*100+int64(act) {
		bad("type_uid %v, want class_uid*100+activity_id = %d", ev["type_uid"], int64(classUID)*100+int64(act))
	}
	applied := map[string]bool{}
	if md, ok := ev["metadata"].(map[string]any); ok {
		if v, _ := md["version"].(string); v != s.version {
			bad("metadata.version %q, want %s", v, s.version)
		}
		if ps, ok := md["profiles"].([]any); ok {
			for _, p := range ps {
				name, _ := p.(string)
				if !cls.profiles[name] {
					bad("metadata.profiles: %q is not a profile of %s", name, class)
				}
				applied[name] = true
			}
		}
	}
	s.validateObject(cls, ev, "", applied, &errs)
	return errs
}

func (s *ocsfSchema) validateObject(r *resolved, v map[string]any, path string, applied map[string]bool, errs *[]string) {
	bad := func(format string, a ...any) { *errs = append(*errs, fmt.Sprintf(format, a...)) }
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a, ok := r.attrs[k]
		if !ok {
			bad("%s%s: not an attribute of %s", path, k, r.name)
			continue
		}
		if a.Profile != "" && !applied[a.Profile] && r.profiles[a.Profile] && path == "" {
			// An attribute of a profile the event does not declare.
			bad("%s%s: belongs to profile %s, not in metadata.profiles", path, k, a.Profile)
		}
		s.validateValue(a, v[k], path+k, v, applied, errs)
	}
	for name, a := range r.attrs {
		if a.Requirement != "required" {
			continue
		}
		if a.Profile != "" && !applied[a.Profile] {
			continue
		}
		if _, ok := v[name]; !ok {
			bad("%s%s: required by %s, missing", path, name, r.name)
		}
	}
	for kind, names := range r.constraints {
		n := 0
		for _, name := range names {
			if _, ok := v[name]; ok {
				n++
			}
		}
		switch kind {
		case "at_least_one":
			if n == 0 {
				bad("%s: %s needs at least one of %v", strings.TrimSuffix(path, "."), r.name, names)
			}
		case "just_one":
			if n != 1 {
				bad("%s: %s needs exactly one of %v", strings.TrimSuffix(path, "."), r.name, names)
			}
		}
	}
}

func (s *ocsfSchema) validateValue(a ocsfAttr, val any, path string, parent map[string]any, applied map[string]bool, errs *[]string) {
	bad := func(format string, args ...any) { *errs = append(*errs, fmt.Sprintf(format, args...)) }
	if a.IsArray {
		l, ok := val.([]any)
		if !ok {
			bad("%s: want an array of %s, got %T", path, a.Type, val)
			return
		}
		one := a
		one.IsArray = false
		for i, e := range l {
			s.validateValue(one, e, fmt.Sprintf("%s[%d]", path, i), parent, applied, errs)
		}
		return
	}
	if val == nil {
		bad("%s: null", path)
		return
	}
	if _, scalar := s.types[a.Type]; !scalar {
		m, ok := val.(map[string]any)
		if !ok {
			bad("%s: want a %s object, got %T", path, a.Type, val)
			return
		}
		if a.Type == "object" {
			return // any object
		}
		obj, err := s.object(a.Type)
		if err != nil {
			bad("%s: %v", path, err)
			return
		}
		s.validateObject(obj, m, path+".", applied, errs)
		return
	}
	s.validateScalar(a.Type, val, path, errs)
	if a.Enum != nil {
		n, ok := val.(float64)
		if !ok {
			bad("%s: enum value %v is not a number", path, val)
			return
		}
		key := strconv.FormatInt(int64(n), 10)
		raw, ok := a.Enum[key]
		if !ok {
			bad("%s: %s is not one of the enum ids %v", path, key, enumKeys(a.Enum))
			return
		}
		if a.Sibling != "" && key != "99" {
			var e struct{ Caption string }
			_ = json.Unmarshal(raw, &e)
			if sib, ok := parent[a.Sibling]; ok && sib != e.Caption {
				bad("%s: sibling %s is %q, want the caption %q of id %s", path, a.Sibling, sib, e.Caption, key)
			}
		}
	}
}

func enumKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// validateScalar checks a value of a dictionary data type, following the
// type's base types ("timestamp_t" is a "long_t", "datetime_t" a
// "string_t" with a regex).
func (s *ocsfSchema) validateScalar(typ string, val any, path string, errs *[]string) {
	bad := func(format string, args ...any) { *errs = append(*errs, fmt.Sprintf(format, args...)) }
	for t := typ; t != ""; {
		def := s.types[t]
		if def == nil {
			bad("%s: unknown type %s", path, t)
			return
		}
		switch t {
		case "string_t":
			str, ok := val.(string)
			if !ok {
				bad("%s: want a string (%s), got %T", path, typ, val)
				return
			}
			if def.MaxLen > 0 && len(str) > def.MaxLen {
				bad("%s: longer than %d", path, def.MaxLen)
			}
		case "integer_t", "long_t":
			n, ok := val.(float64)
			if !ok || n != math.Trunc(n) {
				bad("%s: want an integer (%s), got %v", path, typ, val)
				return
			}
			if t == "integer_t" && (n > math.MaxInt32 || n < math.MinInt32) {
				bad("%s: %v out of integer_t range", path, n)
			}
		case "float_t":
			if _, ok := val.(float64); !ok {
				bad("%s: want a number, got %T", path, val)
				return
			}
		case "boolean_t":
			if _, ok := val.(bool); !ok {
				bad("%s: want a boolean, got %T", path, val)
				return
			}
		case "json_t":
			return
		}
		if def.re != nil {
			if str, ok := val.(string); ok && !def.re.MatchString(str) {
				bad("%s: %q does not match the %s pattern", path, str, t)
			}
		}
		if def.MaxLen > 0 && t != "string_t" {
			if str, ok := val.(string); ok && len(str) > def.MaxLen {
				bad("%s: longer than %d (%s)", path, def.MaxLen, t)
			}
		}
		if len(def.Range) == 2 {
			if n, ok := val.(float64); ok && (int64(n) < def.Range[0] || int64(n) > def.Range[1]) {
				bad("%s: %v out of range %v", path, n, def.Range)
			}
		}
		t = def.Type
	}
}

var (
	ocsfOnce   *ocsfSchema
	ocsfOnceEr error
)

// ocsf120 is the OCSF 1.2.0 schema source in testdata/schemas.
func ocsf120(t testing.TB) *ocsfSchema {
	t.Helper()
	if ocsfOnce == nil && ocsfOnceEr == nil {
		ocsfOnce, ocsfOnceEr = loadOCSF(filepath.Join("..", "..", "testdata", "schemas", "ocsf-1.2.0"))
	}
	if ocsfOnceEr != nil {
		t.Fatal(ocsfOnceEr)
	}
	if ocsfOnce.version != "1.2.0" {
		t.Fatalf("schema version %s", ocsfOnce.version)
	}
	return ocsfOnce
}
