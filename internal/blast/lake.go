package blast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	smithytime "github.com/aws/smithy-go/time"

	"github.com/secretwarden/warden/internal/event"
)

// StartQueryAPI is CloudTrail StartQuery.
type StartQueryAPI interface {
	StartQuery(ctx context.Context, in *cloudtrail.StartQueryInput, opts ...func(*cloudtrail.Options)) (*cloudtrail.StartQueryOutput, error)
}

// GetQueryResultsAPI is CloudTrail GetQueryResults (the SDK paginator's
// client).
type GetQueryResultsAPI interface {
	GetQueryResults(ctx context.Context, in *cloudtrail.GetQueryResultsInput, opts ...func(*cloudtrail.Options)) (*cloudtrail.GetQueryResultsOutput, error)
}

// LakeAPI is the CloudTrail Lake calls a query makes; *cloudtrail.Client
// satisfies it.
type LakeAPI interface {
	StartQueryAPI
	GetQueryResultsAPI
}

// Lake queries a CloudTrail Lake event data store
// (WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE): one SQL query over every
// account and region it collects (CloudTrail User Guide, "Query CloudTrail
// Lake"; API Reference, "StartQuery" and "GetQueryResults").
type Lake struct {
	// ARN is the event data store.
	ARN string
	// API is a client in the event data store's region.
	API LakeAPI
	// Poll is how often a running query's status is read (default 2 s).
	Poll time.Duration
	// Sleep waits between polls (default: a context-aware timer).
	Sleep func(ctx context.Context, d time.Duration) error
}

// lakeTime is the eventTime literal CloudTrail Lake compares with.
const lakeTime = "2006-01-02 15:04:05"

