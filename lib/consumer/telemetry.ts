/**
 * What the consumer runtime tells about each invocation: one span per invocation (`process <topic>`,
 * linked to every record's producer, as OTel's messaging conventions ask for a batch), one span per
 * record (a child of the record's producer, so a chain of steps is one trace, and linked to it and to
 * the invocation span), the trace id on every log line, and one EMF metrics line at the end.
 *
 * @example
 * const invocation = startInvocation(topic.name, group, decoded);
 * const result = await inRecordSpan(record, invocation, () => processRecord(record, settings));
 * invocation.finish(figures);
 */
import { type Attributes, type Context, type Link, ROOT_CONTEXT, type Span, type SpanContext, SpanKind, trace } from '@opentelemetry/api';
import { log } from '../log';
import { liveFigures } from '../stores/live-figures';
import { type BatchFigures, publishBatchMetrics } from '../telemetry/metrics';
import {
  activeContext,
  activeTraceId,
  contextFromHeaders,
  contextRunner,
  deferredContext,
  endSpan,
  kafkaAttributes,
  runWithContext,
  spansRecorded,
  TRACE_HEADER,
  tracer,
} from '../telemetry/trace';
import { withTimeout } from '../timeout';
import type { DecodedRecord } from './decode';

/** OTel keeps at most 128 links per span by default; a batch of 10,000 records links its first 128. */
const MAX_LINKS = 128;
/** Producer trace ids put on the invocation's log lines (a batch usually carries a handful). */
const MAX_LOGGED_TRACES = 20;

export interface Invocation {
  /** The invocation span's context: records without a producer trace are its children. */
  context: Context;
  /** Runs a record's handling in its context (the context manager looked up once per invocation). */
  run: <T>(ctx: Context, fn: () => T) => T;
  /** The attributes every record span of the invocation shares. */
  recordAttributes: Attributes;
  /** The link every record span has to the invocation span (none when tracing is off). */
  invocationLink: Link | undefined;
  /** Whether spans record at all (an SDK is registered); without one a record's context is read only when used. */
  spansRecorded: boolean;
  /** Ends the span, writes the metrics line and the console's live figures, takes the trace id off the log lines. */
  finish(figures: BatchFigures, error?: unknown): Promise<void>;
}

/** Trace context a producer left on the record (root when none), from the headers decoding read. */
function producerContext(record: DecodedRecord): Context {
  if (record.traceparent === undefined) return ROOT_CONTEXT;
  return contextFromHeaders({ [TRACE_HEADER.parent]: record.traceparent, [TRACE_HEADER.state]: record.tracestate });
}

/** Opens the invocation span of `group` over `records`, and puts its trace id on the invocation's log lines. */
export function startInvocation(topic: string, group: string, records: readonly DecodedRecord[][]): Invocation {
  const links: Link[] = [];
  const producerTraces = new Set<string>();
  let count = 0;
  for (const partition of records) {
    for (const record of partition) {
      count++;
      // Only the first records' contexts are read here; each record's own span reads its own when it
      // runs (kept for the whole batch, 10,000 contexts would outlive the young generation).
      if (links.length >= MAX_LINKS) continue;
      const producer = trace.getSpanContext(producerContext(record));
      if (!producer) continue;
      links.push({ context: producer });
      if (producerTraces.size < MAX_LOGGED_TRACES) producerTraces.add(producer.traceId);
    }
  }
  // Under the OpenTelemetry Lambda layer, the layer's invocation span is active here: ours nests in it.
  const parent = activeContext();
  const span = tracer().startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: kafkaAttributes('process', topic, { 'messaging.consumer.group.name': group, 'messaging.batch.message_count': count }),
    },
    parent,
  );
  const context = trace.setSpan(parent, span);
  // Every line of the invocation names its own trace and the producers' traces it continues, so one
  // Logs Insights query on a checkout's trace id finds the consumers' lines too.
  const traceId = runWithContext(context, activeTraceId);
  const keys: Record<string, string | string[]> = {};
  if (traceId) keys.trace_id = traceId;
  if (producerTraces.size > 0) keys.linked_trace_ids = [...producerTraces];
  log.appendKeys(keys);
  return {
    context,
    run: contextRunner(),
    recordAttributes: kafkaAttributes('process', topic, { 'messaging.consumer.group.name': group }),
    invocationLink: span.isRecording() ? { context: span.spanContext() } : undefined,
    spansRecorded: spansRecorded(),
    async finish(figures, error) {
      endSpan(span, error);
      log.removeKeys(Object.keys(keys));
      publishBatchMetrics(group, figures);
      await recordLiveFigures(group, figures);
    },
  };
}

