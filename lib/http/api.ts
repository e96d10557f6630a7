/**
 * HTTP API handlers: middy middlewares that do, once for every HTTP function, what every
 * request needs — content type and size checks, JSON parsing, zod validation, the caller's
 * identity, problem+json errors, and 503 when Kafka did not take the write — and, around all of
 * it, the request's span (continuing the caller's `traceparent`, or a new trace), the trace id on
 * its log lines, and one EMF metrics line (events published, publish latency, status class).
 *
 * @example
 * export const handler = httpApi({ body: checkoutRequest }, async ({ body, caller }) => {
 *   const order_id = await placeOrder(caller.id, body.items);   // a 503 problem when Kafka did not acknowledge
 *   return json(202, { order_id });
 * });
 */
import middy, { type MiddlewareObj } from '@middy/core';
import { SpanKind, trace } from '@opentelemetry/api';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { errorMessage } from '../errors';
import { KafkaUnavailableError } from '../kafka/errors';
import { log } from '../log';
import { newPublishStats, publishHttpMetrics, withPublishStats } from '../telemetry/metrics';
import { activeTraceId, contextFromHeaders, endSpan, runWithContext, TRACE_HEADER, tracer } from '../telemetry/trace';
import { headerOf } from './headers';
import { type Caller, callerOf } from './identity';
import { HttpProblem, validationProblem } from './problem';
import { REQUIRED_SCOPE_ENV, requireScope } from './scopes';

/** Bodies larger than this are refused with 413 before parsing. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface HttpRequest<Body> {
  event: APIGatewayProxyEventV2;
  context: Context;
  body: Body;
  /** The authenticated caller, from the verified token's claims. */
  caller: Caller;
  pathParameters: Record<string, string>;
}

export interface HttpApiOptions<S extends z.ZodType | undefined> {
  /** Schema of the JSON body; omit for requests without a body. */
  body?: S;
  maxBodyBytes?: number;
  /** Set false for public routes (health, dashboard page). */
  authenticated?: boolean;
  /** What the OpenAPI document (docs/openapi.json, `npm run contract`) says beyond `body`; never read at run time. */
  docs?: RouteDocs;
}

/** A route's documentation: what its handler validates by itself and what it answers. */
export interface RouteDocs {
  /** The body as clients send it, when `body` is not what they should read (e.g. `z.unknown()` checked in the handler). */
  body?: z.ZodType;
  /** Path parameters the handler validates itself (`uuidParameter`); others are documented as strings. */
  pathParameters?: Record<string, z.ZodType>;
  /** Answers by status: success bodies (JSON unless `contentType`), and problem statuses beyond the common ones. */
  responses?: Record<number, { description: string; body?: z.ZodType; contentType?: string; headers?: Record<string, string> }>;
}

/** What a handler made by `httpApi` declares about its requests, read by lib/contract/openapi.ts. */
export interface RouteContract {
  body?: z.ZodType;
  maxBodyBytes: number;
  authenticated: boolean;
  docs: RouteDocs;
}

/** Where a handler made by `httpApi` keeps its RouteContract. */
export const ROUTE_CONTRACT = Symbol.for('kafka-lambda-system.route-contract');

type BodyOf<S> = S extends z.ZodType ? z.infer<S> : undefined;
type Handler = ((event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>) & {
  readonly [ROUTE_CONTRACT]?: RouteContract;
};

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Wraps a plain request handler into a Lambda handler for the HTTP API. */
export function httpApi<S extends z.ZodType | undefined = undefined>(
  options: HttpApiOptions<S>,
  handler: (request: HttpRequest<BodyOf<S>>) => Promise<APIGatewayProxyStructuredResultV2>,
): Handler {
  const base = async (event: APIGatewayProxyEventV2, context: Context) => {
    // Who is asking comes first: an unauthenticated request gets 401 whatever its body (as on AWS).
    const caller = options.authenticated === false ? { id: 'anonymous', claims: {}, scopes: [] } : await callerOf(event);
    // Operator routes: lib/deploy sets REQUIRED_SCOPE on their functions (403 before any work).
    if (options.authenticated !== false) requireScope(caller.scopes, process.env[REQUIRED_SCOPE_ENV]);
    const body = (options.body ? parseBody(event, options.body, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : undefined) as BodyOf<S>;
    return handler({ event, context, body, caller, pathParameters: (event.pathParameters ?? {}) as Record<string, string> });
  };
  const lambda = observed(middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(base).use(problemErrors()) as unknown as Handler);
  const contract: RouteContract = {
    body: options.body,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    authenticated: options.authenticated !== false,
    docs: options.docs ?? {},
  };
  return Object.defineProperty(lambda, ROUTE_CONTRACT, { value: contract });
}

/** Runs `handler` in the request's span and writes the request's metrics line. */
function observed(handler: Handler): Handler {
  return async (event, context) => {
    const method = event.requestContext?.http?.method ?? 'GET';
    const route = event.routeKey && event.routeKey !== '$default' ? event.routeKey : `${method} ${event.rawPath ?? ''}`;
    const parent = contextFromHeaders({
      [TRACE_HEADER.parent]: headerOf(event, TRACE_HEADER.parent),
      [TRACE_HEADER.state]: headerOf(event, TRACE_HEADER.state),
    });
    const span = tracer().startSpan(
      route,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'http.route': route.slice(route.indexOf(' ') + 1), 'url.path': event.rawPath ?? '' },
      },
      parent,
    );
    const stats = newPublishStats();
    const ctx = withPublishStats(trace.setSpan(parent, span), stats);
    const traceId = runWithContext(ctx, activeTraceId);
    if (traceId) log.appendKeys({ trace_id: traceId });
    let statusCode = 500;
    try {
      const response = await runWithContext(ctx, () => handler(event, context));
      statusCode = response.statusCode ?? 200;
      span.setAttribute('http.response.status_code', statusCode);
      endSpan(span, statusCode >= 500 ? new Error(`HTTP ${statusCode}`) : undefined);
      return response;
    } catch (error) {
      endSpan(span, error);
      throw error;
    } finally {
      if (traceId) log.removeKeys(['trace_id']);
      publishHttpMetrics(route, statusCode, stats);
    }
  };
}

/** Turns every error into a problem response; nothing escapes as an unformatted 500. */
function problemErrors(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof HttpProblem) {
        request.response = error.toResponse();
      } else if (error instanceof KafkaUnavailableError) {
        log.warn('Kafka unavailable, answering 503', { error: error.message });
        request.response = new HttpProblem(503, 'Service Unavailable', 'The event could not be stored; nothing was accepted. Retry later.', [], {
          'retry-after': '5',
        }).toResponse();
      } else {
        log.error('Unhandled error', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
        request.response = new HttpProblem(500, 'Internal Server Error').toResponse();
      }
    },
  };
}

function parseBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S, maxBytes: number): z.infer<S> {
  const contentType = headerOf(event, 'content-type') ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw new HttpProblem(
      415,
      'Unsupported Media Type',
      `Send the body as application/json (got ${mediaType ? `"${mediaType.slice(0, 100)}"` : 'no content-type'})`,
      [{ field: 'content-type', message: 'Must be application/json' }],
    );
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) {
    throw new HttpProblem(413, 'Content Too Large', `The body is ${bytes.length} bytes; the limit is ${maxBytes}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpProblem(400, 'Malformed body', 'The body is not valid UTF-8', [{ field: '', message: 'Invalid UTF-8' }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpProblem(400, 'Malformed JSON', errorMessage(error).slice(0, 200), [{ field: '', message: 'Not valid JSON' }]);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw validationProblem(result.error);
  return result.data;
}
