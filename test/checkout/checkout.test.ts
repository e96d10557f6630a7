/**
 * POST /checkout against the real broker: what lands in order.placed, and what bad requests get.
 */
import { orderPlaced } from '../../events/catalog';
import { handler as checkout } from '../../functions/checkout';
import { kafka, resetKafka } from '../../lib/kafka/client';
import { disconnectProducer } from '../../lib/kafka/publisher';
import { provision, topicSpecs } from '../../lib/kafka/topics';
import { startBroker } from '../../lib/local/broker';
import { invokeHttp } from '../support/http';
import { endOffsets, javaPartitions, readRecords, recordsSince } from '../support/kafka';

const items = [
  { product_id: 'SKU-001', quantity: 2, price: 29.99 },
  { product_id: 'SKU-002', quantity: 1, price: 5.01 },
];

afterAll(async () => {
  await disconnectProducer();
});

describe('a valid checkout', () => {
  it('answers 202 with the order id after order.placed has it, keyed by the caller, in the Java partition, with CloudEvents headers', async () => {
    const customers = ['customer-a', 'customer-b', 'customer-c', 'customer-d', 'customer-e'];
    const before = await endOffsets(orderPlaced.name);
    const orderIds: string[] = [];
    for (const customer of customers) {
      const response = await invokeHttp(checkout, { body: { items }, subject: customer });
      expect(response.status).toBe(202);
      orderIds.push(String(response.json?.order_id));
    }

    const records = await readRecords(orderPlaced.name, before);
    expect(records).toHaveLength(customers.length);
    const expectedPartitions = javaPartitions(orderPlaced.partitions, customers);
    for (const [i, customer] of customers.entries()) {
      const record = records.find((r) => JSON.parse(String(r.message.value)).customer_id === customer);
      expect(record).toBeDefined();
      if (!record) continue;
      expect(String(record.message.key)).toBe(customer);
      expect(record.partition).toBe(expectedPartitions[i]);
      const value = JSON.parse(String(record.message.value));
      expect(value).toEqual({ order_id: orderIds[i], customer_id: customer, items, total: 64.99, created_at: expect.any(String) });
      const headers = Object.fromEntries(Object.entries(record.message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      expect(headers).toEqual({
        ce_specversion: '1.0',
        ce_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ce_type: 'com.example.order.placed',
        ce_source: 'checkout',
        ce_time: expect.any(String),
        'content-type': 'application/json',
      });
    }
    // Every event has its own id.
    expect(new Set(records.map((r) => String(r.message.headers?.ce_id))).size).toBe(customers.length);
  });

  it('takes the customer from the verified token, never from a header', async () => {
    const before = await endOffsets(orderPlaced.name);
    const response = await invokeHttp(checkout, { body: { items }, subject: 'real-customer', headers: { 'x-customer-id': 'someone-else' } });
    expect(response.status).toBe(202);
    const [record] = await readRecords(orderPlaced.name, before);
    expect(JSON.parse(String(record?.message.value)).customer_id).toBe('real-customer');
  });
});

describe('a bad checkout request gets a problem and publishes nothing', () => {
  const cases: { name: string; request: Parameters<typeof invokeHttp>[1]; status: number; field?: string }[] = [
    { name: 'malformed JSON', request: { body: '{"items": [' }, status: 400, field: '' },
    { name: 'wrong content type', request: { body: JSON.stringify({ items }), headers: { 'content-type': 'text/plain' } }, status: 415, field: 'content-type' },
    { name: 'no content type', request: { body: JSON.stringify({ items }), headers: { 'content-type': '' } }, status: 415, field: 'content-type' },
    { name: 'missing items', request: { body: {} }, status: 400, field: 'items' },
    { name: 'empty items', request: { body: { items: [] } }, status: 400, field: 'items' },
    { name: 'a client-sent total', request: { body: { items, total: 0.01 } }, status: 400, field: 'total' },
    { name: 'an unknown item field', request: { body: { items: [{ ...items[0], discount: 50 }] } }, status: 400, field: 'items.0.discount' },
    { name: 'quantity 0', request: { body: { items: [{ ...items[0], quantity: 0 }] } }, status: 400, field: 'items.0.quantity' },
    { name: 'quantity 1001', request: { body: { items: [{ ...items[0], quantity: 1001 }] } }, status: 400, field: 'items.0.quantity' },
    { name: 'fractional quantity', request: { body: { items: [{ ...items[0], quantity: 1.5 }] } }, status: 400, field: 'items.0.quantity' },
    { name: 'a string price', request: { body: { items: [{ ...items[0], price: '29.99' }] } }, status: 400, field: 'items.0.price' },
    { name: 'missing product id', request: { body: { items: [{ quantity: 1, price: 1 }] } }, status: 400, field: 'items.0.product_id' },
    { name: 'a body over 64 KiB', request: { body: JSON.stringify({ items, pad: 'x'.repeat(70 * 1024) }) }, status: 413 },
    { name: 'invalid UTF-8', request: { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'), isBase64Encoded: true }, status: 400, field: '' },
    { name: 'a JSON array body', request: { body: [items] }, status: 400, field: '' },
    { name: 'no authenticated caller', request: { body: { items }, subject: null }, status: 401 },
  ];

  it.each(cases)('$name → $status', async ({ request, status, field }) => {
    const before = await endOffsets(orderPlaced.name);
    const response = await invokeHttp(checkout, request);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status, title: expect.any(String) });
    if (field !== undefined) expect(((response.json?.errors ?? []) as { field: string }[]).map((e) => e.field)).toContain(field);
    expect(await recordsSince(orderPlaced.name, before)).toBe(0);
  });
});

describe('when Kafka is down', () => {
  it('answers 503 with Retry-After within the function timeout, never 202', async () => {
    const saved = process.env.KAFKA_BROKERS;
    const broker = await startBroker();
    try {
      process.env.KAFKA_BROKERS = broker.brokers;
      await disconnectProducer();
      resetKafka();
      await provision(kafka(), topicSpecs({ replicationFactor: 1 }));
      expect((await invokeHttp(checkout, { body: { items } })).status).toBe(202);

      await broker.kill();
      const started = Date.now();
      const response = await invokeHttp(checkout, { body: { items } });
      const elapsed = Date.now() - started;
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.headers['content-type']).toBe('application/problem+json');
      // A functional bound, not a speed target: the function (10 s timeout) must answer before Lambda kills it.
      expect(elapsed).toBeLessThan(10_000);
    } finally {
      await broker.stop();
      process.env.KAFKA_BROKERS = saved;
      await disconnectProducer();
      resetKafka();
    }
  });
});
