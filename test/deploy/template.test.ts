/**
 * The CloudFormation that `serverless package` generates for a cloud stage (fake parameters,
 * nothing reaches AWS): authorizers, event source mappings, least-privilege IAM derived from the
 * event catalog, VPC, runtime, topics, throttling.
 */
import {
  consoleReaderFor,
  consumerGroups,
  deadLetterOperators,
  deadLetterTopicFor,
  monitors,
  publishers,
  redriveGroupFor,
  topicOfGroup,
  topics,
} from '../../events/catalog';
import { GROUP_ALARMS, groupLogicalPrefix } from '../../lib/deploy/alarms';
import { OPERATOR_SCOPE } from '../../lib/http/scopes';
import { topicSpecs } from '../../lib/kafka/topics';
import { kafkaRecordFilter } from '../../lib/local/filter/kafka-record';
import { type CfnResource, CLOUD_PARAMS, OPERATOR_ROUTES, packageStage, resourcesOfType, type Template } from './package';

// Written out here rather than derived with lib/deploy/arns.ts, so a mistake there shows up.
const ACCOUNT_PREFIX = 'arn:aws:kafka:eu-west-1:123456789012';
const CLUSTER_PATH = 'orders/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-2';
const clusterArn = `${ACCOUNT_PREFIX}:cluster/${CLUSTER_PATH}`;
const topicArn = (topic: string) => `${ACCOUNT_PREFIX}:topic/${CLUSTER_PATH}/${topic}`;
const groupArn = (group: string) => `${ACCOUNT_PREFIX}:group/${CLUSTER_PATH}/${group}`;
const SERVICE_PREFIX = 'kafka-lambda-system-dev-';
const PUBLIC_ROUTES = new Set(['GET /health', 'GET /dashboard']);
const PUBLIC_FUNCTIONS = new Set(['health', 'dashboard']);
const OPERATOR_ROUTE_KEYS = new Set(OPERATOR_ROUTES);
const ALARM_EMAIL = 'ops@example.com';
const OTEL_LAYER = 'arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroJs:8';

let template: Template;

beforeAll(async () => {
  const result = await packageStage('dev', { ...CLOUD_PARAMS, alarmEmail: ALARM_EMAIL, otelLayerArn: OTEL_LAYER });
  if (result.code !== 0 || !result.template) throw new Error(`serverless package failed:\n${result.output}`);
  template = result.template;
}, 180_000);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function functions(): [string, CfnResource][] {
  return resourcesOfType(template, 'AWS::Lambda::Function');
}

/** `checkout` for the function resource whose FunctionName is `kafka-lambda-system-dev-checkout`. */
function shortName(fn: CfnResource): string {
  const name = String(fn.Properties.FunctionName);
  expect(name.startsWith(SERVICE_PREFIX)).toBe(true);
  return name.slice(SERVICE_PREFIX.length);
}

function statementsOf(fn: CfnResource): Statement[] {
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const role = template.Resources[roleId];
  expect(role?.Type).toBe('AWS::IAM::Role');
  const policies = (role?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

/** Every (action, resource) pair a set of statements allows, for actions of the given services. */
function grants(statements: Statement[], services: string[]): string[] {
  const pairs = statements.flatMap((s) => {
    const actions = [s.Action].flat().filter((a) => services.some((service) => a.startsWith(`${service}:`)));
    const resources = [s.Resource].flat().map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));
    return actions.flatMap((a) => resources.map((r) => `${a} ${r}`));
  });
  return [...new Set(pairs)].sort();
}

