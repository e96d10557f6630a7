/**
 * The event catalog: every topic, its key, its schema and who consumes it, in one place.
 *
 * Producers validate against these schemas before publishing, consumers validate on receipt,
 * topics are created from these definitions (locally and at deploy time), IAM policies are derived
 * from them, and tests read them. Values keep the source document's JSON field names.
 *
 * @example
 * import { orderPlaced } from '../events/catalog';
 * await publish(orderPlaced, { order_id, customer_id, items, total, created_at });
 */
import { z } from 'zod';

/** A Kafka topic and everything the system needs to know about it. */
export interface TopicDefinition<Schema extends z.ZodType = z.ZodType> {
  /** Topic name on the cluster. */
  readonly name: string;
  /** CloudEvents `type` of the records on this topic. */
  readonly eventType: string;
  readonly partitions: number;
  /** The value field used as the record key: records with the same key keep their order. */
  readonly keyField: string;
  /** Derives the record key from a value. */
  readonly keyOf: (value: z.infer<Schema>) => string;
  /** Schema of the record value (JSON). */
  readonly schema: Schema;
  /** Consumer groups reading this topic; each is one Lambda function and one event source mapping. */
  readonly consumerGroups: readonly string[];
  /** Retention; the source document keeps events for 7 days. */
  readonly retentionMs: number;
  /**
   * Version of the topic's published contract (docs/asyncapi.json). A schema change that would
   * reject records written under the committed contract (a new required field, a removed enum
   * value, a narrowed type or range) needs this bumped, with a migration note for the new version;
   * test/contract/compatibility.unit.test.ts and `npm run contract` refuse it otherwise. Absent: 1.
   */
  readonly contractVersion?: number;
  /** Per version above 1: what changed incompatibly and what happens to records of the version before. */
  readonly migrationNotes?: Readonly<Record<number, string>>;
}

/**
 * Every consumer group, by the serverless.yml function that consumes for it: the one place a
 * group's name is written. The function's handler (`kafkaConsumer({ group: CONSUMER_GROUP.inventory, ... })`)
 * and its `msk` event (`consumerGroupId: ${self:custom.consumerGroup.inventory}`) both take it from
 * here, and `serverless package` fails when the two disagree (lib/deploy/consumer-groups.ts).
 */
