/**
 * The AsyncAPI 3 (3.1.0) document of the system's Kafka events, generated from events/catalog.ts:
 * - a channel per topic (address, partitions, retention, the key field) and per dead-letter topic;
 * - a message per topic: the zod schema as JSON Schema, the CloudEvents and trace headers, the
 *   record key, and the topic's contract version (`x-contract-version`, read back by the
 *   compatibility guard);
 * - operations: each publisher sending, each consumer group receiving (its group id as Kafka
 *   binding), and each group sending its failures to its dead-letter topic with `x-dlq-*` headers.
 *
 * Used by scripts/contract.ts and tests only: nothing here is bundled into a Lambda.
 */
import { deadLetterTopicFor, type TopicDefinition } from '../../events/catalog';
import type { TopicSpec } from '../kafka/topics';
import { alwaysPresentDeadLetterHeaders, alwaysPresentEventHeaders, deadLetterHeaderNames, eventHeaderNames, headerDescription } from './headers';
import { jsonSchemaOf, propertySchema } from './json-schema';

/** Kafka bindings version for AsyncAPI 3.x (https://github.com/asyncapi/bindings/tree/master/kafka). */
const KAFKA_BINDING_VERSION = '0.5.0';

export interface CatalogInput {
  topics: readonly TopicDefinition[];
  /** Producer (HTTP function or consumer group) → topics it writes: the catalog's `publishers`. */
  publishers: Readonly<Record<string, readonly string[]>>;
  /** How each topic (dead-letter topics included) is created: lib/kafka/topics.ts topicSpecs. */
  specs: readonly TopicSpec[];
  version: string;
}

type Json = Record<string, unknown>;

/** Shared header schemas, under components.schemas. */
const EVENT_HEADERS = 'EventHeaders';
const DEAD_LETTER_HEADERS = 'DeadLetterHeaders';

/** Name of a message, a channel id and an operation id part: the topic name, as on the cluster. */
const ref = (...segments: string[]) => ({ $ref: `#/${segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}` });

function headersSchema(names: readonly string[], required: readonly string[]): Json {
  return {
    type: 'object',
    description: 'Kafka record headers (UTF-8 strings). Other headers may be present.',
    properties: Object.fromEntries(names.map((name) => [name, { type: 'string', description: headerDescription(name) }])),
    required: [...required],
  };
}

