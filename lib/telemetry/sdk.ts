/**
 * Registers the OpenTelemetry SDK in this process: a tracer provider that hands every ended span
 * to `exporter`, an AsyncLocalStorage context manager and the W3C propagator. The functions never
 * import this (their bundles carry only @opentelemetry/api): on AWS the OpenTelemetry Lambda layer
 * registers the SDK; tests register it with an in-memory exporter.
 *
 * @example
 * const exporter = new InMemorySpanExporter();
 * const tracing = startTracing(exporter);
 * await tracing.flush();
 * const spans = exporter.getFinishedSpans();
 * await tracing.shutdown();
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Flushes and unregisters everything (spans afterwards are no-ops again). */
  shutdown(): Promise<void>;
}

/**
 * `batch`: export in the background in batches (as a collector-bound exporter would), with room for
 * `maxQueueSize` spans; otherwise each span is exported as it ends (tests read them at once).
 */
export function startTracing(exporter: SpanExporter, options: { batch?: { maxQueueSize: number } } = {}): Tracing {
  const processor = options.batch
    ? new BatchSpanProcessor(exporter, { maxQueueSize: options.batch.maxQueueSize, maxExportBatchSize: 512, scheduledDelayMillis: 200 })
    : new SimpleSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
