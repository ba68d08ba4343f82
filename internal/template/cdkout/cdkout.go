// Package cdkout reads an AWS CDK cloud assembly (the cdk.out directory that
// `cdk synth` writes): its manifest.json, the CloudFormation stacks it lists
// with their environments, and the nested assemblies of CDK stages.
//
// Format: the cloud assembly schema, "cloud-assembly.schema.json" of
// @aws-cdk/cloud-assembly-schema (artifact types aws:cloudformation:stack
// with properties.templateFile, cdk:cloud-assembly with
// properties.directoryName; environment "aws://ACCOUNT/REGION", with
// unknown-account / unknown-region for environment-agnostic stacks), as
// written by aws-cdk-lib's CloudAssemblyBuilder.
package cdkout

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// ManifestFile is the name of an assembly's manifest.
const ManifestFile = "manifest.json"

// Artifact types of the cloud assembly schema that this package reads.
const (
	typeStack    = "aws:cloudformation:stack"
	typeAssembly = "cdk:cloud-assembly"
)

// Unknown environment parts of an environment-agnostic stack.
const (
	unknownAccount = "unknown-account"
	unknownRegion  = "unknown-region"
)

// maxNesting bounds nested assemblies (stages in stages).
const maxNesting = 16

// Stack is one CloudFormation stack of an assembly.
type Stack struct {
	// ArtifactID is the stack's id in its manifest.
	ArtifactID string
	// Name is the stack name CloudFormation will use (properties.stackName,
	// else the artifact id).
	Name string
	// Template is the path of its template (the assembly directory joined
	// with properties.templateFile).
	Template string
	// Account and Region come from the environment; empty when the stack
	// is environment-agnostic.
	Account, Region string
	// Parameters are the stack parameters the manifest sets
	// (properties.parameters).
	Parameters map[string]string
	// Stage names the nested assembly (CDK stage) the stack is in, e.g.
	// "Prod" or "Prod/Blue"; empty for the top level.
	Stage string
}

// ReadFile reads a file of the assembly (bounded by the caller).
type ReadFile func(path string) ([]byte, error)

