/**
 * Benchmark (not a test): a 10,000-record `order.placed` batch through our consumer runtime with a
 * no-op handler, next to @aws-lambda-powertools/kafka's `kafkaConsumer` (JSON + the same zod
 * schema) on the same batch, in the same run.
 *
 * Ours does more per record than Powertools: partition grouping, ordering, headers, event ids,
 * the Redis idempotency check, lease and applied marker (so the local Redis must run), and the
 * partial batch response. Powertools decodes and validates only. Each iteration of ours uses a new
 * consumer group so no record is skipped as already applied. Rounds alternate between the two, and
 * the machine's load average is recorded next to the figures: on a shared machine it moves them a lot.
 *
 * Telemetry: our runtime runs twice per round, with tracing and metrics on (the OpenTelemetry SDK
 * registered with a batching span processor and an exporter that only counts spans; the EMF line
 * written) and off (no tracer provider, POWERTOOLS_METRICS_DISABLED); the target is on within 10%
 * of off, in the same run.
 *
 *   npx tsx bench/consumer-runtime.ts        # prints records/s and writes bench/results.json
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { kafkaConsumer as powertoolsConsumer } from '@aws-lambda-powertools/kafka';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Context, MSKEvent } from 'aws-lambda';
import { type OrderPlaced, orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer/index';
import { eventHeaders } from '../lib/kafka/headers';
import { buildEvent, groupByPartition, type LambdaKafkaRecord, lambdaRecord } from '../lib/kafka/lambda-event';
import { log } from '../lib/log';
import { closeRedis, redis } from '../lib/stores/redis';
import { resetMetrics } from '../lib/telemetry/metrics';
import { startTracing, type Tracing } from '../lib/telemetry/sdk';

process.env.REDIS_PREFIX ??= `bench:${process.pid}:${Date.now()}:`;
log.setLogLevel('WARN');

const RECORDS = 10_000;
const PARTITIONS = orderPlaced.partitions;
const WARMUP = 3;
const ROUNDS = 7;

/**
 * A batch as our HTTP functions publish it: every record carries a `traceparent`; `sampledShare` of
 * them are sampled (flag 01), the others not (flag 00), as head sampling at the HTTP edge decides.
 */
function batch(sampledShare = 1): MSKEvent {
  const records: LambdaKafkaRecord[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const partition = i % PARTITIONS;
    const value: OrderPlaced = {
      order_id: randomUUID(),
      customer_id: `cust-${i % 500}`,
      items: [
        { product_id: `p-${i % 37}`, quantity: 1 + (i % 3), price: 9.99 },
        { product_id: `p-${i % 11}`, quantity: 2, price: 5 },
      ],
      total: 29.97,
      created_at: '2026-01-01T12:00:00.000Z',
    };
    const sampled = i % Math.round(1 / sampledShare) === 0 ? '01' : '00';
    const traceparent = `00-${randomUUID().replaceAll('-', '')}-${randomUUID().slice(0, 18).replaceAll('-', '')}-${sampled}`;
    const headers = eventHeaders({ id: randomUUID(), type: orderPlaced.eventType, source: 'bench', time: '2026-01-01T12:00:00.000Z' }, { traceparent });
    records.push(
      lambdaRecord({
        topic: orderPlaced.name,
        partition,
        offset: Math.floor(i / PARTITIONS),
        timestamp: 1_767_268_800_000 + i,
        key: value.customer_id,
        value: JSON.stringify(value),
        headers,
      }),
    );
  }
  const event = buildEvent({ kind: 'msk', eventSourceArn: 'arn:aws:kafka:bench', brokers: ['bench:9092'] }, groupByPartition(records));
  // Powertools' deserializer takes @types/aws-lambda's MSKEvent (key and value typed as always present; they are here).
  return event as MSKEvent;
}

const context = { getRemainingTimeInMillis: () => 600_000, awsRequestId: 'bench' } as unknown as Context;

/** Wall time of the last call of {@link ours}, and this process's CPU time (user + system) in it. */
const lastCpuMs: number[] = [];

