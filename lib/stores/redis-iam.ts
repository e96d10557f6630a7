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
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4MultiRegion } from '@aws-sdk/signature-v4-multi-region';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
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

const bytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 and HMAC-SHA-256 for the signer, from Node's crypto (no extra dependency). */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** An IAM authentication token for ElastiCache: the password of an IAM-enabled user. */
export async function elastiCacheIamToken(request: IamTokenRequest): Promise<string> {
  // The SDK's signer, shipped with the Lambda runtime (so not bundled): plain SigV4 for a region.
  const signer = new SignatureV4MultiRegion({ service: 'elasticache', region: request.region, credentials: request.credentials, sha256: NodeSha256 });
  const query: Record<string, string> = { Action: 'connect', User: request.userId };
  if (request.serverless) query.ResourceType = 'ServerlessCache';
  const signed = await signer.presign(
    { method: 'GET', protocol: 'http:', hostname: request.cacheName, path: '/', query, headers: { host: request.cacheName } },
    { expiresIn: TOKEN_LIFETIME_SECONDS, ...(request.signingDate ? { signingDate: request.signingDate } : {}) },
  );
  const search = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) => [value ?? ''].flat().map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(String(v))}`))
    .join('&');
  return `${request.cacheName}/?${search}`;
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
