/**
 * Registers the OpenTelemetry SDK in this process: a tracer provider that hands every ended span
 * to `exporter`, an AsyncLocalStorage context manager and the W3C propagator. The functions never
 * import this (their bundles carry only @opentelemetry/api): on AWS the OpenTelemetry Lambda layer
 * registers the SDK; tests register it with an in-memory exporter.
 *
 * @example
 * const exporter = new InMemorySpanExporter();
 * const tracing = startTracing(exporter);
 * ... exporter.getFinishedSpans() ...
 * await tracing.shutdown();
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  /** Flushes and unregisters everything (spans afterwards are no-ops again). */
  shutdown(): Promise<void>;
}

export function startTracing(exporter: SpanExporter): Tracing {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
