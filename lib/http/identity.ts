/**
 * The caller's identity, from the claims of a token the gateway verified.
 *
 * On AWS the HTTP API's JWT authorizer verifies the token and passes its claims in the request
 * context. Never from a client-supplied header such as `X-Customer-ID`: anyone can send that.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpProblem } from './problem';

export interface Caller {
  /** The token's subject: the customer or user id. */
  id: string;
  claims: Record<string, unknown>;
}

interface JwtRequestContext {
  authorizer?: { jwt?: { claims?: Record<string, unknown> } };
}

/** The authenticated caller, or a 401 problem. */
export function callerOf(event: APIGatewayProxyEventV2): Caller {
  const claims = (event.requestContext as unknown as JwtRequestContext).authorizer?.jwt?.claims;
  const subject = claims?.sub;
  if (!claims || typeof subject !== 'string' || subject.length === 0 || subject.length > 128) {
    throw new HttpProblem(401, 'Unauthorized', 'A valid bearer token is required', [], { 'www-authenticate': 'Bearer' });
  }
  return { id: subject, claims };
}