/** One batch through our runtime; `flush` (exporting the spans) is inside the measured time. */
async function ours(event: MSKEvent, flush: () => Promise<void> = async () => {}): Promise<number> {
  let seen = 0;
  const handler = kafkaConsumer({ group: `bench-${randomUUID()}`, topic: orderPlaced }, async () => {
    seen++;
  });
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const response = await handler(event, context);
  await flush();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  lastCpuMs.push((used.user + used.system) / 1000);
  if (seen !== RECORDS || response.batchItemFailures.length > 0) throw new Error(`ours handled ${seen}/${RECORDS}`);
  return ms;
}

async function powertools(event: MSKEvent): Promise<number> {
  let seen = 0;
  const handler = powertoolsConsumer<string, OrderPlaced>(
    async (deserialized) => {
      // Powertools decodes lazily (getters): touch what the handler would use.
      for (const record of deserialized.records) {
        if (record.value && record.key !== undefined && record.headers) seen++;
      }
    },
    { value: { type: 'json', parserSchema: orderPlaced.schema } },
  );
  const started = process.hrtime.bigint();
  await handler(event as unknown as Parameters<typeof handler>[0], context);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (seen !== RECORDS) throw new Error(`powertools handled ${seen}/${RECORDS}`);
  return ms;
}

/**
 * The part of the work both runtimes must do: each value from base64, UTF-8 and JSON, then the
 * zod schema, in a plain loop. Ours can be at most `powertools / floor` times faster than Powertools
 * while it validates with the same schema: the figure that says whether the 2x target is reachable.
 */