/** The consumer groups whose mappings feed the function resource `logicalId`. */
function groupsOf(logicalId: string): string[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    .filter(([, m]) => (m.Properties.FunctionName as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] === logicalId)
    .map(([, m]) => (m.Properties.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId);
}

/** What the catalog says a function may do on Kafka, as (action, resource) pairs. */
function expectedKafkaGrants(logicalId: string, name: string): string[] {
  const pairs: string[] = [];
  const on = (resource: string, ...actions: string[]) => pairs.push(...actions.map((a) => `${a} ${resource}`));
  const groups = groupsOf(logicalId);
  const written: string[] = [];
  for (const group of groups) {
    on(topicArn(topicOfGroup(group).name), 'kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData');
    on(groupArn(group), 'kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup');
    on(clusterArn, 'kafka-cluster:DescribeCluster', 'kafka-cluster:DescribeClusterDynamicConfiguration');
    written.push(deadLetterTopicFor(group), ...(publishers[group] ?? []));
  }
  if (groups.length === 0) written.push(...(publishers[name] ?? []));
  const deadLetters = deadLetterOperators[name];
  if (deadLetters) {
    for (const group of consumerGroups) {
      on(topicArn(deadLetterTopicFor(group)), 'kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData');
      for (const reader of [consoleReaderFor(group), redriveGroupFor(group)]) {
        on(groupArn(reader), 'kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup', 'kafka-cluster:DeleteGroup');
      }
    }
    if (deadLetters === 'redrive') written.push(...topics.map((t) => t.name));
  }
  for (const topic of written) on(topicArn(topic), 'kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData');
  if (written.length > 0) on(clusterArn, 'kafka-cluster:WriteDataIdempotently');

  if (monitors.includes(name)) {
    for (const topic of [...topics.map((t) => t.name), ...consumerGroups.map(deadLetterTopicFor)]) on(topicArn(topic), 'kafka-cluster:DescribeTopic');
    for (const group of consumerGroups) on(groupArn(group), 'kafka-cluster:DescribeGroup');
  }

  const provisioner = (template.Resources.KafkaTopics?.Properties.ServiceToken as { 'Fn::GetAtt': string[] } | undefined)?.['Fn::GetAtt'][0];
  if (logicalId === provisioner) {
    for (const spec of topicSpecs({ replicationFactor: 3 })) {
      on(
        topicArn(spec.name),
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:CreateTopic',
        'kafka-cluster:AlterTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:AlterTopicDynamicConfiguration',
      );
    }
  }
  if (pairs.length > 0) {
    on(clusterArn, 'kafka-cluster:Connect', 'kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers');
  }
  return [...new Set(pairs)].sort();
}

describe('least-privilege IAM, generated from the event catalog', () => {
  it('gives every function a role of its own and creates no shared role', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = functions().map(([, fn]) => JSON.stringify(fn.Properties.Role));
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('grants each function exactly the Kafka actions and resources the catalog implies', () => {
    const checked: string[] = [];
    for (const [logicalId, fn] of functions()) {
      const name = shortName(fn);
      expect({ function: name, grants: grants(statementsOf(fn), ['kafka', 'kafka-cluster']) }).toEqual({
        function: name,
        grants: expectedKafkaGrants(logicalId, name),
      });
      checked.push(name);
    }
    // The producers the catalog declares are all checked (a renamed function would escape otherwise).
    const producers = Object.keys(publishers).filter((p) => !consumerGroups.includes(p));
    expect(checked).toEqual(expect.arrayContaining(producers));
  });

  it('lets a consumer write its own dead-letter topic and nobody else’s', () => {
    const [, inventory] = functions().find(([, fn]) => shortName(fn) === 'inventory') ?? [];
    const allowed = grants(statementsOf(inventory as CfnResource), ['kafka-cluster']);
    expect(allowed).toContain(`kafka-cluster:WriteData ${topicArn('inventory-service.dlq')}`);
    expect(allowed).not.toContain(`kafka-cluster:WriteData ${topicArn('payment-service.dlq')}`);
    expect(allowed).not.toContain(`kafka-cluster:WriteData ${topicArn('order.placed')}`);
  });

  it('never gives a Kafka action a wildcard resource', () => {
    for (const [, fn] of functions()) {
      for (const statement of statementsOf(fn)) {
        const kafkaActions = [statement.Action].flat().filter((a) => a.startsWith('kafka'));
        if (kafkaActions.length === 0) continue;
        for (const resource of [statement.Resource].flat()) {
          expect(typeof resource).toBe('string');
          expect(resource).not.toContain('*');
        }
        expect(kafkaActions.some((a) => a.includes('*'))).toBe(false);
      }
    }
  });

  it('scopes logs to the function’s own log group', () => {
    for (const [, fn] of functions()) {
      const logs = grants(statementsOf(fn), ['logs']);
      expect(logs.length).toBeGreaterThan(0);
      for (const grant of logs) expect(grant).toContain(`:log-group:/aws/lambda/${fn.Properties.FunctionName}:*`);
    }
  });
});

describe('authenticated gateway', () => {
  it('puts the JWT authorizer on every route but the public ones', () => {
    const [authorizerId, authorizer] = resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer')[0] ?? [];
    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: CLOUD_PARAMS.jwtIssuer, Audience: [CLOUD_PARAMS.jwtAudience] },
    });
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
    expect(routes.length).toBeGreaterThan(2);
    for (const [, route] of routes) {
      const key = String(route.Properties.RouteKey);
      if (PUBLIC_ROUTES.has(key)) {
        expect({ key, auth: route.Properties.AuthorizationType }).toEqual({ key, auth: undefined });
      } else {
        expect({ key, auth: route.Properties.AuthorizationType, id: route.Properties.AuthorizerId, scopes: route.Properties.AuthorizationScopes }).toEqual({
          key,
          auth: 'JWT',
          id: { Ref: authorizerId },
          // Operator routes need the operator scope; customer routes take any valid token.
          scopes: OPERATOR_ROUTE_KEYS.has(key) ? [OPERATOR_SCOPE] : undefined,
        });
      }
    }
    expect(routes.map(([, r]) => r.Properties.RouteKey)).toContain('GET /health');
  });

  it('allows the dashboard origin (CORS) and throttles the stage', () => {
    const [, api] = resourcesOfType(template, 'AWS::ApiGatewayV2::Api')[0] ?? [];
    expect(api?.Properties.CorsConfiguration).toMatchObject({ AllowOrigins: [CLOUD_PARAMS.dashboardOrigin], AllowHeaders: ['Authorization', 'Content-Type'] });
    const [, stage] = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage')[0] ?? [];
    expect(stage?.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
  });
});

