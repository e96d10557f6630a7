/** Builders for AWS-shaped Kafka events and contexts, shared by the consumer tests. */
import { randomUUID } from 'node:crypto';
import type { Context, MSKEvent } from 'aws-lambda';
import { type Admin, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import type { z } from 'zod';
import type { OrderPlaced, TopicDefinition } from '../../events/catalog';
import { partitionKey, type RawKafkaRecord } from '../../lib/kafka/lambda-event';
import { disconnectProducer } from '../../lib/kafka/publisher';
import { closeRedis } from '../../lib/stores/redis';

/** A catalog-like topic for fixtures whose topic is not in the catalog (e.g. AWS's `mytopic`). */
export function testTopic<S extends z.ZodType>(name: string, schema: S): TopicDefinition<S> {
  return { name, eventType: `test.${name}`, partitions: 1, keyField: 'id', keyOf: () => 'k', schema, consumerGroups: [], retentionMs: 1 };
}

export function b64(text: string | Buffer): string {
  return (Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8')).toString('base64');
}

export function bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}

export function order(overrides: Partial<OrderPlaced> = {}): OrderPlaced {
  return {
    order_id: randomUUID(),
    customer_id: 'cust-1',
    items: [{ product_id: 'p-1', quantity: 1, price: 10 }],
    total: 10,
    created_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** One AWS-shaped record. `value` objects are JSON-encoded; `id` becomes the `ce_id` header. */
export function record(
  topic: string,
  partition: number,
  offset: number,
  options: { value?: unknown; rawValue?: string | null; key?: string | null; id?: string; headers?: Record<string, number[]>[] } = {},
): RawKafkaRecord {
  const value = options.rawValue !== undefined ? options.rawValue : b64(JSON.stringify(options.value ?? order()));
  const headers = options.headers ?? [{ ce_id: bytes(options.id ?? randomUUID()) }, { ce_type: bytes('com.example.order.placed') }];
  const raw: RawKafkaRecord = { topic, partition, offset, timestamp: 1_700_000_000_000 + offset, timestampType: 'CREATE_TIME', value, headers };
  if (options.key !== undefined) raw.key = options.key === null ? null : b64(options.key);
  else raw.key = b64('cust-1');
  return raw;
}

/** An MSK event whose `records` are grouped by `<topic>-<partition>`. */
export function mskEvent(records: RawKafkaRecord[]): MSKEvent {
  const grouped: Record<string, RawKafkaRecord[]> = {};
  for (const r of records) {
    const id = partitionKey(String(r.topic), Number(r.partition));
    grouped[id] = [...(grouped[id] ?? []), r];
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/test/abc',
    bootstrapServers: 'b-1.example:9092',
    records: grouped,
  } as unknown as MSKEvent;
}

/** A Lambda context with `remainingMs` left (a fixed number each call). */
export function context(remainingMs = 600_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A record read back from Kafka, shaped the way Lambda delivers it. */
export function fromKafka(topic: string, partition: number, message: KafkaMessage): RawKafkaRecord {
  const headers: Record<string, number[]>[] = [];
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (value !== undefined) headers.push({ [name]: [...(Buffer.isBuffer(value) ? value : Buffer.from(String(value)))] });
    }
  }
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: 'CREATE_TIME',
    key: message.key ? message.key.toString('base64') : null,
    value: message.value ? message.value.toString('base64') : null,
    headers,
  };
}

/** The suite's own Kafka client and connected admin, made in beforeAll; afterAll closes them and the runtime's producer and Redis. */
export function suiteKafka(): { kafka: Kafka; admin: Admin } {
  const suite = {} as { kafka: Kafka; admin: Admin };
  beforeAll(async () => {
    suite.kafka = new Kafka({ brokers: (process.env.KAFKA_BROKERS as string).split(','), logLevel: logLevel.NOTHING });
    suite.admin = suite.kafka.admin();
    await suite.admin.connect();
  });
  afterAll(async () => {
    await suite.admin?.disconnect();
    await disconnectProducer();
    await closeRedis();
  });
  return suite;
}
