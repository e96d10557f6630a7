/** Pure parts of the offline Kafka trigger: config reading, event building, result interpretation. */
import type { KafkaMessage } from 'kafkajs';
import type { ServerlessService } from '../../lib/deploy/serverless-types';
import { buildEvent, type LambdaKafkaRecord, toLambdaRecord } from '../../lib/kafka/lambda-event';
import { readMappings } from '../../lib/local/offline-kafka/config';
import { effectiveMaxRetries } from '../../lib/local/offline-kafka/failure-policy';
import { envelopeSize, fitCount, recordSize } from '../../lib/local/offline-kafka/payload';
import { interpret } from '../../lib/local/offline-kafka/result';

// osls's own naming helpers: logical ids are computed exactly as at deploy time.
const naming = require('serverless/lib/plugins/aws/lib/naming.js');

function service(
  functions: Record<string, { events: Record<string, unknown>[]; timeout?: number; environment?: Record<string, unknown> }>,
  extra: Partial<ServerlessService> = {},
): ServerlessService {
  return {
    service: 'svc',
    provider: { stage: 'local', region: 'us-east-1', timeout: 10, environment: { KAFKA_BROKERS: '127.0.0.1:1111' } },
    getAllFunctions: () => Object.keys(functions),
    getFunction: (key) => ({ name: `svc-local-${key}`, ...functions[key] }),
    ...extra,
  };
}

describe('readMappings', () => {
  it('reads an msk event plus its resources.extensions settings, resolving the Ref to the Parameter default', () => {
    const arn = 'arn:aws:kafka:us-east-1:000000000000:cluster/local/abc-1';
    const mappings = readMappings(
      service(
        {
          inventory: {
            events: [
              { httpApi: {} },
              { msk: { arn: { Ref: 'MskCluster' }, topic: 'order.placed', consumerGroupId: 'inventory-service', batchSize: 50, maximumBatchingWindow: 0 } },
            ],
          },
        },
        {
          resources: {
            Parameters: { MskCluster: { Default: arn } },
            extensions: {
              InventoryEventSourceMappingMSKMskClusterOrderplaced: {
                Properties: {
                  FunctionResponseTypes: ['ReportBatchItemFailures'],
                  MaximumRetryAttempts: 3,
                  MaximumRecordAgeInSeconds: 86400,
                  BisectBatchOnFunctionError: true,
                  DestinationConfig: { OnFailure: { Destination: 'kafka://inventory-service.dlq' } },
                },
              },
            },
          },
        },
      ),
      naming,
      {},
    );
    expect(mappings).toEqual([
      expect.objectContaining({
        functionKey: 'inventory',
        functionName: 'svc-local-inventory',
        logicalId: 'InventoryEventSourceMappingMSKMskClusterOrderplaced',
        kind: 'msk',
        eventSourceArn: arn,
        brokers: ['127.0.0.1:1111'],
        topic: 'order.placed',
        groupId: 'inventory-service',
        batchSize: 50,
        batchingWindowMs: 0,
        startingPosition: 'TRIM_HORIZON',
        enabled: true,
        reportBatchItemFailures: true,
        maximumRetryAttempts: 3,
        maximumRecordAgeSeconds: 86400,
        bisectOnError: true,
        onFailureTopic: 'inventory-service.dlq',
        timeoutMs: 10_000,
      }),
    ]);
  });

  it('applies Lambda defaults and reads self-managed kafka events', () => {
    const [mapping] = readMappings(
      service(
        {
          worker: {
            timeout: 3,
            environment: { KAFKA_BROKERS: '' },
            events: [{ kafka: { topic: 'a.b', bootstrapServers: ['h1:9092', 'h2:9092'], onFailureDestination: 'kafka://a.b.dlq' } }],
          },
        },
        {
          provider: { stage: 'local' },
        },
      ),
      naming,
      {},
    );
    expect(mapping).toEqual(
      expect.objectContaining({
        kind: 'kafka',
        eventSourceArn: undefined,
        logicalId: 'WorkerEventSourceMappingKafkaAb',
        brokers: ['h1:9092', 'h2:9092'],
        groupId: 'WorkerEventSourceMappingKafkaAb',
        batchSize: 100,
        batchingWindowMs: 500,
        reportBatchItemFailures: false,
        maximumRetryAttempts: -1,
        maximumRecordAgeSeconds: -1,
        bisectOnError: false,
        onFailureTopic: 'a.b.dlq',
        timeoutMs: 3000,
      }),
    );
    expect(effectiveMaxRetries(mapping as never)).toBe(10);
    expect(effectiveMaxRetries({ maximumRetryAttempts: -1 })).toBe(Number.POSITIVE_INFINITY);
  });
});

function message(offset: number, extra: Partial<KafkaMessage> = {}): KafkaMessage {
  return {
    offset: String(offset),
    timestamp: '1545084650987',
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    headers: {},
    attributes: 0,
    size: 0,
    ...extra,
  } as unknown as KafkaMessage;
}