describe('functions', () => {
  it('run in the cluster’s VPC on nodejs22.x or newer, but for the public ones', () => {
    for (const [, fn] of functions()) {
      const name = shortName(fn);
      if (PUBLIC_FUNCTIONS.has(name)) {
        // Public functions need neither Kafka nor Redis, and a reserved share of concurrency.
        expect({ name, vpc: fn.Properties.VpcConfig, reserved: fn.Properties.ReservedConcurrentExecutions }).toEqual({ name, vpc: undefined, reserved: 5 });
        expect(grants(statementsOf(fn), ['ec2'])).toEqual([]);
        continue;
      }
      expect({ name, vpc: fn.Properties.VpcConfig }).toEqual({
        name,
        vpc: { SubnetIds: { 'Fn::Split': [',', CLOUD_PARAMS.subnetIds] }, SecurityGroupIds: { 'Fn::Split': [',', CLOUD_PARAMS.securityGroupIds] } },
      });
      // The console's dead-letter lister reads in one fixed group per topic: one at a time.
      expect({ name, reserved: fn.Properties.ReservedConcurrentExecutions }).toEqual({ name, reserved: name === 'deadLetters' ? 1 : undefined });
      const version = Number(/^nodejs(\d+)\.x$/.exec(String(fn.Properties.Runtime))?.[1]);
      expect(version).toBeGreaterThanOrEqual(22);
    }
  });

  it('get the stage’s cluster and Redis, and no local broker', () => {
    for (const [, fn] of functions()) {
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env).toMatchObject({ MSK_CLUSTER_ARN: CLOUD_PARAMS.mskClusterArn, REDIS_URL: CLOUD_PARAMS.redisUrl, KAFKA_BROKERS: '' });
    }
    expect(template.Parameters?.MskCluster?.Default).toBe(CLOUD_PARAMS.mskClusterArn);
  });
});