export const CONSUMER_GROUP = {
  inventory: 'inventory-service',
  payment: 'payment-service',
  email: 'email-service',
  analytics: 'analytics-service',
  pageViews: 'page-views',
  searchTerms: 'search-terms',
  transcode: 'transcode-service',
  thumbnail: 'thumbnail-service',
  searchIndex: 'search-index-service',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Events are kept 7 days, as the source document says; dead letters 14, to leave time to redrive. */
export const EVENT_RETENTION_MS = 7 * DAY_MS;
export const DEAD_LETTER_RETENTION_MS = 14 * DAY_MS;

function defineTopic<Schema extends z.ZodObject, K extends keyof z.infer<Schema> & string>(definition: {
  name: string;
  eventType: string;
  partitions: number;
  keyField: K;
  schema: Schema;
  consumerGroups: readonly string[];
  contractVersion?: number;
  migrationNotes?: Readonly<Record<number, string>>;
}): TopicDefinition<Schema> {
  return {
    ...definition,
    keyOf: (value) => String(value[definition.keyField]),
    retentionMs: EVENT_RETENTION_MS,
  };
}

const id = z.string().min(1).max(128);
const isoTime = z.iso.datetime({ offset: true });

export const orderItem = z.strictObject({
  product_id: id,
  quantity: z.int().min(1).max(1000),
  /** Unit price. */
  price: z.number().min(0).max(1_000_000),
});

export const orderPlaced = defineTopic({
  name: 'order.placed',
  eventType: 'com.example.order.placed',
  partitions: 6,
  // Same customer, same partition: a customer's orders are handled in the order they were placed.
  keyField: 'customer_id',
  schema: z.strictObject({
    order_id: z.uuid(),
    customer_id: id,
    items: z.array(orderItem).min(1).max(100),
    total: z.number().min(0),
    created_at: isoTime,
  }),
  consumerGroups: [CONSUMER_GROUP.inventory, CONSUMER_GROUP.payment, CONSUMER_GROUP.email, CONSUMER_GROUP.analytics],
});

export const userEvents = defineTopic({
  name: 'user.events',
  eventType: 'com.example.user.event',
  partitions: 6,
  // All events of a session in one partition, in order.
  keyField: 'session_id',
  schema: z.strictObject({
    type: z.enum(['page_view', 'click', 'search']),
    user_id: id,
    session_id: id,
    payload: z.record(z.string().max(256), z.string().max(2048)),
    timestamp: isoTime,
  }),
  consumerGroups: [CONSUMER_GROUP.pageViews, CONSUMER_GROUP.searchTerms],
});

export const videoUploaded = defineTopic({
  name: 'video.uploaded',
  eventType: 'com.example.video.uploaded',
  partitions: 3,
  keyField: 'video_id',
  schema: z.strictObject({
    video_id: z.uuid(),
    s3_key: z.string().min(1).max(1024),
    user_id: id,
    size_bytes: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  }),
  consumerGroups: [CONSUMER_GROUP.transcode],
});

export const videoTranscoded = defineTopic({
  name: 'video.transcoded',
  eventType: 'com.example.video.transcoded',
  partitions: 3,
  keyField: 'video_id',
  schema: z.strictObject({
    video_id: z.uuid(),
    user_id: id,
    formats: z.array(z.string().min(1).max(32)).min(1),
    duration_seconds: z.int().min(0),
  }),
  consumerGroups: [CONSUMER_GROUP.thumbnail],
});

export const videoReady = defineTopic({
  name: 'video.ready',
  eventType: 'com.example.video.ready',
  partitions: 3,
  keyField: 'video_id',
  schema: z.strictObject({
    video_id: z.uuid(),
    user_id: id,
    thumbnail_url: z.url(),
  }),
  consumerGroups: [CONSUMER_GROUP.searchIndex],
});

/** Every topic of the system. */
export const topics = [orderPlaced, userEvents, videoUploaded, videoTranscoded, videoReady] as const;

export type OrderPlaced = z.infer<typeof orderPlaced.schema>;
export type UserEvent = z.infer<typeof userEvents.schema>;
export type VideoUploaded = z.infer<typeof videoUploaded.schema>;
export type VideoTranscoded = z.infer<typeof videoTranscoded.schema>;
export type VideoReady = z.infer<typeof videoReady.schema>;
export type EventOf<T extends TopicDefinition> = z.infer<T['schema']>;

/** Every consumer group of the system. */
export const consumerGroups: readonly string[] = topics.flatMap((topic) => topic.consumerGroups);

/**
 * Who publishes what: each producer and the topics it writes. A producer is an HTTP function, by
 * its name in serverless.yml, or a consumer group (whose function publishes follow-up events).
 * Deploy-time IAM is generated from this and `consumerGroups` (lib/deploy/iam.ts): a function may
 * write exactly these topics, plus its group's dead-letter topic.
 */
export const publishers: Readonly<Record<string, readonly string[]>> = {
  checkout: [orderPlaced.name],
  events: [userEvents.name],
  uploadVideo: [videoUploaded.name],
  [CONSUMER_GROUP.transcode]: [videoTranscoded.name],
  [CONSUMER_GROUP.thumbnail]: [videoReady.name],
};

/**
 * Functions that watch every consumer group: lag (committed vs end offsets) and dead-letter depth.
 * They may describe every topic and group, and read or write none.
 */
export const monitors: readonly string[] = ['stats'];

/**
 * Functions that operate on dead letters (the operator console, lib/operations/dead-letters.ts):
 * `list` reads every dead-letter topic; `redrive` also republishes to every source topic and keeps
 * its bookkeeping in each group's redrive group.
 */
export const deadLetterOperators: Readonly<Record<string, 'list' | 'redrive'>> = { deadLetters: 'list', redrive: 'redrive' };

/** The topics a producer (function name or consumer group) publishes; none if it is not declared. */
export function topicsPublishedBy(producer: string): readonly string[] {
  return Object.hasOwn(publishers, producer) ? (publishers[producer] ?? []) : [];
}

/** The dead-letter topic of a consumer group: records it can never process land there with the reason. */
export function deadLetterTopicFor(group: string): string {
  return `${group}.dlq`;
}

/** The consumer group that remembers which dead letters of `group` were redriven (lib/operations/dead-letters.ts). */
export function redriveGroupFor(group: string): string {
  return `${group}.dlq-redrive`;
}

/**
 * The consumer group the operator console lists `group`'s dead letters in: a fixed name, so the
 * console's IAM grant needs no wildcard (its function runs one at a time: reservedConcurrency 1).
 */
export function consoleReaderFor(group: string): string {
  return `${group}.dlq-console`;
}

/** The topic a consumer group reads. */
export function topicOfGroup(group: string): TopicDefinition {
  const topic = topics.find((t) => t.consumerGroups.includes(group));
  if (!topic) throw new Error(`Unknown consumer group "${group}": add it to a topic's consumerGroups in events/catalog.ts`);
  return topic;
}

/** The catalog entry of a topic name. */
export function topicNamed(name: string): TopicDefinition | undefined {
  return topics.find((t) => t.name === name);
}
