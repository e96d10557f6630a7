/**
 * One trace across Kafka, with the real broker and Redis and an in-memory span exporter: a
 * `POST /checkout` sent with a `traceparent` is followed into order.placed and through all four
 * checkout groups, and a video from `POST /videos` through transcode, thumbnail and search index.
 * Handlers run in-process; each group gets its records read back from Kafka, shaped as Lambda
 * delivers them (as in test/video/pipeline.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CONSUMER_GROUP, orderPlaced, userEvents, videoReady, videoTranscoded, videoUploaded } from '../../events/catalog';
import { handler as analytics } from '../../functions/analytics';
import { handler as checkout } from '../../functions/checkout';
import { handler as email } from '../../functions/email';
import { handler as postEvents } from '../../functions/events';
import { handler as getOrder } from '../../functions/getOrder';
import { handler as inventory } from '../../functions/inventory';
import { handler as pageViews } from '../../functions/pageViews';
import { handler as payment } from '../../functions/payment';
import { handler as searchIndex } from '../../functions/searchIndex';
import { handler as thumbnail } from '../../functions/thumbnail';
import { handler as transcode } from '../../functions/transcode';
import { handler as uploadVideo } from '../../functions/uploadVideo';
import type { KafkaBatchResponse } from '../../lib/consumer';
import { disconnectProducer, sendMessages } from '../../lib/kafka/publisher';
import { log } from '../../lib/log';
import { closeRedis } from '../../lib/stores/redis';
import { startTracing, type Tracing } from '../../lib/telemetry/sdk';
import { invokeHttp, lambdaContext } from '../support/http';
import { endOffsets, mskEventOf, type ReadRecord, readRecords } from '../support/kafka';

type KafkaHandler = (event: ReturnType<typeof mskEventOf>, context: ReturnType<typeof lambdaContext>) => Promise<KafkaBatchResponse>;

const STEP_ENV = ['TRANSCODE', 'THUMBNAIL', 'SEARCH_INDEX'].flatMap((step) => [`${step}_WORK_MS`, `${step}_FAILURE_RATE`]);
const exporter = new InMemorySpanExporter();
let tracing: Tracing;

beforeAll(() => {
  for (const name of STEP_ENV) process.env[name] = '0';
  tracing = startTracing(exporter);
});

afterAll(async () => {
  for (const name of STEP_ENV) delete process.env[name];
  await tracing.shutdown();
  await disconnectProducer();
  await closeRedis();
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A caller's trace: the `traceparent` it sends, and its parts. */
function callerTrace() {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const header = (record: ReadRecord, name: string) => record.message.headers?.[name]?.toString();
const spansOf = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The spans named `name` in `spans`, with group `group` when given. */
function named(spans: ReadableSpan[], name: string, group?: string): ReadableSpan[] {
  return spans.filter((s) => s.name === name && (group === undefined || s.attributes['messaging.consumer.group.name'] === group));
}

async function deliver(handler: KafkaHandler, records: ReadRecord[]): Promise<KafkaBatchResponse> {
  return handler(mskEventOf(records), lambdaContext(60_000));
}

/** Runs `fn` at log level INFO and returns the JSON log lines (Powertools Logger) it wrote; other output passes through. */
async function logLinesOf(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const level = log.getLevelName();
  log.setLogLevel('INFO');
  // Powertools writes info lines to stdout, warnings and errors to stderr.
  const spies = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    return jest.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = chunk.toString();
      for (const line of text.split('\n')) if (line.startsWith('{"level"')) lines.push(JSON.parse(line) as Record<string, unknown>);
      return text.startsWith('{"level"') ? true : write(chunk, ...rest);
    }) as typeof stream.write);
  });
  try {
    await fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
    log.setLogLevel(level);
  }
  return lines;
}