function topicMessage(topic: TopicDefinition): Json {
  const payload = jsonSchemaOf(topic.schema, 'draft-07');
  return {
    name: topic.name,
    title: topic.eventType,
    summary: `A \`${topic.eventType}\` event (CloudEvents binary mode: the value is the event data).`,
    contentType: 'application/json',
    headers: ref('components', 'schemas', EVENT_HEADERS),
    payload,
    bindings: {
      kafka: {
        key: { ...(propertySchema(payload, topic.keyField) as Json), description: `The value's \`${topic.keyField}\`: records of one key keep their order.` },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
    'x-key-field': topic.keyField,
    'x-contract-version': topic.contractVersion ?? 1,
    ...(topic.migrationNotes && Object.keys(topic.migrationNotes).length > 0 ? { 'x-migration-notes': topic.migrationNotes } : {}),
  };
}

function deadLetterMessage(group: string, topic: TopicDefinition): Json {
  return {
    name: deadLetterTopicFor(group),
    title: `Dead letter of ${group}`,
    summary: `A \`${topic.name}\` record that ${group} could never process: its original key, value and headers, plus \`x-dlq-*\` headers saying why.`,
    headers: ref('components', 'schemas', DEAD_LETTER_HEADERS),
    // Deliberately any value: a record may be here because it was not valid JSON, or not valid.
    payload: { description: `The original value, unchanged (usually a ${topic.name} message; see the x-dlq-error header).` },
    bindings: { kafka: { key: { type: 'string', description: 'The original key, unchanged.' }, bindingVersion: KAFKA_BINDING_VERSION } },
  };
}

function channelBinding(specs: readonly TopicSpec[], topic: string): Json {
  const spec = specs.find((s) => s.name === topic);
  if (!spec) throw new Error(`No topic spec for ${topic}`);
  const retention = Number(spec.configs['retention.ms']);
  return { kafka: { topic, partitions: spec.partitions, topicConfiguration: { 'retention.ms': retention }, bindingVersion: KAFKA_BINDING_VERSION } };
}

/** A consumer group's parts of the document: its dead-letter channel and message, and its receive and dead-letter operations. */
function addConsumerGroup(
  { channels, operations, messages }: { channels: Json; operations: Json; messages: Json },
  specs: readonly TopicSpec[],
  topic: TopicDefinition,
  group: string,
): void {
  const dlq = deadLetterTopicFor(group);
  messages[dlq] = deadLetterMessage(group, topic);
  channels[dlq] = {
    address: dlq,
    title: `Dead letters of ${group}`,
    description: `Records of ${topic.name} that ${group} gave up on. \`npm run dlq -- redrive ${group}\` sends them back for this group only.`,
    messages: { [dlq]: ref('components', 'messages', dlq) },
    bindings: channelBinding(specs, dlq),
  };
  operations[`${group}.receives.${topic.name}`] = {
    action: 'receive',
    title: `${group} consumes ${topic.name}`,
    summary: `Consumer group ${group}: one Lambda function behind a Kafka event source mapping.`,
    channel: ref('channels', topic.name),
    messages: [ref('channels', topic.name, 'messages', topic.name)],
    bindings: { kafka: { groupId: { type: 'string', enum: [group] }, bindingVersion: KAFKA_BINDING_VERSION } },
  };
  operations[`${group}.dead-letters.${dlq}`] = {
    action: 'send',
    title: `${group} dead-letters to ${dlq}`,
    channel: ref('channels', dlq),
    messages: [ref('channels', dlq, 'messages', dlq)],
  };
}

/** The AsyncAPI 3.1 document of the catalog. */
export function asyncApiDocument({ topics, publishers, specs, version }: CatalogInput): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  for (const topic of topics) {
    messages[topic.name] = topicMessage(topic);
    channels[topic.name] = {
      address: topic.name,
      title: topic.eventType,
      description: `${topic.partitions} partitions, keyed by \`${topic.keyField}\`; read by ${topic.consumerGroups.join(', ') || 'no consumer group'}.`,
      messages: { [topic.name]: ref('components', 'messages', topic.name) },
      bindings: channelBinding(specs, topic.name),
    };
    for (const group of topic.consumerGroups) addConsumerGroup({ channels, operations, messages }, specs, topic, group);
  }
  for (const [producer, written] of Object.entries(publishers)) {
    for (const name of written) {
      if (!channels[name]) throw new Error(`publishers.${producer} names topic "${name}", which is not in the catalog`);
      operations[`${producer}.sends.${name}`] = {
        action: 'send',
        title: `${producer} publishes ${name}`,
        channel: ref('channels', name),
        messages: [ref('channels', name, 'messages', name)],
      };
    }
  }
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'kafka-lambda-system events',
      version,
      description:
        'The Kafka topics of the system, generated from events/catalog.ts by `npm run contract`; do not edit by hand. ' +
        'Values are JSON (CloudEvents binary mode, attributes in `ce_*` headers). Each message carries `x-contract-version`: ' +
        'a change that would reject records already written under it bumps the version, with a note in `x-migration-notes`.',
    },
    defaultContentType: 'application/json',
    servers: {
      msk: {
        host: '{bootstrapBrokers}',
        protocol: 'kafka-secure',
        description: 'Amazon MSK with IAM access control (SASL OAUTHBEARER over TLS, port 9098); brokers from `aws kafka get-bootstrap-brokers`.',
        variables: { bootstrapBrokers: { description: 'The cluster bootstrap string, e.g. b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098' } },
      },
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The broker of `npm run dev` / `npm run kafka`.' },
    },
    channels,
    operations,
    components: {
      messages,
      schemas: {
        [EVENT_HEADERS]: headersSchema(eventHeaderNames, alwaysPresentEventHeaders),
        [DEAD_LETTER_HEADERS]: headersSchema([...deadLetterHeaderNames, ...eventHeaderNames], alwaysPresentDeadLetterHeaders),
      },
    },
  };
}
