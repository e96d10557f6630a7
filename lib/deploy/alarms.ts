/**
 * Alarms, their SNS topic and the CloudWatch dashboard, generated from the consumer groups of the
 * event catalog (like the IAM policies, lib/deploy/iam.ts): a group added to the catalog gets its
 * alarms and its dashboard row on the next package, with nothing to write by hand.
 *
 * Per consumer group:
 * - dead letters: any `recordsDeadLettered` (the runtime's EMF metric, lib/telemetry/metrics.ts)
 *   in 5 minutes;
 * - lag: Lambda's `OffsetLag` (AWS/Lambda, `FunctionName`, Maximum) above `lagThreshold` for
 *   `lagMinutes` consecutive minutes
 *   (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics);
 * - function errors and throttles (AWS/Lambda `Errors`, `Throttles`), any in 5 minutes.
 * For the HTTP API: the share of 5xx answers (AWS/ApiGateway `5xx` / `Count`, `ApiId`) above
 * `http5xxPercent` over 5 minutes.
 * Every alarm notifies one SNS topic; `alarmEmail`, when set, subscribes that address to it.
 *
 * @example
 * Object.assign(resources, monitoringResources([{ group: CONSUMER_GROUP.inventory, functionName: 'svc-dev-inventory' }], settings));
 */
import { CONSUMER_METRIC } from '../telemetry/metric-names';

/** A consumer group and the deployed name of the function its mapping invokes. */
export interface MonitoredGroup {
  group: string;
  functionName: string;
}

