/**
 * Unit tests of the consumer runtime on AWS-shaped fixtures. Kafka publishing (dead letters) is
 * replaced by a recorder; idempotency uses the real local Redis with unique group names.
 */
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { Message } from 'kafkajs';
import { z } from 'zod';
import { type OrderPlaced, orderPlaced } from '../../events/catalog';
import { leaseKey } from '../../lib/consumer/idempotency';
import { type BatchItem, type ConsumerRecord, kafkaBatchConsumer, kafkaConsumer, NonRetryableError, RetryableError } from '../../lib/consumer/index';
import { applyAllOnce, wasApplied } from '../../lib/stores/once';
import { closeRedis, redis } from '../../lib/stores/redis';
import { activeTraceId } from '../../lib/telemetry/trace';
import awsMsk from '../fixtures/kafka/aws-msk-event.json';
import awsSelfManaged from '../fixtures/kafka/aws-self-managed-event.json';
import powertoolsDefault from '../fixtures/kafka/powertools-default-event.json';
import { b64, bytes, context, mskEvent, order, record, testTopic } from './support';

const sent: { topic: string; messages: Message[] }[] = [];
let failDeadLetters = false;
jest.mock('../../lib/kafka/publisher', () => ({
  sendMessages: jest.fn(async (topic: string, messages: Message[]) => {
    if (failDeadLetters) throw new Error('Kafka did not acknowledge the write');
    sent.push({ topic, messages });
    return [];
  }),
  disconnectProducer: jest.fn(async () => {}),
}));

const group = () => `unit-${randomUUID().slice(0, 8)}`;
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const header = (m: Message, name: string) => {
  const v = m.headers?.[name];
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
};

beforeEach(() => {
  sent.length = 0;
  failDeadLetters = false;
});
afterAll(async () => {
  await closeRedis();
});

