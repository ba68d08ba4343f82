package output

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/secretwarden/warden/internal/asff"
	"github.com/secretwarden/warden/internal/finding"
)

// asffFindings writes a BatchImportFindings request, {"Findings": [...]},
// each finding rendered by the mapper the Lambdas import with (asff.Map:
// AwsAccountId is the secret's account). Every finding is exported: passes
// are how Security Hub learns a control passes. AWS accepts at most 100
// findings per BatchImportFindings call: split larger files
// (docs/dashboards.md shows how). A finding whose secret ARN is not one
// (an entry without an ARN) cannot be an ASFF resource: it is left out and
// Close reports it, after the document is written.
type asffFindings struct {
	w       io.Writer
	now     time.Time
	count   int
	skipped []string // findings without a secret ARN: no ASFF resource
}

func newASFFFindings(w io.Writer, o Options) *asffFindings {
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	return &asffFindings{w: w, now: now}
}

func (a *asffFindings) Write(batch []finding.Finding) error {
	for i := range batch {
		m, err := asff.Map(batch[i], a.now)
		if err != nil {
			a.skipped = append(a.skipped, err.Error())
			continue
		}
		v, _ := compact(reflect.ValueOf(m))
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return fmt.Errorf("encode asff finding: %w", err)
		}
		sep := ",\n  "
		if a.count == 0 {
			sep = "{\"Findings\": [\n  "
		}
		a.count++
		if _, err := fmt.Fprintf(a.w, "%s%s", sep, b); err != nil {
			return fmt.Errorf("write asff finding: %w", err)
		}
	}
	return nil
}

func (a *asffFindings) Close(*finding.Summary) error {
	end := "\n]}\n"
	if a.count == 0 {
		end = "{\"Findings\": []}\n"
	}
	if _, err := io.WriteString(a.w, end); err != nil {
		return fmt.Errorf("write asff: %w", err)
	}
	if len(a.skipped) > 0 {
		return fmt.Errorf("asff: %d finding(s) left out, first: %s", len(a.skipped), a.skipped[0])
	}
	return nil
}

// compact turns an AWS SDK value into what its JSON wire form holds: the
// SDK's structs carry no JSON tags and keep unset fields as nil pointers,
// empty strings (enums) and nil slices, which ASFF refuses as null or "".
// Field names are the SDK's, which are ASFF's. ok is false for an unset
// value.
func compact(v reflect.Value) (out any, ok bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return compact(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			if c, ok := compact(v.Field(i)); ok {
				m[t.Field(i).Name] = c
			}
		}
		return m, len(m) > 0
	case reflect.Slice:
		if v.Len() == 0 {
			return nil, false
		}
		l := make([]any, 0, v.Len())
		for i := range v.Len() {
			if c, ok := compact(v.Index(i)); ok {
				l = append(l, c)
			}
		}
		return l, len(l) > 0
	case reflect.Map:
		if v.Len() == 0 {
			return nil, false
		}
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			if c, ok := compact(it.Value()); ok {
				m[fmt.Sprint(it.Key().Interface())] = c
			}
		}
		return m, len(m) > 0
	case reflect.String:
		return v.String(), v.Len() > 0
	}
	return v.Interface(), true
}
