/**
 * `npm run trace -- <order_id | video_id | trace_id>`: the waterfall of one trace kept by
 * `npm run dev` (lib/local/span-store.ts): the HTTP request, its publish, and each group's record
 * span with timings, partition and offset.
 *
 * A trace id (32 hex digits) is looked up directly; an order id through the order's `trace_id`
 * (what GET /orders/{id} answers, read from the dev stage's Redis); a video id through the records
 * keyed by it. LOCAL_TRACE_FILE reads another store.
 */
import { readSpans, type StoredSpan, spanFile } from '../lib/local/span-store';
import { waterfall } from '../lib/local/waterfall';
import { orderStore } from '../lib/stores/orders';
import { closeRedis } from '../lib/stores/redis';

// The dev stage's keys (serverless.yml: REDIS_PREFIX is `<service>:<stage>:`).
process.env.REDIS_PREFIX ??= 'kafka-lambda-system:local:';

async function orderTraceId(orderId: string): Promise<string | undefined> {
  try {
    return (await orderStore.get(orderId))?.trace_id;
  } catch {
    return undefined;
  } finally {
    await closeRedis();
  }
}

/** The trace ids `id` names. */
async function traceIdsOf(id: string, spans: StoredSpan[]): Promise<string[]> {
  if (/^[0-9a-f]{32}$/.test(id)) return [id];
  const viaOrder = await orderTraceId(id);
  if (viaOrder) return [viaOrder];
  // Videos are keyed by their id on every topic of the pipeline.
  return [...new Set(spans.filter((s) => s.attributes['messaging.kafka.message.key'] === id).map((s) => s.traceId))];
}

async function main(id: string | undefined): Promise<number> {
  if (!id) {
    console.error('usage: npm run trace -- <order_id | video_id | trace_id>');
    return 2;
  }
  const spans = readSpans();
  const traceIds = await traceIdsOf(id.toLowerCase(), spans);
  const found = traceIds.map((traceId) => waterfall(spans.filter((s) => s.traceId === traceId))).filter(Boolean);
  if (found.length === 0) {
    console.error(`No trace for "${id}" in ${spanFile()} (${spans.length} spans kept; traces are kept while npm run dev runs the functions)`);
    return 1;
  }
  console.log(found.join('\n\n'));
  return 0;
}

main(process.argv[2]).then((code) => {
  process.exitCode = code;
});