describe('AWS and Powertools sample events', () => {
  const text = testTopic('mytopic', z.string());
  const product = testTopic('mytopic', z.object({ id: z.number(), name: z.string(), price: z.number() }));

  it.each([
    ['MSK', awsMsk],
    ['self-managed', awsSelfManaged],
  ])('the %s sample (a plain-text value, not JSON) is dead-lettered with its original bytes, and the batch succeeds', async (_, fixture) => {
    const g = group();
    const handler = jest.fn(async () => {});
    const response = await kafkaConsumer({ group: g, topic: text, retry: fast }, handler)(structuredClone(fixture) as never, context());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(handler).not.toHaveBeenCalled();
    expect(sent).toHaveLength(1);
    const [letter] = sent[0]?.messages ?? [];
    expect(sent[0]?.topic).toBe(`${g}.dlq`);
    expect(letter?.value).toEqual(Buffer.from('Hello, this is a test.'));
    expect(letter?.key).toEqual(Buffer.from('abcDEFghiJKLmnoPQRstuVWXyz1234==', 'base64'));
    expect(header(letter as Message, 'headerKey')).toBe('headerValue');
    expect(header(letter as Message, 'x-dlq-error-class')).toBe('UndecodableRecordError');
    expect(header(letter as Message, 'x-dlq-topic')).toBe('mytopic');
    expect(header(letter as Message, 'x-dlq-partition')).toBe('0');
    expect(header(letter as Message, 'x-dlq-offset')).toBe('15');
    expect(header(letter as Message, 'x-dlq-timestamp')).toBe('1545084650987');
    expect(header(letter as Message, 'x-dlq-group')).toBe(g);
    expect(header(letter as Message, 'x-dlq-attempts')).toBe('1');
    expect(Number.isNaN(Date.parse(header(letter as Message, 'x-dlq-failed-at')))).toBe(false);
  });

  it('the Powertools sample: key, absent key and null key, headers decoded, event id falls back to coordinates, timestamp and content digest', async () => {
    const seen: ConsumerRecord[] = [];
    const values: unknown[] = [];
    const response = await kafkaConsumer({ group: group(), topic: product }, async (value, r) => {
      values.push(value);
      seen.push(r);
    })(structuredClone(powertoolsDefault) as never, context());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(values).toEqual([
      { id: 12345, name: 'product5', price: 45 },
      { id: 12345, name: 'product5', price: 45 },
      { id: 12345, name: 'product5', price: 45 },
    ]);
    expect(seen.map((r) => r.key)).toEqual(['recordKey', null, null]);
    expect(seen.map((r) => r.offset)).toEqual([15, 16, 17]);
    expect(seen[0]).toMatchObject({
      topic: 'mytopic',
      partition: 0,
      timestamp: 1545084650987,
      timestampType: 'CREATE_TIME',
      headers: { headerKey: 'headerValue' },
    });
    // Same value; keys present, absent and null (absent and null digest alike).
    expect(seen.map((r) => r.eventId)).toEqual([
      expect.stringMatching(/^mytopic-0-15@1545084650987#[\w-]{22}$/),
      expect.stringMatching(/^mytopic-0-16@1545084650988#[\w-]{22}$/),
      expect.stringMatching(/^mytopic-0-17@1545084650989#[\w-]{22}$/),
    ]);
    const digests = seen.map((r) => r.eventId.split('#')[1]);
    expect(digests[0]).not.toBe(digests[1]);
    expect(digests[1]).toBe(digests[2]);
  });

  it('reads a partition given as a string, as some third-party samples show', async () => {
    const event = structuredClone(powertoolsDefault) as { records: Record<string, { partition: unknown }[]> };
    for (const r of event.records['mytopic-0'] ?? []) r.partition = '0';
    const seen: number[] = [];
    await kafkaConsumer({ group: group(), topic: product }, async (_, r) => {
      seen.push(r.partition);
    })(event as never, context());
    expect(seen).toEqual([0, 0, 0]);
  });
});

describe('decoding edge cases', () => {
  it('a topic name with dots and dashes is reported under its exact records key', async () => {
    const dashed = testTopic('shop.order-placed.v2-beta', orderPlaced.schema);
    const r = record('shop.order-placed.v2-beta', 11, 40);
    const response = await kafkaConsumer({ group: group(), topic: dashed, retry: { attempts: 1 } }, async () => {
      throw new RetryableError('busy');
    })(mskEvent([r]), context());
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'shop.order-placed.v2-beta-11', offset: 40 } }] });
  });

  it('binary headers: handler sees UTF-8 (last value wins), the dead letter keeps the exact bytes', async () => {
    const binary = [0xff, 0x00, 0x80, 0x41];
    const r = record('order.placed', 0, 1, {
      rawValue: b64('{"not":"an order"}'),
      headers: [{ ce_id: bytes('first') }, { blob: binary }, { ce_id: bytes('evt-last') }],
    });
    await kafkaConsumer({ group: group(), topic: orderPlaced }, async () => {})(mskEvent([r]), context());
    const letter = sent[0]?.messages[0] as Message;
    expect(letter.headers?.blob).toEqual(Buffer.from(binary));
    expect(letter.headers?.ce_id).toEqual([Buffer.from('first'), Buffer.from('evt-last')]);
    expect(header(letter, 'x-dlq-error-class')).toBe('SchemaViolationError');

    const seen: ConsumerRecord[] = [];
    const good = record('order.placed', 0, 2, { headers: [{ ce_id: bytes('a') }, { ce_id: bytes(`b-${randomUUID()}`) }, { blob: binary }] });
    await kafkaConsumer({ group: group(), topic: orderPlaced }, async (_, rec) => {
      seen.push(rec);
    })(mskEvent([good]), context());
    expect(seen[0]?.eventId).toMatch(/^b-/);
    expect(seen[0]?.headers.blob).toBe(Buffer.from(binary).toString('utf8'));
  });

  it.each([
    ['tombstone (null value)', { rawValue: null }, 'SchemaViolationError', /tombstone/],
    ['absent value', { rawValue: undefined as unknown as null }, 'SchemaViolationError', /tombstone/],
    ['bad base64 value', { rawValue: 'not*base64!' }, 'UndecodableRecordError', /base64/],
    ['bad JSON', { rawValue: b64('{"order_id":') }, 'UndecodableRecordError', /JSON/],
    ['invalid UTF-8', { rawValue: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64') }, 'UndecodableRecordError', /UTF-8/],
    ['schema violation', { value: { ...order(), total: -1 } }, 'SchemaViolationError', /total/],
    ['unknown field (strict schema)', { value: { ...order(), extra: 1 } }, 'SchemaViolationError', /extra|Unrecognized/],
  ])('%s is dead-lettered, the rest of the partition runs', async (_, options, errorClass, reason) => {
    const handled: number[] = [];
    const records = [record('order.placed', 2, 10), record('order.placed', 2, 11, options as never), record('order.placed', 2, 12)];
    if ((options as { rawValue?: unknown }).rawValue === undefined && 'rawValue' in options) delete records[1]?.value;
    const response = await kafkaConsumer({ group: group(), topic: orderPlaced }, async (_, r) => {
      handled.push(r.offset);
    })(mskEvent(records), context());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(handled).toEqual([10, 12]);
    expect(sent).toHaveLength(1);
    const letter = sent[0]?.messages[0] as Message;
    expect(header(letter, 'x-dlq-error-class')).toBe(errorClass);
    expect(header(letter, 'x-dlq-error')).toMatch(reason);
    expect(header(letter, 'x-dlq-offset')).toBe('11');
  });

  it('a null key and an absent key both reach the handler as null', async () => {
    const keys: (string | null)[] = [];
    const absent = record('order.placed', 0, 6);
    delete absent.key;
    await kafkaConsumer({ group: group(), topic: orderPlaced }, async (_, r) => {
      keys.push(r.key);
    })(mskEvent([record('order.placed', 0, 5, { key: null }), absent]), context());
    expect(keys).toEqual([null, null]);
  });
});