export interface MonitoringSettings {
  /** Service and stage: resource names, and the `service` dimension of the custom metrics. */
  service: string;
  stage: string;
  /** Namespace of the custom (EMF) metrics. */
  namespace: string;
  /** Subscribed to the alarm topic when non-empty. */
  alarmEmail?: string;
  lagThreshold: number;
  lagMinutes: number;
  http5xxPercent: number;
  /** Logical id of the HTTP API (`HttpApi` with osls), when the service has one. */
  httpApiLogicalId?: string;
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

export const ALARM_TOPIC_ID = 'AlarmTopic';
export const DASHBOARD_ID = 'OperationsDashboard';

/** A group's name in PascalCase (`order-audit` → `OrderAudit`): the logical id prefix of its alarms. */
export function groupLogicalPrefix(group: string): string {
  return group
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/** The alarm kinds every consumer group gets, by logical id suffix. */
export const GROUP_ALARMS = ['DeadLettersAlarm', 'LagAlarm', 'ErrorsAlarm', 'ThrottlesAlarm'] as const;

/** SNS topic, optional e-mail subscription, every alarm, and the dashboard. */
export function monitoringResources(groups: readonly MonitoredGroup[], settings: MonitoringSettings): Record<string, CfnResource> {
  const resources: Record<string, CfnResource> = {
    [ALARM_TOPIC_ID]: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${settings.service}-${settings.stage}-alarms` } },
  };
  if (settings.alarmEmail?.trim()) {
    resources.AlarmEmailSubscription = {
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'email', Endpoint: settings.alarmEmail.trim(), TopicArn: { Ref: ALARM_TOPIC_ID } },
    };
  }
  const prefix = `${settings.service}-${settings.stage}`;
  for (const { group, functionName } of groups) {
    const id = groupLogicalPrefix(group);
    const groupDimensions = [
      { Name: 'service', Value: settings.service },
      { Name: 'group', Value: group },
    ];
    const fnDimensions = [{ Name: 'FunctionName', Value: functionName }];
    resources[`${id}DeadLettersAlarm`] = alarm(`${prefix} ${group} dead letters`, `Records of ${group} went to ${group}.dlq`, {
      Namespace: settings.namespace,
      MetricName: CONSUMER_METRIC.deadLettered,
      Dimensions: groupDimensions,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
    });
    resources[`${id}LagAlarm`] = alarm(
      `${prefix} ${group} lag`,
      `${group} is more than ${settings.lagThreshold} records behind for ${settings.lagMinutes} minutes`,
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'OffsetLag',
        Dimensions: fnDimensions,
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: settings.lagMinutes,
        DatapointsToAlarm: settings.lagMinutes,
        Threshold: settings.lagThreshold,
      },
    );
    for (const metric of ['Errors', 'Throttles'] as const) {
      resources[`${id}${metric}Alarm`] = alarm(`${prefix} ${group} ${metric.toLowerCase()}`, `${functionName} reported ${metric.toLowerCase()}`, {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: fnDimensions,
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
      });
    }
  }
  if (settings.httpApiLogicalId) {
    resources.HttpApi5xxRateAlarm = http5xxAlarm(prefix, settings.httpApiLogicalId, settings.http5xxPercent);
  }
  resources[DASHBOARD_ID] = dashboard(groups, settings);
  return resources;
}

function alarm(name: string, description: string, metric: Record<string, unknown>): CfnResource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name,
      AlarmDescription: description,
      ComparisonOperator: 'GreaterThanThreshold',
      // No data means nothing happened (no dead letter, no invocation): not an alarm.
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ALARM_TOPIC_ID }],
      OKActions: [{ Ref: ALARM_TOPIC_ID }],
      ...metric,
    },
  };
}

function http5xxAlarm(prefix: string, apiId: string, percent: number): CfnResource {
  const apiMetric = (id: string, name: string) => ({
    Id: id,
    ReturnData: false,
    MetricStat: {
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: name, Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }] },
      Period: 300,
      Stat: 'Sum',
    },
  });
  const {
    Namespace: _n,
    MetricName: _m,
    Dimensions: _d,
    Statistic: _s,
    Period: _p,
    ...base
  } = alarm(`${prefix} HTTP 5xx rate`, `More than ${percent}% of HTTP API answers were 5xx over 5 minutes`, {}).Properties;
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...base,
      EvaluationPeriods: 1,
      Threshold: percent,
      Metrics: [
        apiMetric('errors', '5xx'),
        apiMetric('requests', 'Count'),
        { Id: 'rate', Expression: 'IF(requests > 0, 100 * errors / requests, 0)', Label: '5xx %', ReturnData: true },
      ],
    },
  };
}

/** One row per group: lag, records/s, dead letters, batch duration. */
function dashboard(groups: readonly MonitoredGroup[], settings: MonitoringSettings): CfnResource {
  const own = (metric: string, group: string) => [settings.namespace, metric, 'service', settings.service, 'group', group];
  // Fn::Sub fills in the stack's region.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not a JS template
  const region = '${AWS::Region}';
  const widgets = groups.flatMap(({ group, functionName }, row) => {
    const widget = (column: number, title: string, metrics: unknown[][], extra: Record<string, unknown> = {}) => ({
      type: 'metric',
      x: column * 6,
      y: row * 6,
      width: 6,
      height: 6,
      properties: { title: `${group}: ${title}`, region, view: 'timeSeries', period: 60, metrics, ...extra },
    });
    return [
      widget(0, 'lag (records)', [['AWS/Lambda', 'OffsetLag', 'FunctionName', functionName, { stat: 'Maximum' }]]),
      widget(1, 'records/s', [
        [...own(CONSUMER_METRIC.processed, group), { stat: 'Sum', id: 'processed', visible: false }],
        [{ expression: 'processed / PERIOD(processed)', label: 'processed/s', id: 'rate' }],
      ]),
      widget(2, 'dead letters', [[...own(CONSUMER_METRIC.deadLettered, group), { stat: 'Sum' }]]),
      widget(3, 'batch duration (ms)', [
        [...own(CONSUMER_METRIC.batchDuration, group), { stat: 'p50', label: 'p50' }],
        [...own(CONSUMER_METRIC.batchDuration, group), { stat: 'p99', label: 'p99' }],
      ]),
    ];
  });
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: `${settings.service}-${settings.stage}`,
      // Fn::Sub puts the stack's region into every widget.
      DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) },
    },
  };
}