describe('event building', () => {
  it('encodes key and value as base64, headers as byte arrays (repeats kept), numbers as numbers', () => {
    const record = toLambdaRecord(
      'my.topic-x',
      2,
      message(15, { headers: { headerKey: Buffer.from('headerValue'), multi: [Buffer.from('a'), Buffer.from('b')] } }),
    );
    expect(record).toEqual({
      topic: 'my.topic-x',
      partition: 2,
      offset: 15,
      timestamp: 1545084650987,
      timestampType: 'CREATE_TIME',
      key: 'aw==',
      value: 'dg==',
      headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }, { multi: [97] }, { multi: [98] }],
    });
    expect(toLambdaRecord('t', 0, message(1, { key: null, value: null }))).not.toHaveProperty('key');
    const event = buildEvent({ kind: 'msk', eventSourceArn: 'arn:x', brokers: ['a:1', 'b:2'] }, { 'my.topic-x-2': [record] });
    expect(Object.keys(event)).toEqual(['eventSource', 'eventSourceArn', 'bootstrapServers', 'records']);
    expect(event.bootstrapServers).toBe('a:1,b:2');
    expect(buildEvent({ kind: 'kafka', brokers: ['a:1'] }, {})).toEqual({ eventSource: 'SelfManagedKafka', bootstrapServers: 'a:1', records: {} });
  });

  it("computes a record's JSON size without serialising it", () => {
    const records = [
      toLambdaRecord('t', 0, message(0)),
      toLambdaRecord('a.b-c_d', 12, message(123456789, { key: null, value: null })),
      toLambdaRecord(
        't',
        3,
        message(7, {
          key: null,
          headers: { 'ünï"code': Buffer.from([0, 9, 10, 99, 100, 255]), empty: Buffer.alloc(0), multi: [Buffer.from('a'), Buffer.from('bc')] },
        }),
      ),
    ];
    for (const record of records) expect(recordSize(record)).toBe(Buffer.byteLength(JSON.stringify(record)) + 1);
  });

  it('fits a batch within the batch size and the 6 MB payload', () => {
    const big = (offset: number): LambdaKafkaRecord => toLambdaRecord('t', 0, message(offset, { value: Buffer.alloc(2 * 1024 * 1024) }));
    const source = { kind: 'msk' as const, eventSourceArn: 'arn', brokers: ['a:1'] };
    const envelope = envelopeSize(source, 't-0');
    expect(fitCount([big(0), big(1), big(2), big(3)], 100, envelope)).toBe(2);
    expect(fitCount([big(0), big(1)], 1, envelope)).toBe(1);
    const huge = toLambdaRecord('t', 0, message(0, { value: Buffer.alloc(5 * 1024 * 1024) }));
    expect(fitCount([huge], 100, envelope)).toBe(0);
    const small = Array.from({ length: 10 }, (_, i) => toLambdaRecord('t', 0, message(i)));
    expect(fitCount(small, 4, envelope)).toBe(4);
    // The whole event must fit: JSON of the built event is within the limit whenever fitCount says so.
    const two = [big(0), big(1)];
    expect(Buffer.byteLength(JSON.stringify(buildEvent(source, { 't-0': two })))).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});

describe('interpret', () => {
  const records = {
    'a.b-c-0': [0, 1, 2].map((o) => toLambdaRecord('a.b-c', 0, message(o))),
    'a.b-c-1': [5, 6].map((o) => toLambdaRecord('a.b-c', 1, message(o))),
  };

  it('treats empty responses as success and errors as whole-batch failures', () => {
    for (const payload of [null, undefined, '', {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(interpret({ ok: true, payload }, records, true)).toEqual({ kind: 'success' });
    }
    expect(interpret({ ok: false, error: 'Unhandled: boom' }, records, true)).toEqual({ kind: 'failed', reason: 'Unhandled: boom' });
  });

  it('ignores the response without ReportBatchItemFailures', () => {
    expect(interpret({ ok: true, payload: { batchItemFailures: [{ itemIdentifier: { partition: 'x-9', offset: 1 } }] } }, records, false)).toEqual({
      kind: 'success',
    });
  });

  it('keeps the lowest failed offset per partition', () => {
    const verdict = interpret(
      {
        ok: true,
        payload: {
          batchItemFailures: [
            { itemIdentifier: { partition: 'a.b-c-0', offset: 2 } },
            { itemIdentifier: { partition: 'a.b-c-0', offset: 1 } },
            { itemIdentifier: { 'topic-partition': 'a.b-c-1', offset: 6 } },
          ],
        },
      },
      records,
      true,
    );
    expect(verdict).toEqual({
      kind: 'partial',
      failed: new Map([
        ['a.b-c-0', 1],
        ['a.b-c-1', 6],
      ]),
    });
  });

  it('fails the whole batch for an identifier that is not in the batch or a malformed response', () => {
    for (const payload of [
      { batchItemFailures: [{ itemIdentifier: { partition: 'a.b-c-0', offset: 7 } }] },
      { batchItemFailures: [{ itemIdentifier: { partition: 'other-0', offset: 0 } }] },
      { batchItemFailures: [{}] },
      { batchItemFailures: 'nope' },
      'a string',
    ]) {
      expect(interpret({ ok: true, payload }, records, true).kind).toBe('failed');
    }
  });
});
