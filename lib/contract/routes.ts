/**
 * The HTTP routes of serverless.yml, each with what its handler declares (lib/http/api.ts
 * RouteContract) and its function file's doc comment: the input of the OpenAPI document. A route
 * added to serverless.yml with an `httpApi` handler is documented on the next `npm run contract`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ROUTE_CONTRACT, type RouteContract } from '../http/api';
import { OPERATOR_SCOPE } from '../http/scopes';

export interface HttpRoute {
  /** Function name in serverless.yml. */
  functionName: string;
  method: string;
  /** API Gateway path template, e.g. `/orders/{id}`. */
  path: string;
  /** Whether serverless.yml puts the JWT authorizer on the route. */
  authorized: boolean;
  /** The scope the route requires (custom.deploy.operatorRoutes), if any. */
  scope?: string;
  /** The function file, relative to the project root. */
  file: string;
  contract: RouteContract;
  /** The function file's leading doc comment, without the comment markers. */
  doc: string;
}

const httpApiEvent = z.union([
  z.string().transform((text) => {
    const [method = '', path = ''] = text.trim().split(/\s+/);
    return { method, path, authorizer: undefined };
  }),
  z.object({ method: z.string(), path: z.string(), authorizer: z.unknown().optional() }),
]);

const serverlessConfig = z.object({
  custom: z.object({ deploy: z.object({ operatorRoutes: z.array(z.string()).optional() }).optional() }).optional(),
  functions: z.record(z.string(), z.object({ handler: z.string(), events: z.array(z.record(z.string(), z.unknown())).optional() })),
});

/** The doc comment a file opens with (`/** ... *\/`), as plain lines. */
function leadingDocComment(source: string): string {
  const match = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!match?.[1]) return '';
  return match[1]
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trimEnd())
    .join('\n')
    .trim();
}

function contractOf(module: unknown, file: string): RouteContract {
  const handler = (module as { handler?: unknown } | null)?.handler;
  const contract = typeof handler === 'function' ? (handler as { [ROUTE_CONTRACT]?: RouteContract })[ROUTE_CONTRACT] : undefined;
  if (!contract) throw new Error(`${file}: the handler of an HTTP route must be made with httpApi() (lib/http/api.ts) so its contract can be documented`);
  return contract;
}

/** Every `httpApi` route of the serverless.yml in `root`, in file order. */
export function httpRoutes(root: string): HttpRoute[] {
  const config = serverlessConfig.parse(parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { merge: true }));
  const operatorRoutes = new Set((config.custom?.deploy?.operatorRoutes ?? []).map((route) => route.toUpperCase()));
  const routes: HttpRoute[] = [];
  for (const [functionName, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      if (!('httpApi' in event)) continue;
      const { method, path, authorizer } = httpApiEvent.parse(event.httpApi);
      // `functions/checkout.handler` → functions/checkout.ts
      const file = `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.ts`;
      const absolute = join(root, file);
      // Loaded only by scripts and tests; handler modules connect to nothing until invoked.
      const contract = contractOf(require(absolute), file);
      const authorized = authorizer !== undefined;
      if (authorized !== contract.authenticated) {
        throw new Error(
          `${method} ${path}: serverless.yml ${authorized ? 'puts the JWT authorizer on it' : 'leaves it public'} but ${file} says authenticated: ${contract.authenticated}`,
        );
      }
      const scope = operatorRoutes.has(`${method} ${path}`.toUpperCase()) ? { scope: OPERATOR_SCOPE } : {};
      routes.push({
        functionName,
        method: method.toUpperCase(),
        path,
        authorized,
        ...scope,
        file,
        contract,
        doc: leadingDocComment(readFileSync(absolute, 'utf8')),
      });
    }
  }
  return routes;
}
