/**
 * Stage parameters a cloud stage cannot do without, and their checks.
 *
 * `local` (the default stage) runs on this machine and has local values for everything. Any other
 * stage (`dev`, `prod`, ...) deploys to AWS and must be given each parameter below with
 * `--param="<name>=<value>"`; `serverless package`/`deploy` fails naming the first one missing or
 * malformed, before anything is built.
 */
import { isMskClusterArn } from './arns';
import { CLOUD_TRANSPORT_RULES, checkCloudRedisUrl } from './transport';

export const LOCAL_STAGE = 'local';

interface ParamRule {
  description: string;
  example: string;
  /** A reason the value is wrong, or undefined when it is fine. */
  check(value: string): string | undefined;
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const ids = (prefix: string) => (value: string) => {
  const bad = list(value).filter((id) => !new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(id));
  return bad.length > 0 ? `not ${prefix} ids: ${bad.join(', ')}` : undefined;
};

/** Required on every cloud stage, in the order they are reported. */
export const REQUIRED_CLOUD_PARAMS: Readonly<Record<string, ParamRule>> = {
  mskClusterArn: {
    description: 'ARN of the MSK cluster (IAM access control enabled)',
    example: 'arn:aws:kafka:us-east-1:123456789012:cluster/orders/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-1',
    check: (value) => (isMskClusterArn(value) ? undefined : 'not an MSK cluster ARN'),
  },
  subnetIds: {
    description: "comma-separated private subnets of the cluster's VPC",
    example: 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788',
    check: ids('subnet'),
  },
  securityGroupIds: {
    description: 'comma-separated security groups allowed to reach the brokers (port 9098) and Redis',
    example: 'sg-0123456789abcdef0',
    check: ids('sg'),
  },
  jwtIssuer: {
    description: "the identity provider's issuer URL (the `iss` of its tokens)",
    example: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123',
    check: (value) => (/^https:\/\/[^\s]+$/.test(value) ? undefined : 'must be an https:// URL'),
  },
  jwtAudience: {
    description: 'the audience (client id) the tokens are issued for',
    example: '4k9abc123examplecl1entid',
    check: (value) => (/^\S+$/.test(value) ? undefined : 'must be one audience, without spaces'),
  },
  redisUrl: {
    description: 'the ElastiCache (Valkey or Redis OSS 7+) endpoint, TLS, no credentials',
    example: 'rediss://master.orders-cache.abc123.use1.cache.amazonaws.com:6379',
    check: checkCloudRedisUrl,
  },
  redisUser: {
    description: 'the ElastiCache user the functions connect as: authentication mode IAM, user name = user id',
    example: 'kafka-lambda-system',
    check: (value) =>
      /^[a-z][a-z0-9-]{0,39}$/.test(value) ? undefined : 'must be an ElastiCache user id (lowercase letters, digits, hyphens; IAM users need name = id)',
  },
  redisCacheName: {
    description: 'the replication group id (node-based) or cache name (serverless) that redisUrl points at',
    example: 'orders-cache',
    check: (value) => (/^[a-z][a-z0-9-]{0,39}$/.test(value) ? undefined : 'must be a replication group id or serverless cache name'),
  },
  dashboardOrigin: {
    description: 'the origin the dashboard is served from (CORS)',
    example: 'https://dashboard.example.com',
    check: (value) => (/^https?:\/\/[^/\s]+$/.test(value) ? undefined : 'must be an origin: scheme://host[:port], no path'),
  },
};

/**
 * The stage's parameters before variables are resolved, as osls picks them: `--param` on the
 * command line, then `params.<stage>`, then `params.default`. Checked this early because a missing
 * one would otherwise first surface as an unrelated schema or variable error.
 */
export function rawStageParams(params: Readonly<Record<string, unknown>> | undefined, stage: string, cli: readonly string[] = []): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const layers = [params?.default, params?.[stage]] as (Record<string, unknown> | undefined)[];
  for (const layer of layers) for (const [name, value] of Object.entries(layer ?? {})) if (value != null) values[name] = value;
  for (const item of cli) {
    const match = /^([^=]+)=(.+)$/.exec(item);
    if (match?.[1] && match[2]) values[match[1]] = match[2].trimEnd();
  }
  return values;
}

export class StageParameterError extends Error {
  override name = 'StageParameterError';
}

/** Throws a {@link StageParameterError} naming every missing or malformed parameter of a cloud stage. */
export function checkStageParams(stage: string, values: Readonly<Record<string, unknown>>): void {
  if (stage === LOCAL_STAGE) return;
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(REQUIRED_CLOUD_PARAMS)) {
    const value = values[name];
    const text = value === undefined || value === null ? '' : String(value).trim();
    if (!text) {
      problems.push(`Missing required parameter "${name}" (${rule.description}): pass --param="${name}=${rule.example}"`);
      continue;
    }
    // Not resolved yet (e.g. `${ssm:...}` in the stage's params): checked again once it is.
    if (text.includes('${')) continue;
    const reason = rule.check(text);
    if (reason) problems.push(`Invalid parameter "${name}" = "${text}": ${reason} (e.g. ${rule.example})`);
  }
  // Optional, but when given they must keep the clients authenticated and encrypted (lib/deploy/transport.ts).
  for (const [name, rule] of Object.entries(CLOUD_TRANSPORT_RULES)) {
    const text = values[name] === undefined || values[name] === null ? '' : String(values[name]).trim();
    if (!text || text.includes('${')) continue;
    const reason = rule.check(text);
    if (reason) problems.push(`Invalid parameter "${name}" = "${text}": ${reason} (e.g. ${rule.example})`);
  }
  if (problems.length > 0) {
    throw new StageParameterError(`Stage "${stage}" deploys to AWS and needs its parameters:\n  ${problems.join('\n  ')}`);
  }
}