describe('Kafka triggers', () => {
  it('has exactly one event source mapping per consumer group of the catalog, with the failure settings', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    const groups = mappings.map(([, m]) => (m.Properties.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId);
    expect([...groups].sort()).toEqual([...consumerGroups].sort());
    for (const [, mapping] of mappings) {
      const group = (mapping.Properties.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId;
      expect({ group, ...mapping.Properties }).toMatchObject({
        group,
        EventSourceArn: { Ref: 'MskCluster' },
        Topics: [topicOfGroup(group).name],
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 3 },
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 86400,
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: `kafka://${deadLetterTopicFor(group)}` } },
      });
      // The mapping's own metrics and its pollers' system logs (provisioned mode).
      expect({ group, metrics: mapping.Properties.MetricsConfig, logs: mapping.Properties.LoggingConfig }).toEqual({
        group,
        metrics: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
        logs: { SystemLogLevel: 'WARN' },
      });
      // A mapping starts only once its topics exist.
      expect([mapping.DependsOn].flat()).toContain('KafkaTopics');
    }
  });

  it('filters the analytics mappings on the event type, and no other mapping', () => {
    const filters = Object.fromEntries(
      resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => [
        (m.Properties.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId,
        m.Properties.FilterCriteria,
      ]),
    );
    expect(filters).toEqual({
      ...Object.fromEntries(consumerGroups.map((group) => [group, undefined])),
      'page-views': { Filters: [{ Pattern: '{"value":{"type":["page_view"]}}' }] },
      'search-terms': { Filters: [{ Pattern: '{"value":{"type":["search"]}}' }] },
    });
    // The deployed patterns, run by the local filter engine: each lets through exactly its event type.
    const delivered = (group: string) => {
      const filter = kafkaRecordFilter((filters[group] as { Filters: { Pattern: string }[] }).Filters.map((f) => f.Pattern));
      return (['page_view', 'click', 'search'] as const).filter((type) =>
        filter.matches(Buffer.from(JSON.stringify({ type, user_id: 'u', session_id: 's', payload: {}, timestamp: '2026-01-01T00:00:00Z' }))),
      );
    };
    expect(delivered('page-views')).toEqual(['page_view']);
    expect(delivered('search-terms')).toEqual(['search']);
  });
});

