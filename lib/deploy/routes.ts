/**
 * Who may call which HTTP route, from serverless.yml's `custom.deploy`:
 *
 *   publicRoutes:    ['GET /health', 'GET /dashboard']   served without a token
 *   operatorRoutes:  ['GET /stats']                        need the operator scope (lib/http/scopes.ts)
 *
 * Adding an operator route (a console's dead-letter or redrive route) is one line in
 * `operatorRoutes`: its gateway route gets `AuthorizationScopes` in the template, and its function
 * `REQUIRED_SCOPE`, which lib/http/api.ts enforces (locally the only check, since
 * serverless-offline does not verify tokens). The scope is deliberately not put on the `httpApi`
 * event itself: serverless-offline would then refuse with a bare Boom 403 before the function
 * could answer with a problem body.
 *
 * Public functions leave the VPC (they need neither Kafka nor Redis) and must have a reserved
 * concurrency, so a flood of public requests cannot take the concurrency the consumers need.
 */
import { REQUIRED_SCOPE_ENV } from '../http/scopes';

export interface HttpRoute {
  method?: string;
  path?: string;
  authorizer?: unknown;
}

export interface RoutedFunction {
  vpc?: unknown;
  reservedConcurrency?: unknown;
  environment?: Record<string, unknown>;
  events?: Record<string, unknown>[];
}

export interface RouteSettings {
  publicRoutes?: readonly string[];
  operatorRoutes?: readonly string[];
  operatorScope?: string;
}

/** `GET /stats`, as API Gateway writes a route key (method upper-cased). */
export function routeKey(route: HttpRoute): string {
  return `${(route.method ?? '*').toUpperCase()} ${route.path ?? ''}`;
}

const routesOf = (fn: RoutedFunction): HttpRoute[] =>
  (fn.events ?? []).map((event) => event.httpApi as HttpRoute | undefined).filter((route): route is HttpRoute => route !== undefined);

const keySet = (routes: readonly string[] | undefined) => new Set((routes ?? []).map((route) => route.trim().replace(/^(\S+)/, (m) => m.toUpperCase())));

/**
 * Gives operator functions `REQUIRED_SCOPE` and takes public functions out of the VPC; fails on a
 * function mixing operator and other routes (one scope per function), on a public function without
 * reserved concurrency, and on a listed route no function serves.
 */
export function applyRouteAccess(functions: Readonly<Record<string, RoutedFunction>>, settings: RouteSettings): void {
  const operator = keySet(settings.operatorRoutes);
  const open = keySet(settings.publicRoutes);
  if (operator.size > 0 && !settings.operatorScope) throw new Error('custom.deploy.operatorRoutes needs custom.deploy.operatorScope');
  const served = new Set<string>();
  for (const [name, fn] of Object.entries(functions)) {
    const keys = routesOf(fn).map(routeKey);
    for (const key of keys) served.add(key);
    if (keys.length === 0) continue;
    const operatorKeys = keys.filter((key) => operator.has(key));
    if (operatorKeys.length > 0) {
      if (operatorKeys.length !== keys.length) {
        throw new Error(`Function "${name}" serves operator routes (${operatorKeys.join(', ')}) and others: give operator routes functions of their own`);
      }
      fn.environment = { ...fn.environment, [REQUIRED_SCOPE_ENV]: settings.operatorScope };
    }
    if (keys.every((key) => open.has(key)) && (fn.events ?? []).every((event) => event.httpApi !== undefined)) {
      if (fn.reservedConcurrency === undefined || fn.reservedConcurrency === null) {
        throw new Error(`Public function "${name}" needs reservedConcurrency (\${param:publicConcurrency}), so public traffic cannot starve the consumers`);
      }
      // `vpc: null` tells the framework not to apply provider.vpc to this function.
      fn.vpc = null;
    }
  }
  const missing = [...operator, ...open].filter((key) => !served.has(key));
  if (missing.length > 0) throw new Error(`custom.deploy lists routes no function serves: ${missing.join(', ')}`);
}

/** Refuses an HTTP route without the JWT authorizer unless custom.deploy.publicRoutes lists it. */
export function checkRoutesAuthorized(functions: Readonly<Record<string, RoutedFunction>>, settings: RouteSettings): void {
  const open = keySet(settings.publicRoutes);
  for (const [name, fn] of Object.entries(functions)) {
    for (const route of routesOf(fn)) {
      const key = routeKey(route);
      if (!route.authorizer && !open.has(key)) {
        throw new Error(
          `HTTP route "${key}" (function "${name}") has no authorizer: add \`authorizer: { name: jwt }\` to it, or list it in custom.deploy.publicRoutes if it must be public`,
        );
      }
    }
  }
}

interface RouteResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** Puts the operator scope on the operator routes of the compiled template; each must use the JWT authorizer. */
export function scopeOperatorRoutes(resources: Record<string, RouteResource>, settings: RouteSettings): void {
  const operator = keySet(settings.operatorRoutes);
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::ApiGatewayV2::Route' || !resource.Properties) continue;
    const key = String(resource.Properties.RouteKey);
    if (!operator.has(key)) continue;
    if (resource.Properties.AuthorizationType !== 'JWT') throw new Error(`Operator route "${key}" must use the JWT authorizer (authorizer: { name: jwt })`);
    resource.Properties.AuthorizationScopes = [settings.operatorScope];
  }
}
