/**
 * The local span store (lib/local/span-store.ts) and the waterfall `npm run trace` prints, on a
 * file of this test's own (never the dev system's store).
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { FileSpanExporter, readSpans } from '../../lib/local/span-store';
import { waterfall } from '../../lib/local/waterfall';
import { startTracing } from '../../lib/telemetry/sdk';
import { kafkaAttributes } from '../../lib/telemetry/trace';

const dir = mkdtempSync(join(tmpdir(), 'spans-'));
const file = join(dir, 'spans.jsonl');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps ended spans as JSON lines and prints one trace as a tree with timings, partitions and offsets', async () => {
  const tracing = startTracing(new FileSpanExporter(file));
  const tracer = trace.getTracer('test');
  const http = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 202 } });
  const send = tracer.startSpan(
    'send order.placed',
    {
      kind: SpanKind.PRODUCER,
      attributes: kafkaAttributes('send', 'order.placed', { 'messaging.destination.partition.id': '3', 'messaging.kafka.offset': 17 }),
    },
    trace.setSpan(ROOT_CONTEXT, http),
  );
  send.end();
  const process = tracer.startSpan(
    'process order.placed',
    {
      kind: SpanKind.CONSUMER,
      attributes: kafkaAttributes('process', 'order.placed', {
        'messaging.consumer.group.name': 'inventory-service',
        'messaging.destination.partition.id': '3',
        'messaging.kafka.offset': 17,
        'kafka_lambda.outcome': 'succeeded',
      }),
    },
    trace.setSpan(ROOT_CONTEXT, send),
  );
  process.end();
  http.end();
  tracer.startSpan('another trace').end();
  await tracing.shutdown();

  const spans = readSpans(file);
  expect(spans).toHaveLength(4);
  const traceId = http.spanContext().traceId;
  const lines = waterfall(spans.filter((s) => s.traceId === traceId)).split('\n');
  expect(lines[0]).toMatch(new RegExp(`^trace ${traceId}  3 spans, started \\d{4}-`));
  expect(lines[1]).toMatch(/^ +\+0\.0 ms +\d+\.\d ms {2}POST \/checkout .*HTTP 202$/);
  expect(lines[2]).toMatch(/^ +\+\d+\.\d ms +\d+\.\d ms {4}send order\.placed .*partition 3 {2}offset 17$/);
  expect(lines[3]).toMatch(/^ +\+\d+\.\d ms +\d+\.\d ms {6}process order\.placed .*inventory-service {2}partition 3 {2}offset 17 {2}succeeded$/);
  expect(lines).toHaveLength(4);
});

it('reads nothing from a missing store, and skips a half-written line', () => {
  expect(readSpans(join(dir, 'missing.jsonl'))).toEqual([]);
  const partial = join(dir, 'partial.jsonl');
  appendFileSync(partial, '{"traceId":"abc","spa');
  expect(readSpans(partial)).toEqual([]);
});
