/**
 * How a cloud stage's functions reach Kafka and Redis: always authenticated and encrypted. A
 * parameter that would make a client connect in plaintext or without credentials is a packaging
 * error naming it (lib/deploy/stage.ts reports these with the required parameters).
 *
 * - Kafka: IAM (SASL/OAUTHBEARER over TLS) whatever the broker source. `kafkaBrokers`, which skips
 *   the GetBootstrapBrokers lookup, must name MSK's IAM listeners: port 9098 inside the VPC, 9198
 *   with public access (https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html).
 * - Redis: `rediss://` (ElastiCache in-transit encryption), with no credentials in the URL: the
 *   functions authenticate with short-lived IAM tokens (lib/stores/redis-iam.ts).
 */

/** MSK's ports for IAM access control: private (9098) and public (9198) listeners. */
export const MSK_IAM_PORTS: readonly number[] = [9098, 9198];

export interface TransportRule {
  example: string;
  /** A reason the value is wrong on a cloud stage, or undefined when it is fine. */
  check(value: string): string | undefined;
}

/** Optional parameters with a rule: checked on cloud stages when set (an empty value is "not set"). */
export const CLOUD_TRANSPORT_RULES: Readonly<Record<string, TransportRule>> = {
  kafkaAuth: {
    example: 'iam',
    check: (value) => (value === 'iam' ? undefined : 'cloud stages authenticate to MSK with IAM over TLS: only "iam" is allowed'),
  },
  redisAuth: {
    example: 'iam',
    check: (value) => (value === 'iam' ? undefined : 'cloud stages authenticate to ElastiCache with IAM tokens: only "iam" is allowed'),
  },
  redisServerless: {
    example: 'false',
    check: (value) => (value === 'true' || value === 'false' ? undefined : 'must be true (serverless cache) or false (replication group)'),
  },
  kafkaBrokers: {
    example: 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
    check: (value) => {
      const bad = value
        .split(',')
        .map((broker) => broker.trim())
        .filter((broker) => !MSK_IAM_PORTS.includes(Number(/^[A-Za-z0-9.-]+:(\d+)$/.exec(broker)?.[1])));
      return bad.length > 0
        ? `not MSK IAM listeners (host:${MSK_IAM_PORTS.join(' or host:')}, TLS + SASL/IAM): ${bad.join(', ')}; leave it empty to look them up from mskClusterArn`
        : undefined;
    },
  },
};

/** The rule of `redisUrl` on a cloud stage: TLS, and no password or user in the URL. */
export function checkCloudRedisUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a rediss:// URL';
  }
  if (url.protocol !== 'rediss:') return 'must be a rediss:// URL: cloud stages reach ElastiCache over TLS (in-transit encryption), never redis://';
  if (url.username || url.password) return 'must hold no credentials: the functions authenticate with IAM (redisUser), nothing secret goes in the template';
  return undefined;
}

interface FunctionResource {
  Type: string;
  Properties?: { FunctionName?: unknown; Environment?: { Variables?: Record<string, unknown> } };
}

/**
 * The compiled functions of a cloud stage, whatever set their environment (provider, a function's
 * own `environment`, a plugin): each that names a Kafka or Redis endpoint authenticates with IAM.
 */
export function checkFunctionTransport(resources: Readonly<Record<string, FunctionResource>>): void {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const env = resource.Properties?.Environment?.Variables ?? {};
    const name = String(resource.Properties?.FunctionName ?? id);
    if ((env.KAFKA_BROKERS !== undefined || env.MSK_CLUSTER_ARN !== undefined) && env.KAFKA_AUTH !== 'iam') {
      problems.push(`function ${name} has KAFKA_AUTH=${String(env.KAFKA_AUTH)} (kafkaAuth must be iam)`);
    }
    if (env.REDIS_URL !== undefined && env.REDIS_AUTH !== 'iam')
      problems.push(`function ${name} has REDIS_AUTH=${String(env.REDIS_AUTH)} (redisAuth must be iam)`);
    if (typeof env.REDIS_URL === 'string' && !env.REDIS_URL.includes('${')) {
      const reason = checkCloudRedisUrl(env.REDIS_URL);
      if (reason) problems.push(`function ${name}: REDIS_URL ${reason} (redisUrl)`);
    }
  }
  if (problems.length > 0) throw new Error(`Cloud stages reach Kafka and Redis authenticated and encrypted only:\n  ${problems.join('\n  ')}`);
}