async function floor(event: MSKEvent): Promise<number> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let valid = 0;
  const started = process.hrtime.bigint();
  for (const records of Object.values(event.records)) {
    for (const record of records) {
      if (orderPlaced.schema.safeParse(JSON.parse(utf8.decode(Buffer.from(record.value, 'base64')))).success) valid++;
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (valid !== RECORDS) throw new Error(`floor validated ${valid}/${RECORDS}`);
  return ms;
}

/** Counts exported spans; no I/O, so what is measured is the instrumentation and the SDK. */
class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

const exporter = new CountingExporter();

/** Runs `fn` with tracing and metrics on or off; `flush` exports the spans ended so far. */
async function withTelemetry<T>(on: boolean, fn: (flush: () => Promise<void>) => Promise<T>): Promise<T> {
  let tracing: Tracing | undefined;
  process.env.POWERTOOLS_METRICS_DISABLED = on ? 'false' : 'true';
  resetMetrics();
  if (on) tracing = startTracing(exporter, { batch: { maxQueueSize: RECORDS * 2 } });
  try {
    return await fn(async () => tracing?.flush());
  } finally {
    await tracing?.shutdown();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function cleanup(): Promise<void> {
  const prefix = process.env.REDIS_PREFIX as string;
  let cursor = '0';
  do {
    const [next, keys] = await redis().scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis().del(...keys);
  } while (cursor !== '0');
}

const load = () => loadavg().map((l) => Number(l.toFixed(2)));

/** Median wall and process-CPU times of one telemetry configuration, and its exported spans. */
interface Variant {
  label: string;
  on: boolean;
  event: MSKEvent;
  ms: number[];
  cpuMs: number[];
}

async function main(): Promise<void> {
  const loadBefore = load();
  const event = batch(1);
  const sampledTenth = batch(0.1);
  const variants: Variant[] = [
    { label: 'off (no tracer provider, metrics disabled)', on: false, event, ms: [], cpuMs: [] },
    { label: 'on, every record sampled', on: true, event, ms: [], cpuMs: [] },
    { label: 'on, 1 record in 10 sampled at the edge', on: true, event: sampledTenth, ms: [], cpuMs: [] },
  ];
  for (let i = 0; i < WARMUP; i++) {
    for (const v of variants) await withTelemetry(v.on, (flush) => ours(v.event, flush));
    await powertools(event);
    await floor(event);
  }
  lastCpuMs.length = 0;
  const powertoolsMs: number[] = [];
  const floorMs: number[] = [];
  exporter.spans = 0;
  for (let i = 0; i < ROUNDS; i++) {
    for (const v of variants) {
      v.ms.push(await withTelemetry(v.on, (flush) => ours(v.event, flush)));
      v.cpuMs.push(lastCpuMs.pop() as number);
    }
    powertoolsMs.push(await powertools(event));
    floorMs.push(await floor(event));
  }
  // Per round: an invocation span and a record span per sampled record, for each "on" variant.
  const expectedSpans = ROUNDS * (RECORDS + 1 + (RECORDS / 10 + 1));
  if (exporter.spans !== expectedSpans) throw new Error(`exported ${exporter.spans} spans, expected ${expectedSpans}`);
  const [off, onAll, onTenth] = variants as [Variant, Variant, Variant];
  const oursMs = off.ms;
  const figures = (v: Variant) => ({
    recordsPerSecond: Math.round(RECORDS / (median(v.ms) / 1000)),
    medianMs: Number(median(v.ms).toFixed(1)),
    cpuMedianMs: Number(median(v.cpuMs).toFixed(1)),
    // On a loaded machine wall time mostly measures the scheduler: this process's CPU time is the steadier figure.
    wallOverhead: Number((median(v.ms) / median(off.ms) - 1).toFixed(3)),
    cpuOverhead: Number((median(v.cpuMs) / median(off.cpuMs) - 1).toFixed(3)),
    roundsMs: v.ms.map((ms) => Number(ms.toFixed(1))),
  });
  const oursRate = Math.round(RECORDS / (median(oursMs) / 1000));
  const powertoolsRate = Math.round(RECORDS / (median(powertoolsMs) / 1000));
  const ratio = Number((oursRate / powertoolsRate).toFixed(2));
  console.log(`batch: ${RECORDS} order.placed records in ${PARTITIONS} partitions, median of ${ROUNDS} rounds after ${WARMUP} warm-up`);
  console.log(`ours (decode, zod, order, idempotency in Redis, no-op handler): ${oursRate.toLocaleString('en')} records/s (${median(oursMs).toFixed(1)} ms)`);
  console.log(
    `@aws-lambda-powertools/kafka (JSON + zod):                      ${powertoolsRate.toLocaleString('en')} records/s (${median(powertoolsMs).toFixed(1)} ms)`,
  );
  console.log(`ratio ours/powertools: ${ratio}  (targets: >= 2 and >= 100,000 records/s, idempotency on)`);
  const ceiling = Number((median(powertoolsMs) / median(floorMs)).toFixed(2));
  console.log(
    `floor both share (base64, UTF-8, JSON, zod in a plain loop): ${median(floorMs).toFixed(1)} ms, so at most ${ceiling}x Powertools while validating with zod`,
  );
  console.log('ours with tracing (OTel SDK, a span per sampled record) and EMF metrics (target: on within 10% of off):');
  for (const v of variants) {
    const f = figures(v);
    console.log(
      `  ${v.label.padEnd(44)} ${f.recordsPerSecond.toLocaleString('en').padStart(8)} records/s, ${f.medianMs.toFixed(1)} ms wall (${(f.wallOverhead * 100).toFixed(1)}%), ` +
        `${f.cpuMedianMs.toFixed(0)} ms process CPU (${(f.cpuOverhead * 100).toFixed(1)}%)`,
    );
  }
  const loadAfter = load();
  console.log(`load average (1/5/15 min) before: ${loadBefore.join(' ')}, after: ${loadAfter.join(' ')} on ${cpus().length} CPUs`);

  const file = join(__dirname, 'results.json');
  const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  results.consumerRuntime = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    records: RECORDS,
    partitions: PARTITIONS,
    rounds: ROUNDS,
    oursRecordsPerSecond: oursRate,
    powertoolsRecordsPerSecond: powertoolsRate,
    ratio,
    oursMedianMs: Number(median(oursMs).toFixed(1)),
    powertoolsMedianMs: Number(median(powertoolsMs).toFixed(1)),
    oursRoundsMs: oursMs.map((ms) => Number(ms.toFixed(1))),
    telemetry: {
      off: figures(off),
      onEveryRecordSampled: { ...figures(onAll), meetsTarget: figures(onAll).cpuOverhead <= 0.1 },
      onOneInTenSampled: { ...figures(onTenth), meetsTarget: figures(onTenth).cpuOverhead <= 0.1 },
    },
    powertoolsRoundsMs: powertoolsMs.map((ms) => Number(ms.toFixed(1))),
    floorMedianMs: Number(median(floorMs).toFixed(1)),
    floorRoundsMs: floorMs.map((ms) => Number(ms.toFixed(1))),
    ratioCeiling: ceiling,
    loadAverage: { before: loadBefore, after: loadAfter },
    meetsTargets: ratio >= 2 && oursRate >= 100_000,
  };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  await cleanup();
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => closeRedis());
