package integration

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/store"
)

// createTable creates the findings table of the deployment contract
// (pk S, sk S) in the emulator's DynamoDB.
func createTable(ctx context.Context, t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	db := dynamodb.NewFromConfig(emu.sdkConfig())
	name := "warden-findings-" + randomID()[:8]
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String(store.AttrPK), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String(store.AttrSK), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(store.AttrPK), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(store.AttrSK), KeyType: ddbtypes.KeyTypeRange},
		},
		BillingMode: ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return db, name
}

// queryPK returns the items of one partition, as plain maps of strings.
func queryPK(ctx context.Context, t *testing.T, db *dynamodb.Client, table, pk string) []map[string]string {
	t.Helper()
	out, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": store.AttrPK},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": &ddbtypes.AttributeValueMemberS{Value: pk}},
	})
	if err != nil {
		t.Fatalf("Query %s: %v", pk, err)
	}
	var items []map[string]string
	for _, it := range out.Items {
		m := map[string]string{}
		for k, v := range it {
			switch x := v.(type) {
			case *ddbtypes.AttributeValueMemberS:
				m[k] = x.Value
			case *ddbtypes.AttributeValueMemberN:
				m[k] = x.Value
			}
		}
		items = append(items, m)
	}
	return items
}

// alertTopic is an SNS topic with an SQS queue subscribed, to read what was
// published.
type alertTopic struct {
	ARN      string
	queueURL string
	sqs      *sqs.Client
}

func newAlertTopic(ctx context.Context, t *testing.T) *alertTopic {
	t.Helper()
	cfg := emu.sdkConfig()
	c := sns.NewFromConfig(cfg)
	suffix := randomID()[:8]
	topic, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("warden-alerts-" + suffix)})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	q := sqs.NewFromConfig(cfg)
	url, arn := newQueue(ctx, t, q, "warden-alerts-"+suffix)
	if _, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn)}); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(func() { _, _ = c.DeleteTopic(context.Background(), &sns.DeleteTopicInput{TopicArn: topic.TopicArn}) })
	return &alertTopic{ARN: aws.ToString(topic.TopicArn), queueURL: url, sqs: q}
}

// received is one alert read from the subscribed queue.
type received struct {
	Subject    string
	Alert      action.Alert
	Raw        string
	Attributes map[string]string
}

// drain reads every alert delivered within wait (SNS delivery to the
// subscribed queue is synchronous in kumo; wait covers a slower one).
func (a *alertTopic) drain(ctx context.Context, t *testing.T, wait time.Duration) []received {
	t.Helper()
	var out []received
	end := time.Now().Add(wait)
	for {
		res, err := a.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(a.queueURL), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		for _, m := range res.Messages {
			var env struct {
				Type              string
				Subject           string
				Message           string
				MessageAttributes map[string]struct{ Type, Value string }
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil || env.Type != "Notification" {
				t.Errorf("not an SNS notification: %v %s", err, aws.ToString(m.Body))
				continue
			}
			r := received{Subject: env.Subject, Raw: env.Message, Attributes: map[string]string{}}
			for k, v := range env.MessageAttributes {
				r.Attributes[k] = v.Value
			}
			if err := json.Unmarshal([]byte(env.Message), &r.Alert); err != nil {
				t.Errorf("alert body is not JSON: %v %s", err, env.Message)
			}
			out = append(out, r)
			_, _ = a.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(a.queueURL), ReceiptHandle: m.ReceiptHandle})
		}
		if len(res.Messages) == 0 {
			if time.Now().After(end) {
				return out
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func sqsClient(cfg aws.Config) *sqs.Client { return sqs.NewFromConfig(cfg) }
