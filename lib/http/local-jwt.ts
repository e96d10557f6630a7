/**
 * Local-only JWTs: the dev key that `npm run token` signs with and that the functions verify
 * against under serverless-offline (which decodes tokens without checking their signature).
 *
 * The key is an ES256 pair generated on first use into `.local/dev-jwt-key.json` (git-ignored,
 * mode 0600; `LOCAL_JWT_KEY_FILE` overrides the path). It is never used on AWS, where the HTTP
 * API's JWT authorizer verifies tokens of the real identity provider.
 *
 * @example
 * const token = await signLocalToken({ sub: 'customer-42' });
 * const claims = await verifyLocalToken(token, { issuer: LOCAL_JWT_ISSUER, audience: LOCAL_JWT_AUDIENCE });
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';

/** Issuer and audience of local tokens; serverless.yml's `local` params use the same values. */
export const LOCAL_JWT_ISSUER = 'https://auth.local.invalid/';
export const LOCAL_JWT_AUDIENCE = 'kafka-lambda-system-local';
const ALGORITHM = 'ES256';

interface StoredKey {
  note: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export function localKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCAL_JWT_KEY_FILE ?? join(process.cwd(), '.local', 'dev-jwt-key.json');
}

let cached: { file: string; key: Promise<StoredKey> } | undefined;

/** The local key pair, created on first use; concurrent first uses agree on one key. */
function localKey(): Promise<StoredKey> {
  const file = localKeyFile();
  if (cached?.file !== file) cached = { file, key: loadOrCreate(file) };
  return cached.key;
}

async function loadOrCreate(file: string): Promise<StoredKey> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const key: StoredKey = {
    note: 'Local development only: signs tokens for `npm run token`. Never use it anywhere else.',
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
  };
  mkdirSync(dirname(file), { recursive: true });
  try {
    // `wx`: if another process created the key meanwhile, theirs wins and is read back.
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
  }
}

export interface LocalTokenOptions {
  sub: string;
  /** Lifetime, e.g. `1h` or seconds; default 12 hours. */
  expiresIn?: string | number;
  issuer?: string;
  audience?: string;
  /** Extra claims (name, email, scope, ...). */
  claims?: JWTPayload;
  /** Issued-at, epoch seconds (tests make expired tokens with it); default now. */
  issuedAt?: number;
}

/** Signs a token with the local dev key. */
export async function signLocalToken(options: LocalTokenOptions): Promise<string> {
  const { privateJwk } = await localKey();
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const lifetime = options.expiresIn ?? '12h';
  const jwt = new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(options.issuer ?? LOCAL_JWT_ISSUER)
    .setAudience(options.audience ?? LOCAL_JWT_AUDIENCE)
    .setIssuedAt(issuedAt);
  jwt.setExpirationTime(typeof lifetime === 'number' ? issuedAt + lifetime : lifetime);
  // A relative lifetime counts from now in jose; count it from `issuedAt` instead.
  if (typeof lifetime === 'string' && options.issuedAt !== undefined) {
    const seconds = relativeSeconds(lifetime);
    jwt.setExpirationTime(issuedAt + seconds);
  }
  return jwt.sign(await importJWK(privateJwk, ALGORITHM));
}

function relativeSeconds(text: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`Unsupported lifetime "${text}": use e.g. 30m, 12h or a number of seconds`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** The imported public key of the key pair `localKey()` returns now (imported once per key: ~0.5 ms a time). */
let verifyingKey: { of: Promise<StoredKey>; key: ReturnType<typeof importJWK> } | undefined;

function publicKey(): ReturnType<typeof importJWK> {
  const stored = localKey();
  if (verifyingKey?.of !== stored) verifyingKey = { of: stored, key: stored.then(({ publicJwk }) => importJWK(publicJwk, ALGORITHM)) };
  return verifyingKey.key;
}

/** Verifies signature, expiry, issuer and audience; throws (a jose error) when any is wrong. */
export async function verifyLocalToken(token: string, expected: { issuer: string; audience: string }): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, await publicKey(), {
    algorithms: [ALGORITHM],
    issuer: expected.issuer,
    audience: expected.audience,
    requiredClaims: ['sub', 'exp'],
  });
  return payload;
}
