/**
 * Scopes from token claims, and the operator-route wiring the deploy plugin does from serverless.yml.
 */
import { applyRouteAccess, type RoutedFunction, scopeOperatorRoutes } from '../../lib/deploy/routes';
import { HttpProblem } from '../../lib/http/problem';
import { OPERATOR_SCOPE, requireScope, scopesOf } from '../../lib/http/scopes';

describe('scopesOf', () => {
  it('reads space-delimited `scope`, `scp` lists and the authorizer’s scopes, once each', () => {
    expect(scopesOf({ scope: ' openid  kafka-lambda-system/operator ' })).toEqual(['openid', 'kafka-lambda-system/operator']);
    expect(scopesOf({ scp: ['a', 'b'] }, ['b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(scopesOf({ scope: 42, scp: [1, 'x'] })).toEqual(['x']);
  });
});

describe('requireScope', () => {
  it('passes when nothing is required or the scope is granted', () => {
    expect(() => requireScope([], undefined)).not.toThrow();
    expect(() => requireScope(['openid', OPERATOR_SCOPE], OPERATOR_SCOPE)).not.toThrow();
  });

  it('answers 403 problem+json naming the scope otherwise', () => {
    let problem: unknown;
    try {
      requireScope(['kafka-lambda-system/operatorx'], OPERATOR_SCOPE);
    } catch (error) {
      problem = error;
    }
    expect(problem).toBeInstanceOf(HttpProblem);
    const response = (problem as HttpProblem).toResponse();
    expect(response.statusCode).toBe(403);
    expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(String(response.body))).toMatchObject({ status: 403, detail: expect.stringContaining(OPERATOR_SCOPE) });
  });
});

describe('applyRouteAccess', () => {
  const settings = { publicRoutes: ['GET /health'], operatorRoutes: ['GET /stats', 'POST /dead-letters/{group}/redrive'], operatorScope: OPERATOR_SCOPE };
  const http = (method: string, path: string, authorizer: unknown = { name: 'jwt' }) => ({ httpApi: { method, path, authorizer } });

  it('gives operator functions REQUIRED_SCOPE and takes public functions out of the VPC', () => {
    const functions: Record<string, RoutedFunction> = {
      stats: { events: [http('get', '/stats')] },
      redrive: { environment: { A: '1' }, events: [http('POST', '/dead-letters/{group}/redrive')] },
      health: { reservedConcurrency: 5, events: [{ httpApi: { method: 'GET', path: '/health' } }] },
      checkout: { events: [http('POST', '/checkout')] },
      inventory: { events: [{ msk: { topic: 'order.placed' } }] },
    };
    applyRouteAccess(functions, settings);
    expect(functions.stats?.environment).toEqual({ REQUIRED_SCOPE: OPERATOR_SCOPE });
    expect(functions.redrive?.environment).toEqual({ A: '1', REQUIRED_SCOPE: OPERATOR_SCOPE });
    expect(functions.checkout?.environment).toBeUndefined();
    expect(functions.health?.vpc).toBeNull();
    expect(functions.checkout?.vpc).toBeUndefined();
    expect(functions.inventory?.vpc).toBeUndefined();
  });

  it('refuses a public function without reserved concurrency, a mixed function and an unserved route', () => {
    const base = { stats: { events: [http('GET', '/stats')] }, redrive: { events: [http('POST', '/dead-letters/{group}/redrive')] } };
    expect(() => applyRouteAccess({ ...base, health: { events: [{ httpApi: { method: 'GET', path: '/health' } }] } }, settings)).toThrow(
      /Public function "health" needs reservedConcurrency/,
    );
    expect(() =>
      applyRouteAccess(
        { ...base, health: { reservedConcurrency: 1, events: [http('GET', '/health')] }, stats: { events: [http('GET', '/stats'), http('GET', '/me')] } },
        settings,
      ),
    ).toThrow(/serves operator routes \(GET \/stats\) and others/);
    expect(() => applyRouteAccess({ stats: base.stats, health: { reservedConcurrency: 1, events: [http('GET', '/health')] } }, settings)).toThrow(
      /routes no function serves: POST \/dead-letters\/\{group\}\/redrive/,
    );
  });
});

describe('scopeOperatorRoutes', () => {
  it('puts the scope on operator routes only, and refuses an operator route without the JWT authorizer', () => {
    const resources = {
      Stats: { Type: 'AWS::ApiGatewayV2::Route', Properties: { RouteKey: 'GET /stats', AuthorizationType: 'JWT' } as Record<string, unknown> },
      Checkout: { Type: 'AWS::ApiGatewayV2::Route', Properties: { RouteKey: 'POST /checkout', AuthorizationType: 'JWT' } as Record<string, unknown> },
    };
    scopeOperatorRoutes(resources, { operatorRoutes: ['GET /stats'], operatorScope: OPERATOR_SCOPE });
    expect(resources.Stats.Properties.AuthorizationScopes).toEqual([OPERATOR_SCOPE]);
    expect(resources.Checkout.Properties.AuthorizationScopes).toBeUndefined();
    expect(() =>
      scopeOperatorRoutes(
        { Stats: { Type: 'AWS::ApiGatewayV2::Route', Properties: { RouteKey: 'GET /stats' } } },
        { operatorRoutes: ['GET /stats'], operatorScope: OPERATOR_SCOPE },
      ),
    ).toThrow(/must use the JWT authorizer/);
  });
});