describe('ordering, failures and the response', () => {
  it('records of a partition run in offset order even when delivered out of order; partitions run concurrently up to the bound', async () => {
    const order0: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const records = [5, 3, 4].map((o) => record('order.placed', 0, o));
    for (let p = 1; p <= 5; p++) records.push(record('order.placed', p, 1), record('order.placed', p, 2));
    await kafkaConsumer({ group: group(), topic: orderPlaced, concurrency: 2 }, async (_, r) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      if (r.partition === 0) order0.push(r.offset);
      inFlight--;
    })(mskEvent(records), context());
    expect(order0).toEqual([3, 4, 5]);
    expect(maxInFlight).toBe(2);
  });

  it('a retryable failure stops only its partition, at that offset (exact response shape)', async () => {
    const handled: string[] = [];
    const records = [10, 11, 12, 13].map((o) => record('order.placed', 1, o));
    records.push(...[20, 21, 22].map((o) => record('order.placed', 4, o)));
    const response = await kafkaConsumer({ group: group(), topic: orderPlaced, retry: fast }, async (_, r) => {
      if (r.partition === 1 && r.offset === 11) throw new Error('ECONNRESET');
      handled.push(`${r.partition}@${r.offset}`);
    })(mskEvent(records), context());
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-1', offset: 11 } }] });
    expect(handled).toEqual(['1@10', '4@20', '4@21', '4@22']);
  });

  it('retries in-process: the configured number of attempts, then succeeds or reports', async () => {
    let calls = 0;
    const flaky = kafkaConsumer({ group: group(), topic: orderPlaced, retry: fast }, async () => {
      calls++;
      if (calls < 3) throw new RetryableError('busy');
    });
    expect(await flaky(mskEvent([record('order.placed', 0, 1)]), context())).toStrictEqual({ batchItemFailures: [] });
    expect(calls).toBe(3);

    calls = 0;
    const broken = kafkaConsumer({ group: group(), topic: orderPlaced, retry: { ...fast, attempts: 4 } }, async () => {
      calls++;
      throw new RetryableError('still busy');
    });
    expect(await broken(mskEvent([record('order.placed', 0, 1)]), context())).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-0', offset: 1 } }],
    });
    expect(calls).toBe(4);
    expect(sent).toHaveLength(0);
  });

  it('NonRetryableError goes straight to the dead-letter topic with its attempt count', async () => {
    let calls = 0;
    const g = group();
    const response = await kafkaConsumer({ group: g, topic: orderPlaced, retry: fast }, async () => {
      calls++;
      throw new NonRetryableError('unknown product p-1');
    })(mskEvent([record('order.placed', 0, 7, { key: 'cust-9' })]), context());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(calls).toBe(1);
    const letter = sent[0]?.messages[0] as Message;
    expect(sent[0]?.topic).toBe(`${g}.dlq`);
    expect(letter.key).toEqual(Buffer.from('cust-9'));
    expect(header(letter, 'x-dlq-error')).toBe('unknown product p-1');
    expect(header(letter, 'x-dlq-error-class')).toBe('NonRetryableError');
    expect(header(letter, 'x-dlq-attempts')).toBe('1');
  });

  it('a record whose dead letter is not acknowledged is a batch item failure, never dropped', async () => {
    failDeadLetters = true;
    const handled: number[] = [];
    const response = await kafkaConsumer({ group: group(), topic: orderPlaced }, async (_, r) => {
      handled.push(r.offset);
    })(mskEvent([record('order.placed', 3, 1), record('order.placed', 3, 2, { rawValue: null }), record('order.placed', 3, 3)]), context());
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-3', offset: 2 } }] });
    expect(handled).toEqual([1]);
  });

  it('an infrastructure fault (Redis down) is retryable: reported, never dead-lettered', async () => {
    const client = redis();
    const spy = jest.spyOn(client, 'eval').mockRejectedValue(new Error('Connection is closed.'));
    try {
      const handler = jest.fn(async () => {});
      const response = await kafkaConsumer({ group: group(), topic: orderPlaced, retry: fast }, handler)(
        mskEvent([record('order.placed', 0, 1), record('order.placed', 2, 8)]),
        context(),
      );
      expect(response).toStrictEqual({
        batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-0', offset: 1 } }, { itemIdentifier: { partition: 'order.placed-2', offset: 8 } }],
      });
      expect(handler).not.toHaveBeenCalled();
      expect(sent).toHaveLength(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('waits for Redis to come back (within infrastructureWaitMs) instead of failing at once', async () => {
    const client = redis();
    const real = client.eval.bind(client);
    let failures = 4; // more than the in-process retries of one record absorb
    const spy = jest.spyOn(client, 'eval').mockImplementation(((...args: Parameters<typeof client.eval>) => {
      if (failures-- > 0) return Promise.reject(new Error('Connection is closed.'));
      return real(...args);
    }) as typeof client.eval);
    try {
      const handled: number[] = [];
      const response = await kafkaConsumer({ group: group(), topic: orderPlaced, retry: fast }, async (_order, r) => {
        handled.push(r.offset);
      })(mskEvent([record('order.placed', 0, 1), record('order.placed', 0, 2)]), context());
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(handled).toEqual([1, 2]);
    } finally {
      spy.mockRestore();
    }
  });

  it('a throw outside record processing rejects: not a Kafka event, or a topic the group does not read', async () => {
    const consumer = kafkaConsumer({ group: group(), topic: orderPlaced }, async () => {});
    await expect(consumer({} as never, context())).rejects.toThrow(/Not a Kafka event/);
    await expect(consumer({ records: { 'order.placed-0': 'x' } } as never, context())).rejects.toThrow(/not a list/);
    await expect(consumer(mskEvent([record('user.events', 0, 1)]), context())).rejects.toThrow(/reads order.placed/);
  });

  it('an empty batch succeeds with an empty list', async () => {
    expect(await kafkaConsumer({ group: group(), topic: orderPlaced }, async () => {})(mskEvent([]), context())).toStrictEqual({ batchItemFailures: [] });
  });
});

describe('time budget', () => {
  it('with no time left, no record starts and every partition is reported at its first offset', async () => {
    const handler = jest.fn(async () => {});
    const response = await kafkaConsumer({ group: group(), topic: orderPlaced, safetyMarginMs: 1000 }, handler)(
      mskEvent([record('order.placed', 0, 3), record('order.placed', 0, 4), record('order.placed', 5, 9)]),
      context(1000),
    );
    expect(handler).not.toHaveBeenCalled();
    expect(response).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-0', offset: 3 } }, { itemIdentifier: { partition: 'order.placed-5', offset: 9 } }],
    });
  });

  it('when the deadline passes mid-batch, the rest of each partition is reported', async () => {
    const realNow = Date.now;
    let shift = 0;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
    try {
      const handled: number[] = [];
      const response = await kafkaConsumer({ group: group(), topic: orderPlaced, concurrency: 1 }, async (_, r) => {
        handled.push(r.offset);
        if (r.offset === 2) shift = 3_600_000; // the clock jumps past the deadline
      })(mskEvent([1, 2, 3, 4].map((o) => record('order.placed', 0, o)).concat([record('order.placed', 1, 50)])), context(60_000));
      expect(handled).toEqual([1, 2]);
      expect(response).toStrictEqual({
        batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-0', offset: 3 } }, { itemIdentifier: { partition: 'order.placed-1', offset: 50 } }],
      });
    } finally {
      spy.mockRestore();
    }
  });

  it('a retry that would not fit before the deadline is not attempted', async () => {
    let calls = 0;
    const response = await kafkaConsumer(
      { group: group(), topic: orderPlaced, safetyMarginMs: 0, retry: { attempts: 10, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 } },
      async () => {
        calls++;
        throw new RetryableError('busy');
      },
    )(mskEvent([record('order.placed', 0, 1)]), context(1000));
    // Full jitter may draw a tiny delay; the first retry happens only if it fits, and a 1 h ceiling cannot fit twice.
    expect(calls).toBeLessThanOrEqual(2);
    expect(response.batchItemFailures).toHaveLength(1);
  });
});

