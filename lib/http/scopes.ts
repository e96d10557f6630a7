/**
 * OAuth scopes that guard routes beyond "any signed-in user".
 *
 * Operator routes (`custom.deploy.operatorRoutes` in serverless.yml: `/stats`, and any console
 * route added there) need {@link OPERATOR_SCOPE}. AWS's HTTP API docs recommend scopes on JWT
 * routes because ID and access tokens are otherwise interchangeable
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html).
 * On AWS the route's `AuthorizationScopes` make the gateway refuse a token without it (lib/deploy);
 * the deploy plugin also gives the route's function `REQUIRED_SCOPE`, and {@link requireScope}
 * enforces it in the function, which is what refuses it under serverless-offline, where the
 * functions verify tokens themselves.
 */
import { HttpProblem } from './problem';

/** The scope of operator routes; a Cognito resource server `kafka-lambda-system` with scope `operator` issues it. */
export const OPERATOR_SCOPE = 'kafka-lambda-system/operator';

/** Environment variable naming the scope every request to the function must carry. */
export const REQUIRED_SCOPE_ENV = 'REQUIRED_SCOPE';

/**
 * The scopes a token grants: `scope` (RFC 8693 / Cognito access tokens, space-delimited) or
 * `scp` (a list, or a string), plus those the HTTP API's authorizer passes in its request context.
 */
export function scopesOf(claims: Record<string, unknown>, authorizerScopes: unknown = undefined): string[] {
  const words = (value: unknown): string[] =>
    typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
  return [...new Set([...words(claims.scope), ...words(claims.scp), ...words(authorizerScopes)])];
}

/** Throws a 403 problem unless `scopes` holds `required` (nothing is required when it is empty). */
export function requireScope(scopes: readonly string[], required: string | undefined): void {
  if (!required || scopes.includes(required)) return;
  throw new HttpProblem(403, 'Forbidden', `This route needs a token with the scope "${required}"`, [
    { field: 'authorization', message: `Missing scope ${required}` },
  ]);
}