test('one POST /checkout with a traceparent is one trace through order.placed and all four groups', async () => {
  const caller = callerTrace();
  const before = await endOffsets(orderPlaced.name);
  const response = await invokeHttp(checkout, {
    path: '/checkout',
    body: { items: [{ product_id: 'SKU-001', quantity: 1, price: 9.5 }] },
    subject: `trace-${hex(4)}`,
    headers: { traceparent: caller.traceparent, tracestate: 'vendor=abc' },
  });
  expect(response.status).toBe(202);
  const orderId = String(response.json?.order_id);
  const records = (await readRecords(orderPlaced.name, before)).filter((r) => JSON.parse(String(r.message.value)).order_id === orderId);
  expect(records).toHaveLength(1);
  const [record] = records as [ReadRecord];

  // The record carries the caller's trace id, in the producer span's context, and the caller's tracestate.
  const [http] = named(spansOf(caller.traceId), 'POST /checkout');
  const [send] = named(spansOf(caller.traceId), `send ${orderPlaced.name}`);
  expect(http?.kind).toBe(SpanKind.SERVER);
  expect(parentOf(http as ReadableSpan)).toBe(caller.spanId);
  expect(send?.kind).toBe(SpanKind.PRODUCER);
  expect(parentOf(send as ReadableSpan)).toBe(http?.spanContext().spanId);
  expect(send?.attributes).toMatchObject({
    'messaging.system': 'kafka',
    'messaging.operation.type': 'send',
    'messaging.destination.name': orderPlaced.name,
    'messaging.destination.partition.id': String(record.partition),
    'messaging.kafka.offset': Number(record.message.offset),
  });
  expect(header(record, 'traceparent')).toBe(`00-${caller.traceId}-${send?.spanContext().spanId}-01`);
  expect(header(record, 'tracestate')).toBe('vendor=abc');

  const groups: [string, KafkaHandler][] = [
    ['inventory-service', inventory],
    ['payment-service', payment],
    ['email-service', email],
    ['analytics-service', analytics],
  ];
  for (const [, handler] of groups) expect((await deliver(handler, records)).batchItemFailures).toEqual([]);

  const sendContext = send?.spanContext();
  for (const [group] of groups) {
    const recordSpans = named(spansOf(caller.traceId), `process ${orderPlaced.name}`, group).filter(
      (s) => s.attributes['messaging.kafka.offset'] !== undefined,
    );
    expect({ group, count: recordSpans.length }).toEqual({ group, count: 1 });
    const span = recordSpans[0] as ReadableSpan;
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(span)).toBe(sendContext?.spanId);
    expect(span.links.map((l) => l.context.spanId)).toContain(sendContext?.spanId);
    expect(span.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': orderPlaced.name,
      'messaging.destination.partition.id': String(record.partition),
      'messaging.kafka.offset': Number(record.message.offset),
      'messaging.consumer.group.name': group,
      'messaging.message.id': header(record, 'ce_id'),
      'kafka_lambda.outcome': 'succeeded',
    });
    // The invocation's span (its own trace) links to the producer of every record of its batch.
    const invocation = exporter
      .getFinishedSpans()
      .find(
        (s) =>
          s.kind === SpanKind.CONSUMER &&
          s.attributes['messaging.batch.message_count'] !== undefined &&
          span.links.some((l) => l.context.spanId === s.spanContext().spanId),
      );
    expect(invocation?.spanContext().traceId).not.toBe(caller.traceId);
    expect(invocation?.attributes).toMatchObject({ 'messaging.consumer.group.name': group, 'messaging.batch.message_count': 1 });
    expect(invocation?.links.map((l) => l.context.spanId)).toContain(sendContext?.spanId);
  }

  // GET /orders/{id} answers the order's trace id.
  const order = await invokeHttp(getOrder, {
    method: 'GET',
    path: `/orders/${orderId}`,
    pathParameters: { id: orderId },
    subject: JSON.parse(String(record.message.value)).customer_id,
  });
  expect(order.status).toBe(200);
  expect(order.json?.trace_id).toBe(caller.traceId);
});

test('page views a batch handler counted still get a span each, a child of its producer, saying "batched"', async () => {
  const caller = callerTrace();
  const session = `s-trace-${hex(4)}`;
  const before = await endOffsets(userEvents.name);
  const body = [1, 2, 3].map((n) => ({ type: 'page_view', session_id: session, payload: { path: `/traced/${n}` } }));
  const response = await invokeHttp(postEvents, { path: '/events', body, subject: `trace-${hex(4)}`, headers: { traceparent: caller.traceparent } });
  expect(response.status).toBe(204);
  const records = (await readRecords(userEvents.name, before)).filter((r) => r.message.key?.toString() === session);
  expect(records).toHaveLength(3);
  expect((await deliver(pageViews, records)).batchItemFailures).toEqual([]);

  const sends = named(spansOf(caller.traceId), `send ${userEvents.name}`);
  const recordSpans = named(spansOf(caller.traceId), `process ${userEvents.name}`, CONSUMER_GROUP.pageViews).filter(
    (s) => s.attributes['messaging.kafka.offset'] !== undefined,
  );
  expect(recordSpans.map((s) => s.attributes['messaging.kafka.offset']).sort()).toEqual(records.map((r) => Number(r.message.offset)).sort());
  for (const span of recordSpans) {
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(sends.map((s) => s.spanContext().spanId)).toContain(parentOf(span));
    expect(span.attributes).toMatchObject({ 'messaging.consumer.group.name': CONSUMER_GROUP.pageViews, 'kafka_lambda.outcome': 'batched' });
  }
});

test('a request without a traceparent starts a new trace that its records carry', async () => {
  const before = await endOffsets(orderPlaced.name);
  const response = await invokeHttp(checkout, { path: '/checkout', body: { items: [{ product_id: 'SKU-002', quantity: 1, price: 1 }] } });
  expect(response.status).toBe(202);
  const [record] = (await readRecords(orderPlaced.name, before)).filter((r) => JSON.parse(String(r.message.value)).order_id === response.json?.order_id);
  const traceparent = header(record as ReadRecord, 'traceparent') ?? '';
  const [, traceId, spanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent) ?? [];
  const [http] = named(spansOf(traceId ?? ''), 'POST /checkout');
  expect(http?.parentSpanContext).toBeUndefined();
  expect(named(spansOf(traceId ?? ''), `send ${orderPlaced.name}`)[0]?.spanContext().spanId).toBe(spanId);
});