// Read lists the stacks of the assembly in dir and of every nested
// assembly, in manifest order (artifact ids sorted), and the directories of
// the assemblies it read (dir first).
func Read(dir string, read ReadFile) (stacks []Stack, dirs []string, err error) {
	seen := map[string]bool{}
	if err := readAssembly(dir, "", read, &stacks, seen, 0); err != nil {
		return nil, nil, err
	}
	dirs = make([]string, 0, len(seen))
	dirs = append(dirs, filepath.Clean(dir))
	for d := range seen {
		if d != filepath.Clean(dir) {
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs[1:])
	return stacks, dirs, nil
}

type manifest struct {
	Version   string              `json:"version"`
	Artifacts map[string]artifact `json:"artifacts"`
}

type artifact struct {
	Type        string          `json:"type"`
	Environment string          `json:"environment"`
	Properties  json.RawMessage `json:"properties"`
	DisplayName string          `json:"displayName"`
}

type stackProps struct {
	TemplateFile string            `json:"templateFile"`
	StackName    string            `json:"stackName"`
	Parameters   map[string]string `json:"parameters"`
}

type assemblyProps struct {
	DirectoryName string `json:"directoryName"`
	DisplayName   string `json:"displayName"`
}

func readAssembly(dir, stage string, read ReadFile, out *[]Stack, seen map[string]bool, depth int) error {
	mpath := filepath.Join(dir, ManifestFile)
	if depth > maxNesting {
		return fmt.Errorf("%s: nested assemblies deeper than %d", mpath, maxNesting)
	}
	clean := filepath.Clean(dir)
	if seen[clean] {
		return fmt.Errorf("%s: nested assembly %s is listed twice", mpath, dir)
	}
	seen[clean] = true
	data, err := read(mpath)
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%s: not a cloud assembly manifest: %w", mpath, err)
	}
	if m.Version == "" || m.Artifacts == nil {
		return fmt.Errorf("%s: not a cloud assembly manifest (no version or artifacts)", mpath)
	}
	ids := make([]string, 0, len(m.Artifacts))
	for id := range m.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := m.Artifacts[id]
		switch a.Type {
		case typeStack:
			var p stackProps
			if err := json.Unmarshal(a.Properties, &p); err != nil || p.TemplateFile == "" {
				return fmt.Errorf("%s: artifact %s: properties.templateFile missing", mpath, id)
			}
			rel, err := inside(p.TemplateFile)
			if err != nil {
				return fmt.Errorf("%s: artifact %s: templateFile: %w", mpath, id, err)
			}
			s := Stack{ArtifactID: id, Name: p.StackName, Template: filepath.Join(dir, rel), Parameters: p.Parameters, Stage: stage}
			if s.Name == "" {
				s.Name = id
			}
			s.Account, s.Region = environment(a.Environment)
			*out = append(*out, s)
		case typeAssembly:
			var p assemblyProps
			if err := json.Unmarshal(a.Properties, &p); err != nil || p.DirectoryName == "" {
				return fmt.Errorf("%s: artifact %s: properties.directoryName missing", mpath, id)
			}
			rel, err := inside(p.DirectoryName)
			if err != nil {
				return fmt.Errorf("%s: artifact %s: directoryName: %w", mpath, id, err)
			}
			name := p.DisplayName
			if name == "" {
				name = a.DisplayName
			}
			if name == "" {
				name = strings.TrimPrefix(id, "assembly-")
			}
			if err := readAssembly(filepath.Join(dir, rel), name, read, out, seen, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// inside rejects paths that leave the assembly directory.
func inside(p string) (string, error) {
	if filepath.IsAbs(p) {
		return "", fmt.Errorf("%q is absolute", p)
	}
	c := filepath.Clean(p)
	if c == ".." || strings.HasPrefix(c, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q leaves the assembly directory", p)
	}
	return c, nil
}

// environment splits "aws://ACCOUNT/REGION"; unknown parts are empty.
func environment(env string) (account, region string) {
	rest, ok := strings.CutPrefix(env, "aws://")
	if !ok {
		return "", ""
	}
	account, region, _ = strings.Cut(rest, "/")
	if account == unknownAccount {
		account = ""
	}
	if region == unknownRegion {
		region = ""
	}
	return account, region
}

// NestedTemplate is the file of the template of a nested stack
// (AWS::CloudFormation::Stack) that CDK wrote next to its parent: the
// resource's Metadata "aws:asset:path" (set by aws-cdk-lib's NestedStack
// with the asset property "TemplateURL"), relative to the parent template's
// directory. A path that leaves that directory is refused.
func NestedTemplate(parentTemplate string, assetPath string) (string, error) {
	rel, err := inside(assetPath)
	if err != nil {
		return "", fmt.Errorf("aws:asset:path: %w", err)
	}
	return filepath.Join(filepath.Dir(parentTemplate), rel), nil
}

// assetManifest is a cdk:asset-manifest file (<stack>.assets.json).
type assetManifest struct {
	Files map[string]struct {
		Source struct {
			Path string `json:"path"`
		} `json:"source"`
		Destinations map[string]struct {
			ObjectKey string `json:"objectKey"`
		} `json:"destinations"`
	} `json:"files"`
}

// NestedFromAssets finds the template of a nested stack whose resource has
// no aws:asset:path metadata (an app synthesized without asset metadata):
// the file asset, in the asset manifests next to the parent template, whose
// S3 object key one of the TemplateURL's strings contains. ok is false when
// none does.
func NestedFromAssets(parentTemplate string, urlParts []string, read ReadFile) (string, bool, error) {
	dir := filepath.Dir(parentTemplate)
	manifests, err := filepath.Glob(filepath.Join(dir, "*.assets.json"))
	if err != nil {
		return "", false, err
	}
	sort.Strings(manifests)
	for _, mf := range manifests {
		data, err := read(mf)
		if err != nil {
			return "", false, err
		}
		var m assetManifest
		if err := json.Unmarshal(data, &m); err != nil {
			return "", false, fmt.Errorf("%s: not an asset manifest: %w", mf, err)
		}
		ids := make([]string, 0, len(m.Files))
		for id := range m.Files {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			f := m.Files[id]
			for _, d := range f.Destinations {
				if d.ObjectKey == "" {
					continue
				}
				for _, part := range urlParts {
					if strings.Contains(part, d.ObjectKey) {
						rel, err := inside(f.Source.Path)
						if err != nil {
							return "", false, fmt.Errorf("%s: asset %s: %w", mf, id, err)
						}
						return filepath.Join(dir, rel), true, nil
					}
				}
			}
		}
	}
	return "", false, nil
}
