/**
 * The caller's identity, from the claims of a verified token.
 *
 * On AWS the HTTP API's JWT authorizer verifies the token (signature, expiry, issuer, audience)
 * before the function runs and passes its claims in the request context: they are trusted.
 * Under serverless-offline (`IS_OFFLINE`) that check is not real — it decodes tokens without
 * verifying the signature, and a client may even inject claims with its
 * `sls-offline-authorizer-override` header — so the function verifies the bearer token itself
 * against the local dev key (lib/http/local-jwt.ts, loaded only then) and ignores the request context.
 *
 * Never from a client-supplied header such as `X-Customer-ID`: anyone can send that.
 */

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { errorMessage } from '../errors';
import { headerOf } from './headers';
import { HttpProblem } from './problem';
import { scopesOf } from './scopes';

export interface Caller {
  /** The token's subject: the customer or user id. */
  id: string;
  claims: Record<string, unknown>;
  /** The OAuth scopes the token grants (lib/http/scopes.ts). */
  scopes: string[];
}

interface JwtRequestContext {
  authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: unknown } };
}

/** What to do without a (valid) token locally: sign one with the local dev key. */
export const LOCAL_TOKEN_HINT = 'Send a bearer token: Authorization: Bearer $(npm run -s token)';

/** A 401 problem (`WWW-Authenticate: Bearer`), from the functions and from the local gateway alike. */
export function unauthorized(detail = 'A valid bearer token is required'): HttpProblem {
  return new HttpProblem(401, 'Unauthorized', detail, [], { 'www-authenticate': 'Bearer' });
}

/** The authenticated caller, or a 401 problem. */
export async function callerOf(event: APIGatewayProxyEventV2, env: NodeJS.ProcessEnv = process.env): Promise<Caller> {
  const jwt = (event.requestContext as unknown as JwtRequestContext).authorizer?.jwt;
  const claims = env.IS_OFFLINE ? await locallyVerifiedClaims(event, env) : jwt?.claims;
  const subject = claims?.sub;
  if (!claims || typeof subject !== 'string' || subject.length === 0 || subject.length > 128) throw unauthorized();
  // Offline, the request context is not trusted: only the verified token's own claims count.
  return { id: subject, claims, scopes: scopesOf(claims, env.IS_OFFLINE ? undefined : jwt?.scopes) };
}

async function locallyVerifiedClaims(event: APIGatewayProxyEventV2, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const header = headerOf(event, 'authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  if (!match?.[1]) throw unauthorized(LOCAL_TOKEN_HINT);
  // Loaded here only: deployed bundles leave the local verifier and jose out (lib/deploy/esbuild-local-only.cjs).
  const { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, verifyLocalToken }: typeof import('./local-jwt') = require('./local-jwt');
  try {
    return await verifyLocalToken(match[1], { issuer: env.JWT_ISSUER || LOCAL_JWT_ISSUER, audience: env.JWT_AUDIENCE || LOCAL_JWT_AUDIENCE });
  } catch (error) {
    // Locally the reason helps (expired, wrong audience, bad signature); it reveals nothing secret.
    throw unauthorized(`Invalid token: ${errorMessage(error)}`);
  }
}