test('the video chain from POST /videos to search-index-service is one trace; follow-up records carry it on', async () => {
  const caller = callerTrace();
  const since = Object.fromEntries(
    await Promise.all([videoUploaded, videoTranscoded, videoReady].map(async (t) => [t.name, await endOffsets(t.name)] as const)),
  );
  const owner = `tracer-${hex(4)}`;
  const response = await invokeHttp(uploadVideo, {
    path: '/videos',
    body: { s3_key: `uploads/${owner}/clip.mp4`, size_bytes: 1024 },
    subject: owner,
    headers: { traceparent: caller.traceparent },
  });
  expect(response.status).toBe(202);
  const videoId = String(response.json?.video_id);
  const recordsOf = async (topic: string) =>
    (await readRecords(topic, since[topic] as Map<number, number>)).filter((r) => r.message.key?.toString() === videoId);

  const steps: [string, string, KafkaHandler][] = [
    [videoUploaded.name, 'transcode-service', transcode],
    [videoTranscoded.name, 'thumbnail-service', thumbnail],
    [videoReady.name, 'search-index-service', searchIndex],
  ];
  for (const [topic, group, handler] of steps) {
    const records = await recordsOf(topic);
    expect({ topic, count: records.length }).toEqual({ topic, count: 1 });
    expect(header(records[0] as ReadRecord, 'traceparent')?.split('-')[1]).toBe(caller.traceId);
    expect((await deliver(handler, records)).batchItemFailures).toEqual([]);
    const [span] = named(spansOf(caller.traceId), `process ${topic}`, group).filter((s) => s.attributes['messaging.kafka.offset'] !== undefined);
    expect({ group, outcome: span?.attributes['kafka_lambda.outcome'] }).toEqual({ group, outcome: 'succeeded' });
  }
  // Each step's publish is a child of the record span that made it.
  const names = spansOf(caller.traceId).map((s) => s.name);
  expect(names).toEqual(
    expect.arrayContaining([
      'POST /videos',
      `send ${videoUploaded.name}`,
      `process ${videoUploaded.name}`,
      `send ${videoTranscoded.name}`,
      `process ${videoTranscoded.name}`,
      `send ${videoReady.name}`,
      `process ${videoReady.name}`,
    ]),
  );
  const [sendTranscoded] = named(spansOf(caller.traceId), `send ${videoTranscoded.name}`);
  const [transcodeSpan] = named(spansOf(caller.traceId), `process ${videoUploaded.name}`, 'transcode-service');
  expect(parentOf(sendTranscoded as ReadableSpan)).toBe(transcodeSpan?.spanContext().spanId);
});

test('a dead-lettered record keeps its trace headers, and its span says it was dead-lettered', async () => {
  const caller = callerTrace();
  const group = 'payment-service';
  const dlq = `${group}.dlq`;
  const before = await endOffsets(orderPlaced.name);
  const dlqBefore = await endOffsets(dlq);
  const eventId = `poison-${hex(8)}`;
  await sendMessages(orderPlaced.name, [
    { key: 'poison', value: '{"not":"an order"}', headers: { ce_id: eventId, traceparent: caller.traceparent, tracestate: 'k=v' } },
  ]);
  const records = (await readRecords(orderPlaced.name, before)).filter((r) => header(r, 'ce_id') === eventId);
  const logs = await logLinesOf(async () => expect((await deliver(payment, records)).batchItemFailures).toEqual([]));
  // The record's line names its event and its producer's trace; the batch line its own trace and the producers'.
  const recordLine = logs.find((l) => l.message === 'record dead-lettered');
  expect(recordLine).toMatchObject({ eventId, trace_id: caller.traceId, group });
  const batchLine = logs.find((l) => l.message === 'kafka batch processed');
  expect(batchLine).toMatchObject({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), linked_trace_ids: [caller.traceId], deadLettered: 1 });
  expect(batchLine?.trace_id).not.toBe(caller.traceId);
  const [letter] = (await readRecords(dlq, dlqBefore)).filter((r) => header(r, 'ce_id') === eventId);
  expect(header(letter as ReadRecord, 'traceparent')).toBe(caller.traceparent);
  expect(header(letter as ReadRecord, 'tracestate')).toBe('k=v');
  const [span] = named(spansOf(caller.traceId), `process ${orderPlaced.name}`, group).filter((s) => s.attributes['messaging.kafka.offset'] !== undefined);
  expect(span?.attributes).toMatchObject({ 'kafka_lambda.outcome': 'dead-lettered', 'error.type': 'Error' });
  expect(parentOf(span as ReadableSpan)).toBe(caller.spanId);
});
