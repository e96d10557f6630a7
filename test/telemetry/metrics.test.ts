/**
 * The EMF lines (CloudWatch Embedded Metric Format) the consumer runtime and the HTTP functions
 * write, checked against the EMF specification: `_aws.Timestamp`, `_aws.CloudWatchMetrics` with the
 * namespace, dimension sets and units, and each metric's value and dimension value at the root
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Real broker (dead letters) and Redis (idempotency); a unique consumer group.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { orderPlaced } from '../../events/catalog';
import { handler as checkout } from '../../functions/checkout';
import { kafkaConsumer, RetryableError } from '../../lib/consumer/index';
import { disconnectProducer } from '../../lib/kafka/publisher';
import { applyOnce } from '../../lib/stores/once';
import { closeRedis, keyPrefix } from '../../lib/stores/redis';
import { context, mskEvent, record } from '../consumer/support';
import { invokeHttp } from '../support/http';

interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

// The run keeps EMF off to stay quiet (global setup); this file reads the lines, so it turns them on.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

let admin: Admin;

beforeAll(async () => {
  admin = new Kafka({ brokers: (process.env.KAFKA_BROKERS as string).split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
  await disconnectProducer();
  await closeRedis();
});

/** Runs `fn` and returns the EMF lines it wrote to stdout (other output passes through). */
async function emfLinesOf(fn: () => Promise<unknown>): Promise<EmfLine[]> {
  const lines: EmfLine[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = chunk.toString();
    for (const line of text.split('\n')) if (line.startsWith('{"_aws"')) lines.push(JSON.parse(line) as EmfLine);
    return text.startsWith('{"_aws"') ? true : write(chunk, ...rest);
  }) as typeof process.stdout.write);
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

/** The line whose only dimension set is `dimensions`, checked for the EMF structure. */
function lineWith(lines: EmfLine[], dimensions: string[], match: Record<string, unknown>): EmfLine {
  const found = lines.filter(
    (l) => JSON.stringify(l._aws.CloudWatchMetrics[0]?.Dimensions) === JSON.stringify([dimensions]) && Object.entries(match).every(([k, v]) => l[k] === v),
  );
  expect(found).toHaveLength(1);
  const line = found[0] as EmfLine;
  expect(typeof line._aws.Timestamp).toBe('number');
  expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(60_000);
  const directive = line._aws.CloudWatchMetrics[0];
  expect(line._aws.CloudWatchMetrics).toHaveLength(1);
  expect(directive?.Namespace).toBe('kafka-lambda-system');
  for (const dimension of dimensions) expect(typeof line[dimension]).toBe('string');
  for (const metric of directive?.Metrics ?? []) expect(line[metric.Name]).toBeDefined();
  return line;
}

const unitsOf = (line: EmfLine) => Object.fromEntries((line._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((m) => [m.Name, m.Unit]));

test('a batch with a success, a duplicate, a retry, a dead letter and a failure writes one EMF line per group and one per dead-letter reason', async () => {
  const group = `emf-${randomUUID().slice(0, 8)}`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${group}.dlq`, numPartitions: 1, replicationFactor: 1 }] });
  const ids = { success: randomUUID(), duplicate: randomUUID(), retry: randomUUID(), dead: randomUUID(), failing: randomUUID() };
  // The duplicate was applied by this group before.
  await applyOnce(group, ids.duplicate, [['SET', `${keyPrefix()}emf-test:${group}`, '1']]);

  const attempts = new Map<string, number>();
  const handler = kafkaConsumer({ group, topic: orderPlaced, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }, async (_, r) => {
    const n = (attempts.get(r.eventId) ?? 0) + 1;
    attempts.set(r.eventId, n);
    if (r.eventId === ids.retry && n === 1) throw new RetryableError('flaky once');
    if (r.eventId === ids.failing) throw new RetryableError('always');
  });
  const event = mskEvent([
    record(orderPlaced.name, 0, 10, { id: ids.success }),
    record(orderPlaced.name, 0, 11, { id: ids.duplicate }),
    record(orderPlaced.name, 0, 12, { id: ids.retry }),
    record(orderPlaced.name, 0, 13, { id: ids.dead, value: { not: 'an order' } }),
    record(orderPlaced.name, 1, 20, { id: ids.failing }),
  ]);

  let failures: unknown;
  const lines = await emfLinesOf(async () => {
    failures = (await handler(event, context())).batchItemFailures;
  });
  expect(failures).toEqual([{ itemIdentifier: { partition: `${orderPlaced.name}-1`, offset: 20 } }]);

  const main = lineWith(lines, ['service', 'group'], { group });
  expect(main).toMatchObject({
    service: 'kafka-lambda-system',
    group,
    recordsReceived: 5,
    recordsProcessed: 2,
    recordsSkippedApplied: 1,
    // One retry of the flaky record, one of the failing one (2 attempts in all).
    recordsRetried: 2,
    recordsReportedFailed: 1,
    recordsDeadLettered: 1,
    recordsCollidingMarker: 0,
  });
  expect(unitsOf(main)).toEqual({
    recordsReceived: 'Count',
    recordsProcessed: 'Count',
    recordsSkippedApplied: 'Count',
    recordsRetried: 'Count',
    recordsReportedFailed: 'Count',
    recordsDeadLettered: 'Count',
    recordsCollidingMarker: 'Count',
    batchDuration: 'Milliseconds',
    recordAge: 'Milliseconds',
  });
  expect(typeof main.batchDuration).toBe('number');
  // One age per partition (its oldest record), fixtures' timestamps are from 2023: older than a day.
  expect(main.recordAge).toEqual([expect.any(Number), expect.any(Number)]);
  for (const age of main.recordAge as number[]) expect(age).toBeGreaterThan(86_400_000);

  const reason = lineWith(lines, ['service', 'group', 'reason'], { group });
  expect(reason).toMatchObject({ group, reason: 'SchemaViolationError', recordsDeadLettered: 1 });
  expect(unitsOf(reason)).toEqual({ recordsDeadLettered: 'Count' });
  expect(lines.filter((l) => l.group === group)).toHaveLength(2);
});

test('an HTTP function writes one EMF line per request: events published, publish latency, status class, by route', async () => {
  const ok = await emfLinesOf(() => invokeHttp(checkout, { path: '/checkout', body: { items: [{ product_id: 'SKU-1', quantity: 1, price: 1 }] } }));
  const accepted = lineWith(ok, ['service', 'route'], { route: 'POST /checkout' });
  expect(accepted).toMatchObject({ eventsPublished: 1, responses2xx: 1 });
  expect(typeof accepted.publishLatency).toBe('number');
  expect(unitsOf(accepted)).toEqual({ eventsPublished: 'Count', publishLatency: 'Milliseconds', responses2xx: 'Count' });

  const bad = await emfLinesOf(() => invokeHttp(checkout, { path: '/checkout', body: { items: [] } }));
  const refused = lineWith(bad, ['service', 'route'], { route: 'POST /checkout' });
  expect(refused).toMatchObject({ eventsPublished: 0, responses4xx: 1 });
  expect(unitsOf(refused)).toEqual({ eventsPublished: 'Count', responses4xx: 'Count' });
});
