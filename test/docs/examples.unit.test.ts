/**
 * Every `@example` in lib/'s doc comments compiles against its module: each is wrapped in an
 * async function next to the module, with the module's exports in scope and a small preamble
 * declaring the free variables it uses (below), and type-checked with the project's settings.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { type DocExample, exampleModule, examplesOf, sourceFiles } from './doc-examples';

const ROOT = join(__dirname, '../..');

/**
 * What an example takes for granted, per `<module>#<n>`: imports of other modules (paths relative
 * to the module) and `declare const` lines for the values it reads.
 */
const PREAMBLE: Record<string, string> = {
  'lib/kafka/connection.ts#1': "import { kafka } from './client';",
  'lib/deploy/consumer-groups.ts#1': `import type { ServerlessService, AwsNaming } from './serverless-types';
import { mskTriggerEvents } from './trigger-events';
declare const service: ServerlessService;
declare const naming: AwsNaming;
declare const serviceDir: string;`,
  'lib/deploy/trigger-events.ts#1': `import type { ServerlessService, AwsNaming } from './serverless-types';
declare const service: ServerlessService;
declare const naming: AwsNaming;`,
  'lib/kafka/lambda-event.ts#1': 'declare const eventSourceArn: string;',
  'lib/local/offline-kafka/failure-policy.ts#1': 'declare const mapping: Parameters<typeof failurePolicy>[0];',
  'lib/local/offline-kafka/payload.ts#1':
    'declare const mapping: Parameters<typeof bareEnvelopeSize>[0];\ndeclare const records: Parameters<typeof fitCount>[0];',
  'lib/http/group-parameter.ts#1': 'declare const request: { pathParameters: Record<string, string> };',
  'lib/kafka/dead-letter-headers.ts#1': `import type { KafkaMessage } from 'kafkajs';
import { headersAsStrings } from './headers';
declare const message: KafkaMessage;`,
  'lib/stores/live-figures.ts#1': 'declare const latenciesMs: number[];',
  'lib/telemetry/trace.ts#2': `declare const record: { headers: Record<string, string> };
declare function handler(value: unknown): Promise<void>;
declare const value: unknown;`,
  'lib/telemetry/sdk.ts#1': "import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';",
  'lib/telemetry/metrics.ts#1': `import { type OrderPlaced, orderPlaced } from '../../events/catalog';
import { publish } from '../kafka/publisher';
import { activeContext, runWithContext } from './trace';
declare const order: OrderPlaced;`,
  'lib/consumer/backoff.ts#1': 'declare const attempt: number;',
  'lib/consumer/budget.ts#1': `import type { Context } from 'aws-lambda';
declare const context: Context;
declare const delay: number;
declare function reportUnprocessed(): void;
declare function reportFailed(): void;`,
  'lib/consumer/decode.ts#1': `import { orderPlaced } from '../../events/catalog';
import { partitionsOf, type RawKafkaEvent } from '../kafka/lambda-event';
declare const event: RawKafkaEvent;`,
  'lib/consumer/dead-letters.ts#1': `import type { DecodedRecord } from './decode';
declare const record: DecodedRecord;
declare const error: Error;`,
  'lib/consumer/errors.ts#1': `declare const product: { name: string } | undefined;
declare const id: string;
declare const response: Response;`,
  'lib/consumer/idempotency.ts#1': `import type { DecodedRecord } from './decode';
declare const decodedRecords: DecodedRecord[];
declare const record: DecodedRecord;
declare const eventId: string;`,
  'lib/consumer/index.ts#1': `import { orderPlaced, userEvents } from '../../events/catalog';
import { pageViewCommands } from '../stores/analytics';
import { applyAllOnce } from '../stores/once';
import { orderStore } from '../stores/orders';`,
  'lib/consumer/partition.ts#1': `declare const batch: PartitionBatch;
declare const settings: PartitionSettings;
declare const failures: { partition: string; offset: number }[];
import type { PartitionBatch } from '../kafka/lambda-event';`,
  'lib/consumer/pool.ts#1': `import type { PartitionBatch } from '../kafka/lambda-event';
declare const partitions: PartitionBatch[];
declare function processPartition(batch: PartitionBatch): Promise<void>;`,
  'lib/consumer/telemetry.ts#1': `import type { TopicDefinition } from '../../events/catalog';
import type { BatchFigures } from '../telemetry/metrics';
import type { DecodedRecord } from './decode';
import type { PartitionSettings } from './partition';
declare const topic: TopicDefinition;
declare const group: string;
declare const decoded: DecodedRecord[][];
declare const record: DecodedRecord;
declare const settings: PartitionSettings;
declare const figures: BatchFigures;
declare function processRecord(record: DecodedRecord, settings: PartitionSettings): Promise<'processed'>;`,
  'lib/contract/compatibility.ts#1': 'declare const committedPayload: JsonSchema;\ndeclare const currentPayload: JsonSchema;',
  'lib/deploy/alarms.ts#1': 'declare const resources: Record<string, unknown>;\ndeclare const settings: MonitoringSettings;',
  'lib/deploy/iam.ts#1': "import { mskArns } from './arns';\ndeclare const clusterArn: string;",
  'lib/errors.ts#1': "import { log } from './log';\nimport { redis } from './stores/redis';",
  'lib/http/api.ts#1': `import { z } from 'zod';
import { type OrderPlaced, orderItem } from '../../events/catalog';
declare const checkoutRequest: z.ZodObject<{ items: z.ZodArray<typeof orderItem> }>;
declare function placeOrder(customerId: string, items: OrderPlaced['items']): Promise<string>;`,
  'lib/http/params.ts#1': 'declare const request: { pathParameters: Record<string, string> };',
  'lib/kafka/derived-id.ts#1': `import { type VideoTranscoded, videoTranscoded } from '../../events/catalog';
import { publish } from './publisher';
declare const value: VideoTranscoded;
declare const record: { eventId: string };`,
  'lib/kafka/retriable.ts#1': "import type { Admin } from 'kafkajs';\ndeclare const admin: Admin;",
  'lib/kafka/lag.ts#1': "import type { Admin } from 'kafkajs';\ndeclare const admin: Admin;",
  'lib/kafka/publisher.ts#1': "import { type OrderPlaced, orderPlaced } from '../../events/catalog';\ndeclare const order: OrderPlaced;",
  'lib/kafka/topics.ts#1': "import { kafka } from './client';",
  'lib/local/dev-data.ts#1': "import type { Redis } from 'ioredis';\ndeclare const redis: Redis;\ndeclare const clusterId: string;",
  'lib/local/trace-preload.ts#1': `import { spawn } from 'node:child_process';
declare const node: string;
declare const serverless: string;`,
  'lib/local/waterfall.ts#1': "import type { StoredSpan } from './span-store';\ndeclare const spans: StoredSpan[];\ndeclare const id: string;",
  'lib/stores/analytics.ts#1': `import { type UserEvent, userEvents } from '../../events/catalog';
import { kafkaBatchConsumer } from '../consumer';
declare const items: AggregateItem<UserEvent>[];`,
  'lib/stores/once.ts#1': 'declare const eventId: string;\ndeclare const key: string;',
  'lib/stores/orders.ts#1': "import type { OrderPlaced } from '../../events/catalog';\ndeclare const order: OrderPlaced;\ndeclare const eventId: string;",
  'lib/stores/videos.ts#1': `import type { VideoTranscoded, VideoUploaded } from '../../events/catalog';
declare const eventId: string;
declare const upload: VideoUploaded;
declare const transcoded: VideoTranscoded;
declare const uploadedAt: string;
declare const videoId: string;`,
  'lib/telemetry/trace.ts#1': `import { type Span, trace } from '@opentelemetry/api';
import type { ConsumerRecord } from '../consumer/types';
declare const record: ConsumerRecord;
declare const span: Span;
declare const value: unknown;
declare function handler(value: unknown, record: ConsumerRecord): Promise<void>;`,
  'lib/timeout.ts#1': `import type { Admin } from 'kafkajs';
import { consumerGroupHealth } from './kafka/lag';
declare const admin: Admin;
declare const groups: { group: string; topic: string }[];`,
};

