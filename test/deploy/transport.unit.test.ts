/**
 * Cloud stages never talk to Kafka or Redis in plaintext or unauthenticated: the parameters that
 * could make them are refused by name, and the Kafka client picks IAM over TLS whatever the brokers.
 */
import { checkStageParams } from '../../lib/deploy/stage';
import { checkFunctionTransport } from '../../lib/deploy/transport';
import { kafkaConfig } from '../../lib/kafka/client';
import { CLOUD_PARAMS } from './package';

const IAM_BROKERS = 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098';

describe('cloud stage transport parameters', () => {
  it('accepts IAM listeners as kafkaBrokers, an empty kafkaBrokers and kafkaAuth iam', () => {
    expect(() => checkStageParams('prod', { ...CLOUD_PARAMS, kafkaBrokers: IAM_BROKERS, kafkaAuth: 'iam' })).not.toThrow();
    expect(() => checkStageParams('prod', { ...CLOUD_PARAMS, kafkaBrokers: 'b-1.x.kafka.eu-west-1.amazonaws.com:9198', kafkaAuth: 'iam' })).not.toThrow();
    expect(() => checkStageParams('prod', { ...CLOUD_PARAMS, kafkaBrokers: '', kafkaAuth: 'iam' })).not.toThrow();
  });

  it.each([
    [{ kafkaAuth: 'none' }, /Invalid parameter "kafkaAuth" = "none": cloud stages authenticate to MSK with IAM/],
    [{ kafkaBrokers: 'b-1.orders.kafka.eu-west-1.amazonaws.com:9092' }, /Invalid parameter "kafkaBrokers".*not MSK IAM listeners.*:9092/],
    [{ kafkaBrokers: `${IAM_BROKERS},b-3.x:9094` }, /Invalid parameter "kafkaBrokers".*: b-3\.x:9094;/],
    [{ redisUrl: 'redis://master.cache.example.euw1.cache.amazonaws.com:6379' }, /Invalid parameter "redisUrl".*must be a rediss:\/\/ URL/],
    [{ redisUrl: 'rediss://default:s3cret@master.cache.example.euw1.cache.amazonaws.com:6379' }, /Invalid parameter "redisUrl".*must hold no credentials/],
  ])('refuses %j naming the parameter', (override, message) => {
    expect(() => checkStageParams('prod', { ...CLOUD_PARAMS, ...override })).toThrow(message);
  });

  it('asks nothing of the local stage (plaintext broker, redis://)', () => {
    expect(() => checkStageParams('local', { kafkaAuth: 'none', kafkaBrokers: '127.0.0.1:9092', redisUrl: 'redis://127.0.0.1:6379' })).not.toThrow();
  });
});

describe('Kafka client authentication', () => {
  const arn = CLOUD_PARAMS.mskClusterArn;

  it('uses IAM over TLS with fixed brokers when KAFKA_AUTH is iam', () => {
    const config = kafkaConfig({ KAFKA_BROKERS: IAM_BROKERS, KAFKA_AUTH: 'iam', MSK_CLUSTER_ARN: arn });
    expect(config.ssl).toBe(true);
    expect(config.sasl?.mechanism).toBe('oauthbearer');
    expect(config.brokers).toEqual(IAM_BROKERS.split(','));
  });

  it('defaults to IAM inside Lambda even with fixed brokers and no KAFKA_AUTH', () => {
    const config = kafkaConfig({ KAFKA_BROKERS: IAM_BROKERS, AWS_LAMBDA_FUNCTION_NAME: 'kafka-lambda-system-prod-checkout' });
    expect({ ssl: config.ssl, mechanism: config.sasl?.mechanism }).toEqual({ ssl: true, mechanism: 'oauthbearer' });
  });

  it('stays plaintext locally (KAFKA_AUTH none, or serverless-offline)', () => {
    for (const env of [
      { KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_AUTH: 'none' as const },
      { KAFKA_BROKERS: '127.0.0.1:9092', AWS_LAMBDA_FUNCTION_NAME: 'kafka-lambda-system-local-checkout', IS_OFFLINE: 'true' },
    ]) {
      const config = kafkaConfig(env);
      expect({ ssl: config.ssl, sasl: config.sasl }).toEqual({ ssl: undefined, sasl: undefined });
    }
  });
});

describe('compiled functions of a cloud stage', () => {
  const fn = (Variables: Record<string, unknown>) => ({
    Type: 'AWS::Lambda::Function',
    Properties: { FunctionName: 'svc-prod-x', Environment: { Variables } },
  });
  const good = { KAFKA_BROKERS: '', MSK_CLUSTER_ARN: CLOUD_PARAMS.mskClusterArn, KAFKA_AUTH: 'iam', REDIS_URL: CLOUD_PARAMS.redisUrl, REDIS_AUTH: 'iam' };

  it('pass when every client authenticates with IAM over TLS', () => {
    expect(() => checkFunctionTransport({ A: fn(good), B: fn({}), C: { Type: 'AWS::IAM::Role' } as never })).not.toThrow();
  });

  it.each([
    [{ KAFKA_AUTH: 'none' }, /svc-prod-x has KAFKA_AUTH=none \(kafkaAuth must be iam\)/],
    [{ KAFKA_AUTH: undefined }, /KAFKA_AUTH=undefined/],
    [{ REDIS_AUTH: 'none' }, /REDIS_AUTH=none \(redisAuth must be iam\)/],
    [{ REDIS_URL: 'redis://cache:6379' }, /REDIS_URL must be a rediss:\/\/ URL.*\(redisUrl\)/],
  ])('fail when a function’s own environment says %j', (override, message) => {
    expect(() => checkFunctionTransport({ A: fn({ ...good, ...override }) })).toThrow(message);
  });
});