describe('idempotency and redrive targeting', () => {
  it('the same batch twice runs each event once and leaves applied markers', async () => {
    const g = group();
    const ids = [randomUUID(), randomUUID()];
    const batch = () => mskEvent([record('order.placed', 0, 1, { id: ids[0] }), record('order.placed', 1, 1, { id: ids[1] })]);
    const handler = jest.fn(async () => {});
    const consumer = kafkaConsumer({ group: g, topic: orderPlaced }, handler);
    await consumer(batch(), context());
    await consumer(batch(), context());
    expect(handler).toHaveBeenCalledTimes(2);
    expect(await wasApplied(g, ids[0] as string)).toBe(true);
    expect(await redis().exists(leaseKey(g, ids[0] as string))).toBe(0);
  });

  it('the same event twice in one batch runs once', async () => {
    const id = randomUUID();
    const handler = jest.fn(async () => {});
    await kafkaConsumer({ group: group(), topic: orderPlaced }, handler)(
      mskEvent([record('order.placed', 0, 1, { id }), record('order.placed', 0, 2, { id })]),
      context(),
    );
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('an event leased by another invocation is a retryable failure, and is not run', async () => {
    const g = group();
    const id = randomUUID();
    await redis().set(leaseKey(g, id), 'another-invocation', 'PX', 60_000);
    const handler = jest.fn(async () => {});
    const response = await kafkaConsumer({ group: g, topic: orderPlaced, retry: fast }, handler)(mskEvent([record('order.placed', 0, 4, { id })]), context());
    expect(handler).not.toHaveBeenCalled();
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-0', offset: 4 } }] });
    expect(await redis().get(leaseKey(g, id))).toBe('another-invocation');
  });

  it('a failed record releases its lease and gets no applied marker', async () => {
    const g = group();
    const id = randomUUID();
    await kafkaConsumer({ group: g, topic: orderPlaced, retry: { attempts: 1 } }, async () => {
      throw new Error('boom');
    })(mskEvent([record('order.placed', 0, 4, { id })]), context());
    expect(await wasApplied(g, id)).toBe(false);
    expect(await redis().exists(leaseKey(g, id))).toBe(0);
  });

  it('a record redriven for another group is skipped; for this group it runs', async () => {
    const redriven = (target: string) => record('order.placed', 0, 1, { headers: [{ ce_id: bytes(randomUUID()) }, { 'x-redrive-group': bytes(target) }] });
    const handler = jest.fn(async () => {});
    const g = group();
    const consumer = kafkaConsumer({ group: g, topic: orderPlaced }, handler);
    expect(await consumer(mskEvent([redriven('someone-else')]), context())).toStrictEqual({ batchItemFailures: [] });
    expect(handler).not.toHaveBeenCalled();
    await consumer(mskEvent([redriven(g)]), context());
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('composition', () => {
  it('works under middy and passes typed values', async () => {
    const totals: number[] = [];
    const handler = middy(
      kafkaConsumer({ group: group(), topic: orderPlaced }, async (value: OrderPlaced) => {
        totals.push(value.total);
      }),
    );
    const response = await handler(mskEvent([record('order.placed', 0, 1, { value: order({ total: 42 }) })]), context());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(totals).toEqual([42]);
  });
});

describe('trace context without an SDK', () => {
  it("each record's handler runs in its producer's trace (what it publishes and logs carries it on); a record without one, or with an invalid one (all-zero trace id), in none", async () => {
    const traced = (traceparent: string): Record<string, number[]>[] => [{ ce_id: bytes(randomUUID()) }, { traceparent: bytes(traceparent) }];
    const traceIds = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'];
    const seen: (string | undefined)[] = [];
    const handler = kafkaConsumer({ group: group(), topic: orderPlaced }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(activeTraceId());
    });
    const response = await handler(
      mskEvent([
        record('order.placed', 0, 1, { headers: traced(`00-${traceIds[0]}-00f067aa0ba902b7-01`) }),
        record('order.placed', 0, 2, { headers: traced(`00-${traceIds[1]}-b7ad6b7169203331-00`) }),
        record('order.placed', 0, 3),
        record('order.placed', 0, 4, { headers: traced(`00-${'0'.repeat(32)}-b7ad6b7169203331-01`) }),
      ]),
      context(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(seen).toEqual([traceIds[0], traceIds[1], undefined, undefined]);
  });
});

describe('batch handler (kafkaBatchConsumer)', () => {
  const idOf = (r: { headers?: Record<string, number[] | string>[] | null }) => Buffer.from((r.headers?.[0]?.ce_id ?? []) as number[]).toString();

  it('is called once with the valid, not yet applied records of every partition; the rest is dead-lettered, skipped or marked', async () => {
    const g = group();
    const applied = record('order.placed', 0, 1);
    await applyAllOnce(g, [idOf(applied)], []);
    const duplicate = randomUUID();
    const records = [
      applied,
      record('order.placed', 0, 2, { id: duplicate }),
      record('order.placed', 0, 3, { rawValue: null }),
      record('order.placed', 0, 4, { id: duplicate }),
      record('order.placed', 3, 7, { headers: [{ ce_id: bytes(randomUUID()) }, { 'x-redrive-group': bytes('someone-else') }] }),
      record('order.placed', 3, 8, { value: order({ total: 5 }) }),
    ];
    const calls: BatchItem<OrderPlaced>[][] = [];
    const consumer = kafkaBatchConsumer({ group: g, topic: orderPlaced }, async (items) => {
      calls.push(items);
    });
    expect(await consumer(mskEvent(records), context())).toStrictEqual({ batchItemFailures: [] });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.map((i) => `${i.record.partition}@${i.record.offset}`)).toEqual(['0@2', '3@8']);
    expect(calls[0]?.[1]?.value.total).toBe(5);
    expect(calls[0]?.[0]?.record).toMatchObject({ group: g, eventId: duplicate, eventType: 'com.example.order.placed' });
    expect(sent).toHaveLength(1);
    expect(header(sent[0]?.messages[0] as Message, 'x-dlq-offset')).toBe('3');
    expect(await wasApplied(g, duplicate)).toBe(true);
    expect(await redis().exists(leaseKey(g, duplicate))).toBe(0);

    // Redelivered: everything is applied, dead-lettered or skipped; the handler is not called.
    expect(await consumer(mskEvent(records), context())).toStrictEqual({ batchItemFailures: [] });
    expect(calls).toHaveLength(1);
  });

  it('when it throws, its records run one at a time (a batch of one by default): a poison value is dead-lettered alone', async () => {
    const g = group();
    const calls: number[][] = [];
    const records = [record('order.placed', 1, 1), record('order.placed', 1, 2, { value: order({ total: 13 }) }), record('order.placed', 2, 5)];
    const response = await kafkaBatchConsumer({ group: g, topic: orderPlaced, retry: fast }, async (items) => {
      calls.push(items.map((i) => i.record.offset));
      if (items.some((i) => i.value.total === 13)) throw new NonRetryableError('unlucky total');
    })(mskEvent(records), context());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(calls[0]).toEqual([1, 2, 5]);
    // Partitions run concurrently: one call per record, in any order across partitions.
    expect(calls.slice(1).sort()).toEqual([[1], [2], [5]]);
    expect(sent).toHaveLength(1);
    expect(header(sent[0]?.messages[0] as Message, 'x-dlq-offset')).toBe('2');
    expect(header(sent[0]?.messages[0] as Message, 'x-dlq-error')).toBe('unlucky total');
    expect(await wasApplied(g, idOf(records[0] as never))).toBe(true);
    expect(await wasApplied(g, idOf(records[1] as never))).toBe(false);
  });

  it('when it throws and a per-record handler is given, that one runs; a retryable failure stops its partition only', async () => {
    const perRecord: number[] = [];
    const response = await kafkaBatchConsumer(
      {
        group: group(),
        topic: orderPlaced,
        retry: fast,
        perRecord: async (_, r) => {
          if (r.offset === 11) throw new RetryableError('still busy');
          perRecord.push(r.offset);
        },
      },
      async () => {
        throw new Error('ECONNRESET');
      },
    )(mskEvent([10, 11, 12].map((o) => record('order.placed', 4, o)).concat([record('order.placed', 5, 30)])), context());
    expect(perRecord).toEqual([10, 30]);
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-4', offset: 11 } }] });
  });

  it('with Redis down, nothing is applied and every partition is reported', async () => {
    const spy = jest.spyOn(redis(), 'eval').mockRejectedValue(new Error('Connection is closed.'));
    try {
      const handler = jest.fn(async () => {});
      const response = await kafkaBatchConsumer({ group: group(), topic: orderPlaced, retry: fast }, handler)(
        mskEvent([record('order.placed', 0, 1), record('order.placed', 2, 8)]),
        context(),
      );
      expect(handler).not.toHaveBeenCalled();
      expect(response).toStrictEqual({
        batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-0', offset: 1 } }, { itemIdentifier: { partition: 'order.placed-2', offset: 8 } }],
      });
    } finally {
      spy.mockRestore();
    }
  });

  it('with no time left, the batch handler is not called and every partition is reported', async () => {
    const handler = jest.fn(async () => {});
    const response = await kafkaBatchConsumer({ group: group(), topic: orderPlaced, safetyMarginMs: 1000 }, handler)(
      mskEvent([record('order.placed', 0, 3)]),
      context(1000),
    );
    expect(handler).not.toHaveBeenCalled();
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-0', offset: 3 } }] });
  });
});
