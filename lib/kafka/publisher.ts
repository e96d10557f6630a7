/**
 * Publishing events: validated against the catalog, keyed, with CloudEvents headers, and
 * acknowledged by all in-sync replicas before the promise resolves. Each send is a `send <topic>`
 * span whose context every record carries as `traceparent`/`tracestate` headers, so consumers
 * continue the caller's trace (lib/telemetry/trace.ts).
 *
 * One idempotent producer per container, connected on first use. A socket that died while the
 * container was frozen shows up as a connection error: the producer is rebuilt and the send
 * retried once, within a bounded time, so a caller never waits past the function timeout.
 *
 * @example
 * const { eventId } = await publish(orderPlaced, order, { source: 'checkout' });
 */
import { randomUUID } from 'node:crypto';
import { SpanKind, trace } from '@opentelemetry/api';
import type { Message, ProducerConfig, RecordMetadata } from 'kafkajs';
import type { EventOf, TopicDefinition } from '../../events/catalog';
import { config } from '../config';
import { errorMessage } from '../errors';
import { recordPublish } from '../telemetry/metrics';
import { activeContext, endSpan, kafkaAttributes, traceHeaders, tracer } from '../telemetry/trace';
import { withTimeout } from '../timeout';
import { kafka } from './client';
import { containerConnection } from './connection';
import { KafkaUnavailableError } from './errors';
import { eventHeaders } from './headers';
import { kafkajs } from './kafkajs';
import { isConnectionFailure } from './retriable';

export { KafkaUnavailableError };

export interface PublishOptions {
  /** Event id; defaults to a new UUID. Derive it from the input event's id to make re-publishing idempotent. */
  eventId?: string;
  /** CloudEvents source; defaults to EVENT_SOURCE or the function name. */
  source?: string;
  /** Event time; defaults to now. */
  time?: string;
  /** Extra headers. */
  headers?: Record<string, string>;
}

export interface Published {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

/** Total time a send may take, retries included; below the shortest function timeout. */
const SEND_BUDGET_MS = 6000;

/** Settings of every producer of the system (benchmarks compare against a bare producer with these too). */
export const PRODUCER_CONFIG: ProducerConfig = {
  idempotent: true,
  // Idempotence needs one request in flight to keep order across retries.
  maxInFlightRequests: 1,
  // murmur2, the Java client's partitioner: the same key lands in the same partition whoever writes it.
  createPartitioner: () => kafkajs().Partitioners.DefaultPartitioner(),
  retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
};

const containerProducer = containerConnection(() => kafka().producer(PRODUCER_CONFIG));
const producer = () => containerProducer.get();

/** Disconnects the container's producer (tests and graceful shutdown). */
export function disconnectProducer(): Promise<void> {
  return containerProducer.close();
}

/**
 * Sends raw messages to a topic with acks=all. Rebuilds the producer and retries once on a
 * connection failure; throws {@link KafkaUnavailableError} when Kafka did not acknowledge.
 */
export async function sendMessages(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const p = await withTimeout(producer(), SEND_BUDGET_MS - (Date.now() - started), 'no acknowledgement');
      return await withTimeout(p.send({ topic, messages, acks: -1, timeout: 5000 }), SEND_BUDGET_MS - (Date.now() - started), 'no acknowledgement');
    } catch (error) {
      const elapsed = Date.now() - started;
      if (attempt >= 2 || elapsed > SEND_BUDGET_MS / 2 || !isConnectionFailure(error)) {
        throw new KafkaUnavailableError(`Kafka did not acknowledge the write to ${topic}: ${errorMessage(error)}`, { cause: error });
      }
      // Probably a socket that died while the container was frozen: start over with a fresh producer.
      await disconnectProducer().catch(() => {});
    }
  }
}

/** Validates, keys and publishes one event; resolves once every in-sync replica has it. */
export async function publish<T extends TopicDefinition>(topic: T, value: EventOf<T>, options: PublishOptions = {}): Promise<Published> {
  const [published] = await publishAll(topic, [value], options.eventId ? [options.eventId] : undefined, options);
  return published as Published;
}

/**
 * Publishes several events of one topic in a single send (one produce request per partition).
 * `eventIds[i]`, when given, is the id of `values[i]`.
 */
export async function publishAll<T extends TopicDefinition>(
  topic: T,
  values: EventOf<T>[],
  eventIds?: string[],
  options: Omit<PublishOptions, 'eventId'> = {},
): Promise<Published[]> {
  const settings = config();
  const source = options.source ?? settings.EVENT_SOURCE ?? settings.AWS_LAMBDA_FUNCTION_NAME ?? 'local';
  const time = options.time ?? new Date().toISOString();
  const ids = values.map((_, i) => eventIds?.[i] ?? randomUUID());
  const parent = activeContext();
  const span = tracer().startSpan(
    `send ${topic.name}`,
    { kind: SpanKind.PRODUCER, attributes: kafkaAttributes('send', topic.name, { 'messaging.batch.message_count': values.length }) },
    parent,
  );
  const traceparentHeaders = traceHeaders(trace.setSpan(parent, span));
  const started = Date.now();
  let metadata: RecordMetadata[];
  let messages: { key: string; value: string; headers: Record<string, string> }[];
  try {
    messages = values.map((raw, i) => {
      // A producer bug must not put a record on the topic that every consumer would dead-letter.
      const value = topic.schema.parse(raw) as EventOf<T>;
      return {
        key: topic.keyOf(value),
        value: JSON.stringify(value),
        headers: eventHeaders({ id: ids[i] as string, type: topic.eventType, source, time }, { ...traceparentHeaders, ...options.headers }),
      };
    });
    if (values.length === 1) span.setAttribute('messaging.message.id', ids[0] as string);
    metadata = await sendMessages(topic.name, messages);
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
  recordPublish(values.length, Date.now() - started);
  if (metadata.length === 1 && values.length === 1) {
    span.setAttribute('messaging.destination.partition.id', String(metadata[0]?.partition));
    span.setAttribute('messaging.kafka.offset', Number(metadata[0]?.baseOffset ?? metadata[0]?.offset ?? -1));
  }
  endSpan(span);
  // One entry per partition, with the base offset of that partition's messages in send order.
  const next = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? m.offset ?? '0')]));
  const partitionOf = partitionerFor(topic.partitions);
  return messages.map((message, i) => {
    const partition = partitionOf(message.key);
    const offset = next.get(partition) ?? -1n;
    next.set(partition, offset + 1n);
    return { eventId: ids[i] as string, topic: topic.name, partition, offset: offset.toString() };
  });
}

const partitioners = new Map<number, (key: string) => number>();

/** The partition murmur2 picks for a key among `partitions`; built once per count, not per publish. */
function partitionerFor(partitions: number): (key: string) => number {
  let partitionOf = partitioners.get(partitions);
  if (!partitionOf) {
    const partitioner = kafkajs().Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    partitionOf = (key) => partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
    partitioners.set(partitions, partitionOf);
  }
  return partitionOf;
}
