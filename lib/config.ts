/**
 * Runtime configuration, read once per container from the environment that `serverless.yml` sets.
 * Local defaults just work: a broker on 127.0.0.1:9092 and Redis on 127.0.0.1:6379.
 */
import { z } from 'zod';

const environment = z.object({
  /** Comma-separated bootstrap servers; wins over MSK_CLUSTER_ARN when set. */
  KAFKA_BROKERS: z.string().optional(),
  /** On AWS: the MSK cluster whose IAM bootstrap brokers are looked up. */
  MSK_CLUSTER_ARN: z.string().optional(),
  /** `iam` (MSK IAM over TLS) or `none` (plaintext, local). Defaults to iam inside Lambda, or when brokers are looked up from the ARN. */
  KAFKA_AUTH: z.enum(['iam', 'none']).optional(),
  KAFKA_CLIENT_ID: z.string().default('kafka-lambda-system'),
  AWS_REGION: z.string().default('us-east-1'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** `iam` (ElastiCache IAM authentication, lib/stores/redis-iam.ts) or `none` (local Redis). */
  REDIS_AUTH: z.enum(['iam', 'none']).default('none'),
  /** With IAM: the ElastiCache user id, and the replication group id or serverless cache name. */
  REDIS_USER: z.string().optional(),
  REDIS_CACHE_NAME: z.string().optional(),
  REDIS_SERVERLESS: z.enum(['true', 'false']).default('false'),
  /** Prefix of every Redis key, so several stages or test runs can share one Redis. */
  REDIS_PREFIX: z.string().default('kls:'),
  /** CloudEvents `source` of records this function publishes. */
  EVENT_SOURCE: z.string().optional(),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
  /** Set by serverless-offline: the function runs on this machine, not in Lambda. */
  IS_OFFLINE: z.string().optional(),
});

export type Config = z.infer<typeof environment>;

let current: Config | undefined;

/**
 * The container's configuration, parsed once (it sits on hot paths: every Redis key, every
 * publish). Pass `env` to parse another environment.
 */
export function config(env?: NodeJS.ProcessEnv): Config {
  if (env) return environment.parse(env);
  current ??= environment.parse(process.env);
  return current;
}

/** Forgets the parsed configuration: the next call reads the environment again (tests). */
export function resetConfig(): void {
  current = undefined;
}