describe('topics at deploy time', () => {
  it('provisions every catalog topic and dead-letter topic, with replication factor 3 by default', () => {
    const resource = template.Resources.KafkaTopics;
    expect(resource?.Type).toBe('Custom::KafkaTopics');
    expect(resource?.Properties.Topics).toEqual(topicSpecs({ replicationFactor: 3 }));
    const names = ((resource?.Properties.Topics ?? []) as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([...topics.map((t) => t.name), ...consumerGroups.map(deadLetterTopicFor)]));
    const provisioner = template.Resources.ProvisionTopicsLambdaFunction;
    expect(resource?.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': ['ProvisionTopicsLambdaFunction', 'Arn'] });
    expect(provisioner?.Properties.VpcConfig).toBeDefined();
  });
});

describe('alarms and dashboard, generated from the catalog', () => {
  /** The deployed function name whose mapping reads as `group`. */
  function functionOf(group: string): string {
    const found = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(
      ([, m]) => (m.Properties.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId === group,
    );
    if (!found) throw new Error(`no mapping for ${group}`);
    const fnId = (found[1].Properties.FunctionName as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
    return String(template.Resources[fnId]?.Properties.FunctionName);
  }

  it('gives every consumer group a dead-letter, lag, errors and throttles alarm on its own function and group', () => {
    for (const group of consumerGroups) {
      const functionName = functionOf(group);
      const alarms = Object.fromEntries(GROUP_ALARMS.map((kind) => [kind, template.Resources[`${groupLogicalPrefix(group)}${kind}`]]));
      expect({ group, types: Object.values(alarms).map((a) => a?.Type) }).toEqual({ group, types: GROUP_ALARMS.map(() => 'AWS::CloudWatch::Alarm') });
      expect(alarms.DeadLettersAlarm?.Properties).toMatchObject({
        Namespace: 'kafka-lambda-system',
        MetricName: 'recordsDeadLettered',
        Dimensions: [
          { Name: 'service', Value: 'kafka-lambda-system' },
          { Name: 'group', Value: group },
        ],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(alarms.LagAlarm?.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'OffsetLag',
        Dimensions: [{ Name: 'FunctionName', Value: functionName }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        Threshold: 1000,
      });
      for (const [kind, metric] of [
        ['ErrorsAlarm', 'Errors'],
        ['ThrottlesAlarm', 'Throttles'],
      ] as const) {
        expect(alarms[kind]?.Properties).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: functionName }],
        });
      }
      for (const alarm of Object.values(alarms)) expect(alarm?.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
  });

  it('alarms on the HTTP API 5xx rate, into the same SNS topic, which alarmEmail subscribes to', () => {
    const alarm = template.Resources.HttpApi5xxRateAlarm;
    expect(alarm?.Properties).toMatchObject({ Threshold: 1, AlarmActions: [{ Ref: 'AlarmTopic' }] });
    const metrics = alarm?.Properties.Metrics as { Id: string; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } } }[];
    expect(metrics.map((m) => m.MetricStat?.Metric.MetricName ?? m.Id)).toEqual(['5xx', 'Count', 'rate']);
    expect(metrics[0]?.MetricStat?.Metric.Dimensions).toEqual([{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }]);
    expect(template.Resources.HttpApi?.Type).toBe('AWS::ApiGatewayV2::Api');
    expect(template.Resources.AlarmTopic?.Type).toBe('AWS::SNS::Topic');
    const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription');
    expect(subscriptions.map(([, s]) => s.Properties)).toEqual([{ Protocol: 'email', Endpoint: ALARM_EMAIL, TopicArn: { Ref: 'AlarmTopic' } }]);
    // Every alarm of the stack notifies that topic.
    for (const [, a] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) expect(a.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('draws one dashboard with a row per consumer group: lag, records/s, dead letters, duration', () => {
    const dashboards = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const [, dashboard] = dashboards[0] as [string, CfnResource];
    const body = JSON.parse((dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as {
      widgets: { y: number; properties: { title: string; metrics: unknown[][] } }[];
    };
    const rows = [...new Set(body.widgets.map((w) => w.y))];
    expect(rows).toHaveLength(consumerGroups.length);
    for (const group of consumerGroups) {
      const titles = body.widgets.filter((w) => w.properties.title.startsWith(`${group}:`)).map((w) => w.properties.title.slice(group.length + 2));
      expect({ group, titles }).toEqual({ group, titles: ['lag (records)', 'records/s', 'dead letters', 'batch duration (ms)'] });
    }
    expect(JSON.stringify(body)).toContain(functionOf('inventory-service'));
  });
});

describe('traces exported on AWS (otelLayerArn)', () => {
  it('gives every function the ADOT layer and its wrapper, keeps our own Kafka propagation, and lets each role write spans', () => {
    for (const [, fn] of functions()) {
      const name = shortName(fn);
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect({ name, layers: fn.Properties.Layers }).toEqual({ name, layers: [OTEL_LAYER] });
      expect({ name, wrapper: variables.AWS_LAMBDA_EXEC_WRAPPER, disabled: variables.OTEL_NODE_DISABLED_INSTRUMENTATIONS }).toEqual({
        name,
        wrapper: '/opt/otel-instrument',
        disabled: 'kafkajs',
      });
      expect({ name, xray: grants(statementsOf(fn), ['xray']) }).toEqual({ name, xray: expect.arrayContaining(['xray:PutTraceSegments *']) });
    }
  });
});