/**
 * Stale examples in modules other work owns this round (they are left as found): each must
 * still fail, so fixing one fails this test until it is taken off the list.
 */

const keyOf = (example: DocExample) => `${example.module}#${example.index}`;

/** The catalog's names an example uses (group and topic names are written there once), imported unless the module or its preamble has them. */
const CATALOG_NAMES = ['CONSUMER_GROUP', 'deadLetterTopicFor', 'orderPlaced', 'userEvents'];
function catalogImports(example: DocExample): string {
  const preamble = PREAMBLE[keyOf(example)] ?? '';
  if (example.module === 'events/catalog.ts') return '';
  const own = readFileSync(join(ROOT, example.module), 'utf8');
  const used = CATALOG_NAMES.filter(
    (name) => new RegExp(`\\b${name}\\b`).test(example.code) && !preamble.includes(name) && !new RegExp(`export (const|function) ${name}\\b`).test(own),
  );
  if (used.length === 0) return '';
  const from = relative(dirname(join(ROOT, example.module)), join(ROOT, 'events/catalog')).replaceAll('\\', '/');
  return `import { ${used.join(', ')} } from '${from.startsWith('.') ? from : `./${from}`}';\n`;
}

/** Type-checks each example (one program for all); the diagnostics of each, formatted. */
function typeCheck(examples: DocExample[], preambleOf: (example: DocExample) => string): Map<string, string[]> {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error('tsconfig.json could not be read');
  const virtual = new Map<string, DocExample>();
  const texts = new Map<string, string>();
  for (const example of examples) {
    const module = join(ROOT, example.module);
    const file = join(dirname(module), `__example-${example.index}-${example.module.replace(/[/.]/g, '_')}.ts`);
    virtual.set(file, example);
    texts.set(file, exampleModule(module, example.code, preambleOf(example)));
  }
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => texts.has(file) || fileExists.call(host, file);
  host.readFile = (file) => texts.get(file) ?? readFile.call(host, file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = texts.get(file);
    return text === undefined ? getSourceFile.call(host, file, language, ...rest) : ts.createSourceFile(file, text, language, true);
  };
  const program = ts.createProgram([...virtual.keys()], { ...parsed.options, noEmit: true }, host);
  const results = new Map<string, string[]>();
  for (const [file, example] of virtual) {
    const source = program.getSourceFile(file);
    const diagnostics = source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : [];
    results.set(
      keyOf(example),
      diagnostics.map((d) => {
        const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
        return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    );
  }
  return results;
}

const examples = sourceFiles(join(ROOT, 'lib')).flatMap((file) => examplesOf(file, ROOT));
let results: Map<string, string[]>;

beforeAll(() => {
  results = typeCheck(examples, (example) => catalogImports(example) + (PREAMBLE[keyOf(example)] ?? ''));
}, 120_000);

test('lib/ has doc examples to check', () => {
  expect(examples.length).toBeGreaterThan(30);
});

test.each(examples.map((e) => [keyOf(e), e] as const))('%s compiles', (key) => {
  expect(results.get(key)).toEqual([]);
});

test('every preamble belongs to an example that exists', () => {
  expect(Object.keys(PREAMBLE).filter((key) => !examples.some((e) => keyOf(e) === key))).toEqual([]);
});

test('a broken example fails the check', () => {
  const broken: DocExample = { module: 'lib/stores/once.ts', index: 99, code: "await applyOnce('analytics-service', [['HINCRBY', 'k', 'orders', '1']]);" };
  const [problems] = [...typeCheck([broken], () => '').values()];
  expect(problems?.join('\n')).toMatch(/Expected 3 arguments, but got 2/);
});
