/**
 * The packaged prod template is hardened: operator routes carry the scope, no function environment
 * holds a Redis password, fixed Kafka brokers still mean IAM over TLS, public functions are outside
 * the VPC with reserved concurrency, every consumer may DescribeCluster, the cluster has one source,
 * and a cloud stage refuses plaintext Redis or unauthenticated Kafka by parameter name.
 */
import { consumerGroups } from '../../events/catalog';
import { OPERATOR_SCOPE } from '../../lib/http/scopes';
import { type CfnResource, CLOUD_PARAMS, OPERATOR_FUNCTIONS, OPERATOR_ROUTES, packageStage, resourcesOfType, type Template } from './package';

const IAM_BROKERS = 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098';
const PREFIX = 'kafka-lambda-system-prod-';
let template: Template;

beforeAll(async () => {
  const result = await packageStage('prod', { ...CLOUD_PARAMS, kafkaBrokers: IAM_BROKERS });
  if (result.code !== 0 || !result.template) throw new Error(`serverless package failed:\n${result.output}`);
  template = result.template;
}, 180_000);

const functions = () => resourcesOfType(template, 'AWS::Lambda::Function');
const nameOf = (fn: CfnResource) => String(fn.Properties.FunctionName).slice(PREFIX.length);
const envOf = (fn: CfnResource) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const statementsOf = (fn: CfnResource) => {
  const role = template.Resources[(fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]];
  return ((role?.Properties.Policies ?? []) as { PolicyDocument: { Statement: { Action: string[]; Resource: unknown[] }[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
};
const actionsOf = (fn: CfnResource) => statementsOf(fn).flatMap((s) => s.Action);

test('operator routes need the operator scope in the gateway and in the function; customer routes need none', () => {
  const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
  for (const key of OPERATOR_ROUTES) {
    expect(routes.find((r) => r.RouteKey === key)).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: [OPERATOR_SCOPE] });
  }
  for (const route of routes.filter((r) => !OPERATOR_ROUTES.includes(String(r.RouteKey))))
    expect({ key: route.RouteKey, scopes: route.AuthorizationScopes }).toEqual({ key: route.RouteKey, scopes: undefined });
  for (const [, fn] of functions()) {
    expect({ name: nameOf(fn), scope: envOf(fn).REQUIRED_SCOPE }).toEqual({
      name: nameOf(fn),
      scope: OPERATOR_FUNCTIONS.includes(nameOf(fn)) ? OPERATOR_SCOPE : undefined,
    });
  }
});

test('no function environment holds a Redis password; Redis is TLS with IAM authentication', () => {
  for (const [, fn] of functions()) {
    const env = envOf(fn);
    expect(Object.keys(env).filter((name) => /PASS|SECRET|TOKEN|AUTH_KEY/i.test(name))).toEqual([]);
    const url = new URL(String(env.REDIS_URL));
    expect({ protocol: url.protocol, username: url.username, password: url.password }).toEqual({ protocol: 'rediss:', username: '', password: '' });
    expect(env).toMatchObject({
      REDIS_AUTH: 'iam',
      REDIS_USER: CLOUD_PARAMS.redisUser,
      REDIS_CACHE_NAME: CLOUD_PARAMS.redisCacheName,
      REDIS_SERVERLESS: 'false',
    });
  }
  // Nothing that looks like a credential anywhere in the template.
  expect(JSON.stringify(template)).not.toMatch(/rediss?:\/\/[^/"]*@/);
});

test('functions that use Redis may elasticache:Connect to the cache and the user only', () => {
  const connectors = functions().filter(([, fn]) => actionsOf(fn).includes('elasticache:Connect'));
  expect(connectors.map(([, fn]) => nameOf(fn))).toEqual(expect.arrayContaining(['stats', 'getOrder', 'inventory', 'pageViews']));
  for (const [, fn] of connectors) {
    const statement = statementsOf(fn).find((s) => s.Action.includes('elasticache:Connect'));
    expect(statement?.Resource).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:elasticache:\${AWS::Region}:\${AWS::AccountId}:replicationgroup:${CLOUD_PARAMS.redisCacheName}` },
      { 'Fn::Sub': `arn:\${AWS::Partition}:elasticache:\${AWS::Region}:\${AWS::AccountId}:user:${CLOUD_PARAMS.redisUser}` },
    ]);
  }
  for (const [, fn] of functions().filter(([, f]) => ['health', 'dashboard', 'provisionTopics'].includes(nameOf(f)))) {
    expect({ name: nameOf(fn), connect: actionsOf(fn).includes('elasticache:Connect') }).toEqual({ name: nameOf(fn), connect: false });
  }
});

test('kafkaBrokers on a cloud stage still yields IAM over TLS', () => {
  for (const [, fn] of functions()) {
    expect({ name: nameOf(fn), ...envOf(fn) }).toMatchObject({ name: nameOf(fn), KAFKA_BROKERS: IAM_BROKERS, KAFKA_AUTH: 'iam' });
  }
});

test('health and dashboard run outside the VPC with reserved concurrency; the rest inside, unreserved but the dead-letter lister', () => {
  for (const [, fn] of functions()) {
    const name = nameOf(fn);
    const open = name === 'health' || name === 'dashboard';
    expect({ name, inVpc: fn.Properties.VpcConfig !== undefined, reserved: fn.Properties.ReservedConcurrentExecutions }).toEqual({
      name,
      inVpc: !open,
      // The console's dead-letter lister reads in one fixed group per topic: one at a time.
      reserved: open ? 5 : name === 'deadLetters' ? 1 : undefined,
    });
  }
});

test('every consumer role may kafka-cluster:DescribeCluster; the mappings can only use the stage’s cluster', () => {
  const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
  expect(mappings).toHaveLength(consumerGroups.length);
  for (const [, mapping] of mappings) {
    const target = (mapping.Properties.FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const fn = template.Resources[target] as CfnResource;
    expect({ name: nameOf(fn), describe: actionsOf(fn).includes('kafka-cluster:DescribeCluster') }).toEqual({ name: nameOf(fn), describe: true });
    expect(mapping.Properties.EventSourceArn).toEqual({ Ref: 'MskCluster' });
  }
  expect(template.Parameters?.MskCluster).toMatchObject({ Default: CLOUD_PARAMS.mskClusterArn, AllowedValues: [CLOUD_PARAMS.mskClusterArn] });
});

describe('packaging a cloud stage refuses plaintext or unauthenticated clients', () => {
  it.each([
    ['redisUrl', { redisUrl: 'redis://master.cache.example.euw1.cache.amazonaws.com:6379' }, 'Invalid parameter "redisUrl"'],
    ['kafkaAuth', { kafkaAuth: 'none' }, 'Invalid parameter "kafkaAuth" = "none"'],
    ['kafkaBrokers', { kafkaBrokers: 'b-1.orders.kafka.eu-west-1.amazonaws.com:9092' }, 'Invalid parameter "kafkaBrokers"'],
  ])(
    'fails naming %s',
    async (_name, override, message) => {
      const result = await packageStage('prod', { ...CLOUD_PARAMS, ...override });
      expect(result.code).not.toBe(0);
      expect(result.output).toContain(message);
      expect(result.template).toBeUndefined();
    },
    120_000,
  );
});
