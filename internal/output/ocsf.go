package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/secretwarden/warden/internal/asff"
	"github.com/secretwarden/warden/internal/finding"
)

// OCSF identifiers of the events written (OCSF 1.2.0, category Findings).
const (
	OCSFVersion      = "1.2.0"
	OCSFCategoryUID  = 2    // Findings
	OCSFClassUID     = 2003 // Compliance Finding: category_uid*1000 + class uid
	OCSFResourceType = "AWS::SecretsManager::Secret"
	ocsfStandard     = "Secret Warden policies"
)

// ocsfEvent is a Compliance Finding (class_uid 2003) of OCSF 1.2.0.
type ocsfEvent struct {
	ActivityID     int    `json:"activity_id"`
	ActivityName   string `json:"activity_name"`
	CategoryUID    int    `json:"category_uid"`
	CategoryName   string `json:"category_name"`
	ClassUID       int    `json:"class_uid"`
	ClassName      string `json:"class_name"`
	TypeUID        int    `json:"type_uid"`
	TypeName       string `json:"type_name"`
	SeverityID     int    `json:"severity_id"`
	Severity       string `json:"severity"`
	StatusID       int    `json:"status_id"`
	Status         string `json:"status"`
	StatusDetail   string `json:"status_detail,omitempty"`
	Time           int64  `json:"time"`
	TimezoneOffset int    `json:"timezone_offset"`
	Message        string `json:"message"`

	Metadata    ocsfMetadata     `json:"metadata"`
	Cloud       ocsfCloud        `json:"cloud"`
	FindingInfo ocsfFindingInfo  `json:"finding_info"`
	Compliance  ocsfCompliance   `json:"compliance"`
	Remediation *ocsfRemediation `json:"remediation,omitempty"`
	Resource    ocsfResource     `json:"resource"`
	Unmapped    map[string]any   `json:"unmapped,omitempty"`
}

type ocsfMetadata struct {
	Version  string      `json:"version"`
	Product  ocsfProduct `json:"product"`
	Profiles []string    `json:"profiles"`
	UID      string      `json:"uid"`
	LogName  string      `json:"log_name"`
}

type ocsfProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version,omitempty"`
	URL        string `json:"url_string"`
}

type ocsfCloud struct {
	Provider string      `json:"provider"`
	Region   string      `json:"region,omitempty"`
	Account  ocsfAccount `json:"account"`
}

