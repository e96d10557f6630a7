/**
 * Benchmark (not a test): what the analytics mappings' FilterCriteria save, per 10,000 mixed
 * `user.events` (50% page views, 30% clicks, 20% searches, on 6 partitions). The same records are
 * consumed twice by the local trigger (lib/local/offline-kafka MappingPoller, batchSize 100, as the
 * local stage runs it), once without filters and once with the patterns of serverless.yml, invoking
 * the real page-view and search-term counters in process (real Redis, exactly-once markers).
 * Counted: invocations, records handed to the functions, and the handlers' own time.
 *
 *   npx tsx bench/filtering.ts   # uses KAFKA_BROKERS or starts a broker; merges bench/results.json
 */
import './filtering-env';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';

import { CONSUMER_GROUP, type UserEvent, userEvents } from '../events/catalog';
import { handler as pageViews } from '../functions/pageViews';
import { handler as searchTerms } from '../functions/searchTerms';
import { disconnectProducer, publishAll } from '../lib/kafka/publisher';
import { type RunningBroker, startBroker } from '../lib/local/broker';
import type { MappingConfig } from '../lib/local/offline-kafka/config';
import type { Invoker } from '../lib/local/offline-kafka/invoke';
import { groupLag } from '../lib/local/offline-kafka/lag';
import { MappingPoller } from '../lib/local/offline-kafka/poller';
import { closeRedis, redis } from '../lib/stores/redis';
import { recordResults } from './results';

const EVENTS = 10_000;
const ROOT = join(__dirname, '..');

type Handler = (event: never, context: Context) => Promise<unknown>;

/** The `filterPatterns` of a function's msk event in serverless.yml, as osls puts them in FilterCriteria. */
function configuredPatterns(functionKey: string): string[] {
  const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { merge: true }) as {
    functions: Record<string, { events: { msk?: { filterPatterns?: unknown[] } }[] }>;
  };
  return (yml.functions[functionKey]?.events[0]?.msk?.filterPatterns ?? []).map((p) => JSON.stringify(p));
}

function mixedEvents(count: number): UserEvent[] {
  return Array.from({ length: count }, (_, i): UserEvent => {
    const r = i % 10;
    const session_id = `bench-session-${i % 500}`;
    const timestamp = new Date().toISOString();
    if (r < 5) return { type: 'page_view', user_id: 'bench', session_id, payload: { path: `/page/${i % 50}` }, timestamp };
    if (r < 8) return { type: 'click', user_id: 'bench', session_id, payload: { target: `button-${i % 7}` }, timestamp };
    return { type: 'search', user_id: 'bench', session_id, payload: { query: `term ${i % 30}` }, timestamp };
  });
}

interface Run {
  invocations: number;
  records: number;
  filteredOut: number;
  handlerMs: number;
}

async function consume(kafka: Kafka, functionKey: string, group: string, handler: Handler, filterPatterns: string[]): Promise<Run> {
  const run: Run = { invocations: 0, records: 0, filteredOut: 0, handlerMs: 0 };
  const invoker: Invoker = {
    kind: 'lambda',
    description: 'in process',
    invoke: async (_target, event, timeoutMs) => {
      const records = Object.values((event as { records: Record<string, unknown[]> }).records).reduce((n, list) => n + list.length, 0);
      const deadline = Date.now() + timeoutMs;
      const context = { functionName: functionKey, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
      const started = performance.now();
      const payload = await handler(event as never, context);
      run.handlerMs += performance.now() - started;
      run.invocations++;
      run.records += records;
      return { ok: true, payload };
    },
    close: async () => {},
  };
  const mapping: MappingConfig = {
    functionKey,
    functionName: `bench-${functionKey}`,
    logicalId: functionKey,
    kind: 'msk',
    eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/bench/1',
    brokers: (process.env.KAFKA_BROKERS as string).split(','),
    topic: userEvents.name,
    groupId: `${group}-bench-${randomUUID().slice(0, 8)}`,
    batchSize: 100,
    batchingWindowMs: 0,
    startingPosition: 'TRIM_HORIZON',
    enabled: true,
    reportBatchItemFailures: true,
    maximumRetryAttempts: 10,
    maximumRecordAgeSeconds: -1,
    bisectOnError: true,
    timeoutMs: 10_000,
    filterPatterns,
  };
  const silent = { debugEnabled: false, debug() {}, info() {}, warn() {}, error() {} };
  const poller = new MappingPoller(mapping, { kafka, producer: () => Promise.reject(new Error('no destination in the benchmark')), invoker, log: silent });
  await poller.start();
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (;;) {
      const lag = await groupLag(admin, { group: mapping.groupId, topic: mapping.topic, functionKey });
      if (lag.lag === 0 && lag.partitions.every((p) => p.committed !== null)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
    await poller.stop(10_000);
  }
  run.filteredOut = poller.filteredOut;
  return run;
}

async function clearRedis(): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis().scan(cursor, 'MATCH', `${process.env.REDIS_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis().del(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  let broker: RunningBroker | undefined;
  if (!process.env.KAFKA_BROKERS) {
    broker = await startBroker();
    process.env.KAFKA_BROKERS = broker.brokers;
  }
  const kafka = new Kafka({ clientId: 'bench-filtering', brokers: (process.env.KAFKA_BROKERS as string).split(','), logLevel: logLevel.NOTHING });
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [userEvents.name] }).catch(() => {});
    await new Promise((r) => setTimeout(r, 1000));
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: userEvents.name, numPartitions: userEvents.partitions, replicationFactor: 1 }] });
    await admin.disconnect();
    const events = mixedEvents(EVENTS);
    for (let i = 0; i < events.length; i += 500) await publishAll(userEvents, events.slice(i, i + 500));
    await disconnectProducer();

    const rows = [];
    const result: Record<string, Record<string, Run>> = {};
    for (const [functionKey, group, handler] of [
      ['pageViews', CONSUMER_GROUP.pageViews, pageViews as Handler],
      ['searchTerms', CONSUMER_GROUP.searchTerms, searchTerms as Handler],
    ] as const) {
      await clearRedis();
      const before = await consume(kafka, functionKey, group, handler, []);
      await clearRedis();
      const after = await consume(kafka, functionKey, group, handler, configuredPatterns(functionKey));
      result[group] = { before, after };
      rows.push(
        {
          name: `${group}: invocations per ${EVENTS} mixed events, filtered`,
          value: after.invocations,
          unit: 'invocations',
          baseline: { name: 'no filter', value: before.invocations },
        },
        {
          name: `${group}: records handed to the function, filtered`,
          value: after.records,
          unit: 'records',
          baseline: { name: 'no filter', value: before.records },
        },
        {
          name: `${group}: handler time, filtered`,
          value: Math.round(after.handlerMs),
          unit: 'ms',
          baseline: { name: 'no filter', value: Math.round(before.handlerMs) },
        },
      );
    }
    recordResults('filtering', rows, {
      events: EVENTS,
      mix: '50% page_view, 30% click, 20% search',
      batchSize: 100,
      partitions: userEvents.partitions,
      detail: result,
    });
  } finally {
    await clearRedis().catch(() => {});
    await closeRedis();
    await broker?.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
