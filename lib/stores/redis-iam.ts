/**
 * ElastiCache IAM authentication: the Redis password is a short-lived token signed with the
 * function's own IAM credentials, so no Redis secret exists anywhere — not in the template, the
 * environment, the deployment state, nor a secrets store.
 *
 * Why IAM rather than a Secrets Manager secret: it needs no secret to create, rotate or leak, and no
 * Secrets Manager endpoint in the VPC. It requires (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html):
 * Valkey 7.2+ or Redis OSS 7.0+, node-based (replication group) or serverless caches, in-transit
 * encryption (TLS) on, an ElastiCache user with authentication mode IAM whose user name equals its
 * user id, and `elasticache:Connect` on the cache and the user for the caller's role. Tokens are
 * valid 15 minutes and IAM connections are closed after 12 hours: {@link TokenPasswordRedis} signs a
 * fresh token for every connection attempt, so reconnects never present an expired one.
 *
 * The token is a SigV4-presigned `GET http://<cache name>/?Action=connect&User=<user id>` (plus
 * `ResourceType=ServerlessCache` for a serverless cache) for service `elasticache`, without the
 * `http://` scheme, as in AWS's example on the page above.
 */
import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import Redis, { type Callback, type RedisOptions } from 'ioredis';

/** How long a token may be used to open a connection (ElastiCache accepts at most 15 minutes). */
export const TOKEN_LIFETIME_SECONDS = 900;

export interface IamTokenRequest {
  /** The ElastiCache user id (equal to its user name), authentication mode IAM. */
  userId: string;
  /** The replication group id, or the serverless cache name. */
  cacheName: string;
  serverless: boolean;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Signing time (tests); default now. */
  signingDate?: Date;
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves `!'()*` alone). */
const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * An IAM authentication token for ElastiCache: the password of an IAM-enabled user. Signed here
 * with Node's crypto, following SigV4's query-string signing
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):
 * loading the SDK's signer would cost every function ~30 ms of init for this one signature.
 */
export async function elastiCacheIamToken(request: IamTokenRequest): Promise<string> {
  const credentials = typeof request.credentials === 'function' ? await request.credentials() : request.credentials;
  const amzDate = (request.signingDate ?? new Date()).toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${request.region}/elasticache/aws4_request`;
  const query: Record<string, string> = {
    Action: 'connect',
    User: request.userId,
    ...(request.serverless ? { ResourceType: 'ServerlessCache' } : {}),
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(TOKEN_LIFETIME_SECONDS),
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    'X-Amz-SignedHeaders': 'host',
  };
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((name) => `${encode(name)}=${encode(query[name] as string)}`)
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${request.cacheName}\n`, 'host', sha256Hex('')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), request.region), 'elasticache'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return `${request.cacheName}/?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

/**
 * An ioredis client whose password is a freshly signed token at every connection attempt: ioredis
 * sends `AUTH <username> <password>` from the options it reads when a connection starts, and
 * reconnects by calling `connect()` again, so signing there covers the first connection and every
 * reconnect. If signing fails the attempt still runs (with the previous token) and fails to
 * authenticate, which keeps ioredis's own retry loop going.
 */
export class TokenPasswordRedis extends Redis {
  private readonly token: () => Promise<string>;

  constructor(url: string, options: RedisOptions, token: () => Promise<string>) {
    // Connected below, once `token` is set (the base constructor would connect before).
    super(url, { ...options, lazyConnect: true });
    this.token = token;
    if (!options.lazyConnect) this.connect().catch(() => {});
  }

  override connect(callback?: Callback<void>): Promise<void> {
    const attempt = (async () => {
      const password = await this.token().catch(() => undefined);
      if (password !== undefined) this.options.password = password;
      return super.connect();
    })();
    if (callback)
      attempt.then(
        () => callback(null),
        (error: Error) => callback(error),
      );
    return attempt;
  }
}
