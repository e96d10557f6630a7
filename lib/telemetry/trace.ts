/**
 * Traces across Kafka with the OpenTelemetry API only (no SDK in the functions' bundles): whoever
 * registers a tracer provider — the OpenTelemetry Lambda layer on AWS, lib/telemetry/sdk.ts in
 * tests and `npm run dev` — gets the spans; without one every span is a no-op, yet an incoming
 * trace is still carried on unchanged from the HTTP request into the records and on to the next
 * step, so logs and records stay correlated whether spans are exported or not.
 *
 * Context travels in W3C Trace Context headers (`traceparent`, `tracestate`), as record headers
 * too: the headers the OTel kafkajs instrumentation and other clients read and write.
 * Span names and attributes follow OTel's messaging conventions for Kafka
 * (https://opentelemetry.io/docs/specs/semconv/messaging/kafka/).
 *
 * The current context is kept in an AsyncLocalStorage of our own ({@link runWithContext}) as well
 * as handed to the registered context manager, so it flows through awaits even when no SDK set one.
 *
 * @example
 * const parent = contextFromHeaders(record.headers);
 * await runWithContext(trace.setSpan(parent, span), () => handler(value, record));
 * const headers = traceHeaders(activeContext());   // { traceparent: '00-…-…-01' }
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  createTraceState,
  isSpanContextValid,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';

export const TRACE_HEADER = { parent: 'traceparent', state: 'tracestate' } as const;

let tracerOf: { provider: TracerProvider; tracer: Tracer } | undefined;

/** The instrumentation scope's name. */
const TRACER_NAME = 'kafka-lambda-system';

/**
 * The instrumentation scope of every span of this system. Kept per global provider: asking the API
 * per span would make a new proxy tracer each time while no SDK is registered, and a proxy follows
 * an SDK registered later, but not one registered after `trace.disable()` (tests, benchmarks).
 */
export function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (tracerOf?.provider !== provider) tracerOf = { provider, tracer: provider.getTracer(TRACER_NAME) };
  return tracerOf.tracer;
}

/**
 * Whether spans can record: a tracer provider (an SDK) is registered. Without one every span is a
 * no-op, so per-record work that only feeds spans can be skipped (lib/consumer/telemetry.ts). A
 * provider registered through another copy of the API is not our ProxyTracerProvider and counts as
 * recording: the safe side.
 */
export function spansRecorded(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
}

/**
 * A context made only when something reads it (`make` runs at most once). A record's producer
 * context is carried on to whatever its handler publishes or logs, but most handlers read it never
 * or once; parsing each record's `traceparent` into a context and a no-op span up front cost ~0.9 µs
 * per record in a tight loop (issue 14; in a whole 10,000-record batch without an SDK two A/B runs
 * gave 4% and nothing measurable).
 *
 * @example
 * const parent = deferredContext(() => contextFromHeaders(record.headers));
 * runWithContext(parent, () => handler(value));   // parsed if the handler publishes, else never
 */
export function deferredContext(make: () => Context): Context {
  return new DeferredContext(make);
}

class DeferredContext implements Context {
  #made: Context | undefined;
  #make: (() => Context) | undefined;

  constructor(make: () => Context) {
    this.#make = make;
  }

  #context(): Context {
    if (this.#made === undefined) {
      this.#made = (this.#make as () => Context)();
      this.#make = undefined;
    }
    return this.#made;
  }

  getValue(key: symbol): unknown {
    return this.#context().getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.#context().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.#context().deleteValue(key);
  }
}

const current = new AsyncLocalStorage<Context>();

/** The context of the running request or record (or the context manager's, or the root). */
export function activeContext(): Context {
  return current.getStore() ?? context.active();
}

const PROBE = ROOT_CONTEXT.setValue(createContextKey('kafka-lambda-system.probe'), true);

/** Whether a context manager is registered (the SDK's): then it alone carries the context. */
function managed(): boolean {
  return context.with(PROBE, () => context.active() === PROBE);
}

/** Runs `fn` with `ctx` as the active context, for our code and for the registered context manager alike. */
export function runWithContext<T>(ctx: Context, fn: () => T): T {
  return contextRunner()(ctx, fn);
}

/** A {@link runWithContext} for many calls in a row (a batch's records): asks once whether a context manager is registered. */
export function contextRunner(): <T>(ctx: Context, fn: () => T) => T {
  return managed() ? (ctx, fn) => context.with(ctx, fn) : (ctx, fn) => current.run(ctx, () => context.with(ctx, fn));
}

/** Trace id of the active context, when it has a valid one (for logs and stores). */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpanContext(activeContext());
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** The remote span context of a W3C `traceparent` (and `tracestate`), or undefined when absent or malformed. */
export function parseTraceparent(traceparent: string | undefined, tracestate?: string): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  // Producers write it lower case and trimmed (ours do): the regular expression alone, no copies.
  const match = TRACEPARENT.exec(traceparent) ?? TRACEPARENT.exec(traceparent.trim().toLowerCase());
  // Version ff is invalid; a future version may append fields, version 00 may not.
  if (!match || match[1] === 'ff' || (match[1] === '00' && match[5] !== undefined)) return undefined;
  const traceId = match[2] as string;
  const spanId = match[3] as string;
  // The expression checked the hex digits; all zeros is the one invalid value left (W3C Trace Context).
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(match[4] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
}

/** The context a producer left in `headers` (HTTP or record headers, names lower case), or the root. */
export function contextFromHeaders(headers: Readonly<Record<string, string | undefined>>): Context {
  const spanContext = parseTraceparent(headers[TRACE_HEADER.parent], headers[TRACE_HEADER.state]);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/** `traceparent` (and `tracestate`) for the span of `ctx`; empty when it has no valid trace. */
export function traceHeaders(ctx: Context): Record<string, string> {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const headers: Record<string, string> = { [TRACE_HEADER.parent]: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  const state = spanContext.traceState?.serialize();
  if (state) headers[TRACE_HEADER.state] = state;
  return headers;
}

/** Messaging attributes common to Kafka spans. */
export function kafkaAttributes(operation: 'send' | 'process', topic: string, extra: Attributes = {}): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': topic,
    ...extra,
  };
}

/** Ends `span`, marking it failed with `error` when given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const failure = error instanceof Error ? error : new Error(String(error));
    span.recordException(failure);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    span.setAttribute('error.type', failure.name);
  }
  span.end();
}
