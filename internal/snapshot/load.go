package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
)

// FileError is a problem with one snapshot file: its path and what is wrong.
type FileError struct {
	// Path is the file.
	Path string
	// Field is the JSON path of the offending field, when known.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error formats "path: field: msg".
func (e *FileError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Path, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// check validates a decoded document: an unsupported schema version
// refuses it whole; an account without Id and a key without Arn or KeyId
// are dropped, each a problem.
func (s *Snapshot) check(name string) (problems []*FileError, err error) {
	if s.SchemaVersion != "" && s.SchemaVersion != SchemaVersion {
		return nil, &FileError{Path: name, Field: "schema_version", Msg: fmt.Sprintf("unsupported %q (want %s)", s.SchemaVersion, SchemaVersion)}
	}
	accounts := s.Accounts[:0]
	for i := range s.Accounts {
		if s.Accounts[i].ID == "" {
			problems = append(problems, &FileError{Path: name, Field: fmt.Sprintf("accounts[%d].Id", i), Msg: "missing"})
			continue
		}
		accounts = append(accounts, s.Accounts[i])
	}
	s.Accounts = accounts
	keys := s.Keys[:0]
	for i := range s.Keys {
		if s.Keys[i].Arn == "" && s.Keys[i].KeyID == "" {
			problems = append(problems, &FileError{Path: name, Field: fmt.Sprintf("keys[%d]", i), Msg: "needs Arn or KeyId"})
			continue
		}
		keys = append(keys, s.Keys[i])
	}
	s.Keys = keys
	return problems, nil
}

// merge folds part (read from name) into s.
func (s *Snapshot) merge(part *Snapshot, name string) error {
	if part.SchemaVersion != "" {
		s.SchemaVersion = part.SchemaVersion
	}
	if part.TakenAt.After(s.TakenAt.Time) {
		s.TakenAt = part.TakenAt
	}
	if part.Organization.ID != "" {
		if s.Organization.ID != "" && s.Organization.ID != part.Organization.ID {
			return &FileError{Path: name, Field: "organization.Id", Msg: fmt.Sprintf("%q conflicts with %q from another file", part.Organization.ID, s.Organization.ID)}
		}
		s.Organization = part.Organization
	}
	s.Accounts = append(s.Accounts, part.Accounts...)
	s.Keys = append(s.Keys, part.Keys...)
	s.Aliases = append(s.Aliases, part.Aliases...)
	setSources(part.Secrets, name)
	if s.Secrets == nil && len(part.Secrets) > 0 {
		s.Secrets = part.Secrets // the first file with secrets: no copy
	} else {
		s.Secrets = append(s.Secrets, part.Secrets...)
	}
	return nil
}

// setSources sets each entry's Source to "name#secrets[i]". The names are
// substrings of one string: one allocation, not one per secret.
func setSources(secrets []SecretEntry, name string) {
	if len(secrets) == 0 {
		return
	}
	prefix := name + "#secrets["
	buf := make([]byte, 0, len(secrets)*(len(prefix)+8))
	ends := make([]int, len(secrets))
	for i := range secrets {
		buf = append(buf, prefix...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ']')
		ends[i] = len(buf)
	}
	all := string(buf)
	start := 0
	for i := range secrets {
		secrets[i].Source = all[start:ends[i]]
		start = ends[i]
	}
}
