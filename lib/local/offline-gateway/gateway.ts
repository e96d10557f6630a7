/**
 * Hooks into serverless-offline's HTTP gateway (a hapi server) without changing its routing:
 * - its own refusals (JWT check, body limit, unknown route) become problem+json (problems.ts);
 * - one log line per request, with the answer and the time it took (the dashboard's polling at DEBUG);
 * - at most `concurrencyOf(function)` requests of one function run at once (concurrency.ts): the
 *   others wait, instead of serverless-offline starting one more worker thread per concurrent request.
 *
 * serverless-offline keeps its hapi server private, so the hook is on hapi's `Server.start`, for the
 * one server that listens on the gateway's port (the Lambda invoke API on its own port is left alone).
 */
import type { PluginLog } from '../plugin-log';
import { ConcurrencyLimit } from './concurrency';
import { problemFor } from './problems';

interface HapiResponse {
  statusCode: number;
  source?: unknown;
  isBoom?: undefined;
}

interface HapiBoom {
  isBoom: true;
  message: string;
  output: { statusCode: number; headers: Record<string, string | string[] | number> };
}

interface HapiRequest {
  method: string;
  path: string;
  route: { path: string; method: string };
  headers: Record<string, string | undefined>;
  query: Record<string, unknown>;
  info: { received: number; responded: number; completed?: number };
  response: HapiResponse | HapiBoom | null;
}

interface HapiToolkit {
  continue: symbol;
  response(body: string): { code(status: number): HapiBuilt };
}

interface HapiBuilt {
  header(name: string, value: string): HapiBuilt;
  type(mediaType: string): HapiBuilt;
}

export interface HapiServer {
  settings: { port?: number | string | null };
  ext(event: 'onPreResponse' | 'onPreHandler', method: (request: HapiRequest, h: HapiToolkit) => unknown): void;
  events: { on(event: 'response', listener: (request: HapiRequest) => void): void };
  start(): Promise<void>;
}

export interface GatewayOptions {
  port: number;
  log: PluginLog;
  /** `GET /orders/{id}` → the function key, for the log line. */
  functionOf: (method: string, routePath: string) => string | undefined;
  /** Instances of a function that may run at once; requests beyond wait for one to be free. */
  concurrencyOf: (functionKey: string) => number;
}

/** Query parameter the dashboard's polling carries, so its requests are logged at DEBUG. */
const POLLING_QUERY = { via: 'dashboard' } as const;

/** Patches hapi's Server prototype (once) so the gateway server is hooked when it starts. */
export function hookGatewayOnStart(serverPrototype: HapiServer, options: GatewayOptions): void {
  const marked = serverPrototype as HapiServer & { __problemGateway?: boolean };
  if (marked.__problemGateway) return;
  marked.__problemGateway = true;
  const start = serverPrototype.start;
  serverPrototype.start = function (this: HapiServer) {
    if (String(this.settings.port) === String(options.port)) hookGateway(this, options);
    return start.call(this);
  };
}

function hookGateway(server: HapiServer, options: GatewayOptions): void {
  // Requests the gateway answered itself: no function ran for them.
  const refused = new WeakSet<HapiRequest>();
  // After authentication and body parsing, right before serverless-offline's handler invokes the function.
  const limits = new Map<string, ConcurrencyLimit>();
  const releases = new WeakMap<HapiRequest, () => void>();
  server.ext('onPreHandler', async (request, h) => {
    const fn = options.functionOf(request.method, request.route.path);
    if (fn === undefined) return h.continue;
    let limit = limits.get(fn);
    if (!limit) {
      limit = new ConcurrencyLimit(options.concurrencyOf(fn));
      limits.set(fn, limit);
    }
    releases.set(request, await limit.acquire());
    return h.continue;
  });
  server.ext('onPreResponse', (request, h) => {
    const response = request.response;
    const refusal: Refused | undefined = response?.isBoom
      ? { status: response.output.statusCode, message: response.message, headers: response.output.headers }
      : notFound(request);
    if (!refusal) return h.continue;
    refused.add(request);
    const problem = problemFor({
      status: refusal.status,
      message: refusal.message,
      method: request.method,
      path: request.path,
      hadToken: Boolean(request.headers.authorization),
      routes: refusal.routes,
    }).toResponse();
    let built = h
      .response(String(problem.body))
      .code(problem.statusCode ?? refusal.status)
      .type('application/problem+json');
    // Keep what serverless-offline set on its answer (CORS), then the problem's own headers.
    for (const [name, value] of Object.entries(refusal.headers ?? {})) {
      if (!/^content-(type|length)$/i.test(name)) built = built.header(name, String(value));
    }
    for (const [name, value] of Object.entries(problem.headers ?? {})) {
      if (name !== 'content-type') built = built.header(name, String(value));
    }
    return built;
  });

  server.events.on('response', (request) => {
    releases.get(request)?.();
    releases.delete(request);
    const status = request.response?.isBoom ? request.response.output.statusCode : (request.response?.statusCode ?? 0);
    const took = (request.info.responded || request.info.completed || Date.now()) - request.info.received;
    const fn = refused.has(request) ? undefined : options.functionOf(request.method, request.route.path);
    const line = `${request.method.toUpperCase()} ${request.path} -> ${status || 'no answer'} ${took} ms${fn ? ` (λ ${fn})` : ''}`;
    const polling = Object.entries(POLLING_QUERY).every(([key, value]) => request.query[key] === value);
    if (polling && status < 400) options.log.debug(line);
    else if (status >= 500 || status === 0) options.log.warn(line);
    else options.log.info(line);
  });
}

/** serverless-offline's catch-all route answers unknown paths with a 404 of its own shape. */
interface Refused {
  status: number;
  message: string;
  routes?: string[];
  headers?: Record<string, string | string[] | number>;
}

function notFound(request: HapiRequest): Refused | undefined {
  const response = request.response as HapiResponse | null;
  if (request.route.path !== '/{p*}' || response?.statusCode !== 404) return undefined;
  const source = response.source as { existingRoutes?: unknown } | undefined;
  const routes = Array.isArray(source?.existingRoutes) ? source.existingRoutes.filter((r): r is string => typeof r === 'string') : undefined;
  return { status: 404, message: 'route not found', routes };
}