type ocsfAccount struct {
	UID    string `json:"uid"`
	Name   string `json:"name,omitempty"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

type ocsfFindingInfo struct {
	UID           string   `json:"uid"`
	Title         string   `json:"title"`
	Desc          string   `json:"desc,omitempty"`
	Types         []string `json:"types"`
	CreatedTime   int64    `json:"created_time"`
	ModifiedTime  int64    `json:"modified_time"`
	FirstSeenTime int64    `json:"first_seen_time"`
	LastSeenTime  int64    `json:"last_seen_time"`
}

type ocsfCompliance struct {
	Standards    []string `json:"standards"`
	Requirements []string `json:"requirements,omitempty"`
	Control      string   `json:"control"`
	StatusID     int      `json:"status_id,omitempty"`
	Status       string   `json:"status,omitempty"`
	StatusDetail string   `json:"status_detail,omitempty"`
}

type ocsfRemediation struct {
	Desc string `json:"desc"`
}

type ocsfResource struct {
	UID            string `json:"uid"`
	Name           string `json:"name,omitempty"`
	Type           string `json:"type"`
	Region         string `json:"region,omitempty"`
	CloudPartition string `json:"cloud_partition,omitempty"`
}

// ocsfSeverity maps a severity to OCSF's severity_id and caption.
func ocsfSeverity(s string) (int, string) {
	switch s {
	case "critical":
		return 5, "Critical"
	case "high":
		return 4, "High"
	case "medium":
		return 3, "Medium"
	case "low":
		return 2, "Low"
	case "info":
		return 1, "Informational"
	}
	return 0, "Unknown"
}

// ocsfMillis is an OCSF timestamp_t: milliseconds since the epoch.
func ocsfMillis(t time.Time) int64 { return t.UnixMilli() }

// ocsfEventOf renders a finding as an OCSF 1.2.0 Compliance Finding:
//
//   - compliance.status_id: fail and exempt → 3 Fail, pass → 1 Pass, error
//     → 2 Warning ("did not yield a result due to missing information");
//     not_applicable has none (status_detail says why);
//   - the finding's status_id: 1 New (fail, error), 3 Suppressed (exempt),
//     4 Resolved (pass, not_applicable);
//   - activity: 1 Create when first seen now, 2 Update after, 3 Close for
//     not_applicable;
//   - finding_info.uid is the ASFF Id (stable per secret and policy).
func ocsfEventOf(f *finding.Finding, toolVersion string) *ocsfEvent {
	sevID, sev := ocsfSeverity(f.Severity)
	first, last := f.FirstSeen, f.LastSeen
	if first.IsZero() || first.After(last) {
		first = last
	}
	activity, activityName := 1, "Create"
	if last.After(first) {
		activity, activityName = 2, "Update"
	}
	statusID, status := 1, "New"
	comp := ocsfCompliance{Standards: []string{ocsfStandard}, Requirements: f.Controls, Control: f.PolicyID}
	switch f.Status {
	case finding.StatusFail:
		comp.StatusID, comp.Status = 3, "Fail"
	case finding.StatusExempt:
		comp.StatusID, comp.Status = 3, "Fail"
		statusID, status = 3, "Suppressed"
	case finding.StatusPass:
		comp.StatusID, comp.Status = 1, "Pass"
		statusID, status = 4, "Resolved"
	case finding.StatusError:
		comp.StatusID, comp.Status = 2, "Warning"
	case finding.StatusNotApplicable:
		statusID, status = 4, "Resolved"
		activity, activityName = 3, "Close"
	}
	comp.StatusDetail = string(f.Status) + ": " + f.Message
	if len(comp.Requirements) == 0 {
		comp.Requirements = nil
	}
	partition := ""
	if p, _, ok := strings.Cut(strings.TrimPrefix(f.SecretARN, "arn:"), ":"); ok && strings.HasPrefix(f.SecretARN, "arn:") {
		partition = p
	}
	title := f.Title
	if title == "" {
		title = f.PolicyID
	}
	e := &ocsfEvent{
		ActivityID: activity, ActivityName: activityName,
		CategoryUID: OCSFCategoryUID, CategoryName: "Findings",
		ClassUID: OCSFClassUID, ClassName: "Compliance Finding",
		TypeUID: OCSFClassUID*100 + activity, TypeName: "Compliance Finding: " + activityName,
		SeverityID: sevID, Severity: sev,
		StatusID: statusID, Status: status, StatusDetail: string(f.Status),
		Time: ocsfMillis(last), Message: f.Message,
		Metadata: ocsfMetadata{
			Version:  OCSFVersion,
			Product:  ocsfProduct{Name: ToolName, VendorName: ToolName, Version: toolVersion, URL: ToolURI},
			Profiles: []string{"cloud"},
			UID:      Fingerprint(f.PolicyID, f.SecretARN),
			LogName:  "posture",
		},
		Cloud: ocsfCloud{Provider: "AWS", Region: f.Region,
			Account: ocsfAccount{UID: f.AccountID, Name: f.AccountName, TypeID: 10, Type: "AWS Account"}},
		FindingInfo: ocsfFindingInfo{
			UID: asff.FindingID(*f), Title: title, Desc: f.Message, Types: []string{f.PolicyID},
			CreatedTime: ocsfMillis(first), ModifiedTime: ocsfMillis(last),
			FirstSeenTime: ocsfMillis(first), LastSeenTime: ocsfMillis(last),
		},
		Compliance: comp,
		Resource: ocsfResource{UID: f.SecretARN, Name: f.SecretName, Type: OCSFResourceType, Region: f.Region,
			CloudPartition: partition},
	}
	if f.Remediation != "" {
		e.Remediation = &ocsfRemediation{Desc: f.Remediation}
	}
	unmapped := map[string]any{}
	for k, v := range map[string]string{"ou_path": f.OuPath, "exception": f.Exception, "exception_expires": f.ExceptionExpires} {
		if v != "" {
			unmapped[k] = v
		}
	}
	if len(unmapped) > 0 {
		e.Unmapped = map[string]any{"secretwarden": unmapped}
	}
	return e
}

// ocsfFindings writes one OCSF event per line (JSON Lines, the shape SIEMs
// and Security Lake custom-source pipelines ingest), every finding
// included.
type ocsfFindings struct {
	w       io.Writer
	version string
	buf     []byte
}

func (o *ocsfFindings) Write(batch []finding.Finding) error {
	buf := o.buf[:0]
	for i := range batch {
		b, err := json.Marshal(ocsfEventOf(&batch[i], o.version))
		if err != nil {
			return fmt.Errorf("encode ocsf event: %w", err)
		}
		buf = append(append(buf, b...), '\n')
		if len(buf) >= flushAt {
			if err := writeSome(o.w, buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	o.buf = buf[:0]
	return writeSome(o.w, buf)
}

func (o *ocsfFindings) Close(*finding.Summary) error { return nil }