// DataStoreID is the id of an event data store ARN (the FROM of its SQL).
func DataStoreID(storeARN string) (string, error) {
	a, err := arn.Parse(storeARN)
	if err != nil {
		return "", fmt.Errorf("parse event data store ARN: %w", err)
	}
	id, ok := strings.CutPrefix(a.Resource, "eventdatastore/")
	if !ok || id == "" || strings.ContainsAny(id, " '\"\\;") {
		return "", fmt.Errorf("parse event data store ARN: %q is not an event data store", storeARN)
	}
	return id, nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Columns of the query, in order.
var lakeColumns = []string{"eventID", "eventTime", "eventName", "recipientAccountId", "awsRegion",
	"principalId", "arn", "accessKeyId", "issuerArn", "secretId", "secretIdList"}

// SQL is the query of the principal's successful value reads in [from, to].
func SQL(storeID string, keys []string, from, to time.Time) (string, error) {
	var lits []string
	for _, k := range keys {
		if strings.ContainsAny(k, "\x00\n\r") {
			return "", fmt.Errorf("principal identifier %q holds a control character", k)
		}
		lits = append(lits, sqlString(k))
	}
	if len(lits) == 0 {
		return "", errors.New("no principal identifier")
	}
	in := "(" + strings.Join(lits, ", ") + ")"
	return "SELECT eventID, eventTime, eventName, recipientAccountId, awsRegion, " +
		"userIdentity.principalid AS principalId, userIdentity.arn AS arn, userIdentity.accesskeyid AS accessKeyId, " +
		"userIdentity.sessioncontext.sessionissuer.arn AS issuerArn, " +
		"element_at(requestParameters, 'secretId') AS secretId, element_at(requestParameters, 'secretIdList') AS secretIdList " +
		"FROM " + storeID + " " +
		"WHERE eventSource = 'secretsmanager.amazonaws.com' " +
		"AND eventName IN ('GetSecretValue', 'BatchGetSecretValue') " +
		"AND errorCode IS NULL " +
		"AND eventTime >= " + sqlString(from.UTC().Format(lakeTime)) + " AND eventTime <= " + sqlString(to.UTC().Format(lakeTime)) + " " +
		"AND (userIdentity.principalid IN " + in + " OR userIdentity.arn IN " + in +
		" OR userIdentity.accesskeyid IN " + in + " OR userIdentity.sessioncontext.sessionissuer.arn IN " + in + ")", nil
}

// Query runs the query and returns the secrets read.
func (l *Lake) Query(ctx context.Context, keys []string, from, to time.Time) ([]string, Coverage, error) {
	cov := Coverage{Source: SourceLake, From: from, To: to, Where: "event data store " + l.ARN,
		Note: "as far back as the event data store's retention goes"}
	id, err := DataStoreID(l.ARN)
	if err != nil {
		return nil, cov, err
	}
	sql, err := SQL(id, keys, from, to)
	if err != nil {
		return nil, cov, fmt.Errorf("build CloudTrail Lake query: %w", err)
	}
	started, err := l.API.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(sql)})
	if err != nil {
		return nil, cov, fmt.Errorf("start CloudTrail Lake query: %w", err)
	}
	qid := started.QueryId
	poll := l.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	sleep := l.Sleep
	if sleep == nil {
		sleep = smithytime.SleepWithContext
	}
	var first *cloudtrail.GetQueryResultsOutput
	for {
		out, err := l.API.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: qid})
		if err != nil {
			return nil, cov, fmt.Errorf("read CloudTrail Lake query %s: %w", aws.ToString(qid), err)
		}
		switch out.QueryStatus {
		case cttypes.QueryStatusFinished:
			first = out
		case cttypes.QueryStatusQueued, cttypes.QueryStatusRunning:
			if err := sleep(ctx, poll); err != nil {
				return nil, cov, fmt.Errorf("wait for CloudTrail Lake query %s: %w", aws.ToString(qid), err)
			}
			continue
		default:
			return nil, cov, fmt.Errorf("CloudTrail Lake query %s %s: %s", aws.ToString(qid), out.QueryStatus, aws.ToString(out.ErrorMessage))
		}
		break
	}
	var found collector
	rows := first.QueryResultRows
	if aws.ToString(first.NextToken) != "" {
		p := cloudtrail.NewGetQueryResultsPaginator(l.API, &cloudtrail.GetQueryResultsInput{QueryId: qid, NextToken: first.NextToken})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, cov, fmt.Errorf("read CloudTrail Lake query %s: %w", aws.ToString(qid), err)
			}
			rows = append(rows, page.QueryResultRows...)
		}
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	for _, row := range rows {
		ev := lakeEvent(row)
		if matches(&ev, want) {
			found.add(secretsOf(&ev)...)
		}
	}
	cov.Note = fmt.Sprintf("%d row(s); %s", len(rows), cov.Note)
	return found.list(), cov, nil
}

// lakeEvent turns a result row (a list of one-column maps) into an event.
func lakeEvent(row []map[string]string) event.Event {
	col := map[string]string{}
	for _, cell := range row {
		for k, v := range cell {
			col[k] = v
		}
	}
	ev := event.Event{
		ID: col["eventID"], Name: col["eventName"], Kind: event.KindAPICall, Source: event.SourceSecretsManager,
		AccountID: col["recipientAccountId"], Region: col["awsRegion"],
		Actor: event.Actor{PrincipalID: col["principalId"], ARN: col["arn"], AccessKeyID: col["accessKeyId"], PrincipalARN: col["issuerArn"]},
	}
	if ev.Actor.PrincipalARN == "" {
		ev.Actor.PrincipalARN = ev.Actor.ARN
	}
	if s := col["secretId"]; s != "" {
		ev.Secret = event.NewSecretRef(s)
	}
	if list := col["secretIdList"]; strings.HasPrefix(strings.TrimSpace(list), "[") {
		var ids []string
		if json.Unmarshal([]byte(list), &ids) == nil {
			for _, id := range ids {
				ev.Secrets = append(ev.Secrets, event.NewSecretRef(id))
			}
		}
	}
	return ev
}