/** Longest an invocation waits for the console's figures to be written: they must never hold up a batch. */
const LIVE_FIGURES_BUDGET_MS = 250;

/** Adds the invocation to the operator console's figures (lib/stores/live-figures.ts); a failure is logged, never thrown. */
async function recordLiveFigures(group: string, figures: BatchFigures): Promise<void> {
  if (!liveFigures.enabled()) return;
  const deadLettered = Object.values(figures.deadLettered).reduce((sum, n) => sum + n, 0);
  const counts = { ...figures, deadLettered };
  await withTimeout(liveFigures.record(group, counts), LIVE_FIGURES_BUDGET_MS, 'writing the live figures').catch((error: unknown) => {
    log.warn('live figures not recorded', { group, error: error instanceof Error ? error.message : String(error) });
  });
}

/** Runs `process` (one record's whole handling) inside the record's span; the span says how it ended. */
export function inRecordSpan<R extends string>(record: DecodedRecord, invocation: Invocation, process: () => Promise<R>): Promise<R> {
  const { parent, span } = openRecordSpan(record, invocation);
  // A record whose producer's trace was not sampled gets a non-recording span: skip building what it
  // would drop, and carry the producer's context on as it is (same trace id, still not sampled).
  // Not an async function: the usual (unsampled or untraced) record costs no extra promise.
  if (span === undefined) return invocation.run(parent, process);
  return inSpan(span, parent, invocation, process);
}

async function inSpan<R extends string>(span: Span, parent: Context, invocation: Invocation, process: () => Promise<R>): Promise<R> {
  try {
    const outcome = await invocation.run(trace.setSpan(parent, span), process);
    span.setAttribute('kafka_lambda.outcome', outcome);
    endSpan(span, outcome === 'failed' || outcome === 'dead-lettered' ? new Error(`record ${outcome}`) : undefined);
    return outcome;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

/**
 * The span of a record a batch handler applied before the partition pass: it has nothing left to
 * run, so the span is opened and ended at once (outcome `batched`), with no context switch or await.
 */
export function recordBatchedSpan(record: DecodedRecord, invocation: Invocation): void {
  const { span } = openRecordSpan(record, invocation);
  if (span === undefined) return;
  span.setAttribute('kafka_lambda.outcome', 'batched');
  endSpan(span);
}

/** The context a record's span is a child of (its producer's, else the invocation's), and the producer's span, if any. */
function parentOf(record: DecodedRecord, invocation: Context): { parent: Context; producerSpan: SpanContext | undefined } {
  const producer = producerContext(record);
  const producerSpan = trace.getSpanContext(producer);
  return { parent: producerSpan ? producer : invocation, producerSpan };
}

/** The record's parent context (its producer's, else the invocation's) and its span, when that records. */
function openRecordSpan(
  record: DecodedRecord,
  { context: invocation, recordAttributes, invocationLink, spansRecorded }: Invocation,
): { parent: Context; span: Span | undefined } {
  // No SDK: no span can record, and the producer's context is only carried on, so it is parsed
  // when the handler publishes or logs (most records: never).
  if (!spansRecorded) return { parent: deferredContext(() => parentOf(record, invocation).parent), span: undefined };
  const { parent, producerSpan } = parentOf(record, invocation);
  const span: Span = tracer().startSpan(`process ${record.topic}`, { kind: SpanKind.CONSUMER }, parent);
  if (!span.isRecording()) return { parent, span: undefined };
  if (producerSpan) span.addLink({ context: producerSpan });
  if (invocationLink) span.addLink(invocationLink);
  span.setAttributes(recordAttributes);
  span.setAttribute('messaging.destination.partition.id', String(record.partition));
  span.setAttribute('messaging.kafka.offset', record.offset);
  span.setAttribute('messaging.message.id', record.eventId);
  if (record.key !== null) span.setAttribute('messaging.kafka.message.key', record.key);
  return { parent, span };
}
