// Package durablequeue provides an SQS queue with a dead-letter queue, both
// encrypted with a customer-managed KMS key and SSL-only, and the alarms
// that say when messages pile up or fail.
package durablequeue

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures a DurableQueue.
type Props struct {
	// Key encrypts both queues (required).
	Key awskms.IKey
	// VisibilityTimeout of the main queue; at least the consumer's timeout
	// (AWS recommends six times the Lambda timeout for SQS event sources).
	VisibilityTimeout awscdk.Duration
	// MaxReceiveCount is how many receives before a message moves to the DLQ (default 5).
	MaxReceiveCount float64
	// OldestMessageAlarmAfter raises the age alarm when the oldest message is
	// older than this (default 15 minutes).
	OldestMessageAlarmAfter awscdk.Duration
	// AlarmActions are attached to both alarms (e.g. an SNS action).
	AlarmActions []awscloudwatch.IAlarmAction
}

// DurableQueue is a main queue, its DLQ and their alarms.
type DurableQueue struct {
	constructs.Construct
	// Queue is the main queue.
	Queue awssqs.Queue
	// DeadLetterQueue receives messages that failed MaxReceiveCount times.
	DeadLetterQueue awssqs.Queue
	// DLQDepthAlarm fires as soon as one message is in the DLQ.
	DLQDepthAlarm awscloudwatch.Alarm
	// OldestMessageAlarm fires when the main queue is not drained in time.
	OldestMessageAlarm awscloudwatch.Alarm
}

// New creates the queues and alarms under scope.
func New(scope constructs.Construct, id string, p Props) *DurableQueue {
	c := constructs.NewConstruct(scope, jsii.String(id))
	if p.MaxReceiveCount == 0 {
		p.MaxReceiveCount = 5
	}
	if p.OldestMessageAlarmAfter == nil {
		p.OldestMessageAlarmAfter = awscdk.Duration_Minutes(jsii.Number(15))
	}
	dlq := awssqs.NewQueue(c, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: p.Key,
		EnforceSSL:          jsii.Bool(true),
		RetentionPeriod:     awscdk.Duration_Days(jsii.Number(14)),
	})
	q := awssqs.NewQueue(c, jsii.String("Queue"), &awssqs.QueueProps{
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: p.Key,
		// Data keys are reused for 5 minutes: fewer KMS calls under bursts.
		DataKeyReuse:      awscdk.Duration_Minutes(jsii.Number(5)),
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: p.VisibilityTimeout,
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(4)),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: jsii.Number(p.MaxReceiveCount),
		},
	})

	dlqAlarm := dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Period:    awscdk.Duration_Minutes(jsii.Number(5)),
		Statistic: jsii.String("Maximum"),
	}).CreateAlarm(c, jsii.String("DeadLetterQueueDepthAlarm"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription:   jsii.String(id + ": messages in the dead-letter queue (processing failed repeatedly); inspect and redrive"),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	ageAlarm := q.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{
		Period:    awscdk.Duration_Minutes(jsii.Number(5)),
		Statistic: jsii.String("Maximum"),
	}).CreateAlarm(c, jsii.String("OldestMessageAgeAlarm"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription:   jsii.String(id + ": the oldest message waits too long (consumer failing, throttled or too slow)"),
		Threshold:          p.OldestMessageAlarmAfter.ToSeconds(nil),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	for _, a := range p.AlarmActions {
		dlqAlarm.AddAlarmAction(a)
		ageAlarm.AddAlarmAction(a)
	}
	return &DurableQueue{Construct: c, Queue: q, DeadLetterQueue: dlq, DLQDepthAlarm: dlqAlarm, OldestMessageAlarm: ageAlarm}
}
