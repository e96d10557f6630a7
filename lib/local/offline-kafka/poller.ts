/**
 * One poller per event source mapping: a real kafkajs consumer group that feeds the function
 * through serverless-offline and applies the result the way Lambda does.
 *
 * - Offsets are committed by hand, only for records that were processed or sent to the
 *   on-failure destination; everything else is fetched again (at-least-once).
 * - A partition has at most one invocation in flight; partitions are processed concurrently.
 * - Success commits the batch. Reported item failures commit up to the lowest failed offset and
 *   re-deliver from there. A thrown error, a timeout or an unknown identifier fails the batch:
 *   with BisectBatchOnFunctionError the batch is halved (halving does not count as a retry),
 *   otherwise every record of the batch uses up one retry. Once a record has failed
 *   MaximumRetryAttempts + 1 times, or is older than MaximumRecordAgeInSeconds, or alone exceeds
 *   the 6 MB payload limit, it goes to the on-failure destination and is committed.
 * - A retry waits a short, growing backoff with only its partition paused.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { PluginLog } from '../plugin-log';
import type { MappingConfig } from './config';
import { type FailureCondition, failureMessage } from './dead-letter';
import { buildEvent, envelopeSize, fitCount, type LambdaKafkaRecord, MAX_PAYLOAD_BYTES, partitionKey, toLambdaRecord } from './event';
import type { Invoker } from './invoke';
import { interpret } from './result';

export interface PollerDeps {
  kafka: Kafka;
  /** Shared producer for on-failure destinations. */
  producer(): Promise<Producer>;
  invoker: Invoker;
  /** One INFO line per mapping at start and per invocation; what goes wrong at WARN. */
  log: PluginLog;
}

interface PartitionState {
  /** Failed invocations per offset (reset when the record is committed). */
  attempts: Map<number, number>;
  /** Batch size while bisecting. */
  sizeLimit?: number;
  /** Last offset of the batch that started the bisection: full batches resume after it. */
  bisectUntil?: number;
}

/** With infinite retries and a destination, Lambda caps retries at 10. */
export function effectiveMaxRetries(mapping: Pick<MappingConfig, 'maximumRetryAttempts' | 'onFailureTopic' | 'onFailureOther'>): number {
  if (mapping.maximumRetryAttempts >= 0) return mapping.maximumRetryAttempts;
  return mapping.onFailureTopic || mapping.onFailureOther ? 10 : Number.POSITIVE_INFINITY;
}

export function retryDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 2000);
}

export class MappingPoller {
  private consumer?: Consumer;
  private readonly partitions = new Map<number, PartitionState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private readonly maxRetries: number;
  readonly label: string;

  constructor(
    readonly mapping: MappingConfig,
    private readonly deps: PollerDeps,
  ) {
    this.maxRetries = effectiveMaxRetries(mapping);
    this.label = `${mapping.functionKey} [${mapping.groupId}]`;
  }

  async start(): Promise<void> {
    const m = this.mapping;
    const admin = this.deps.kafka.admin();
    await admin.connect();
    let partitionCount = 1;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [m.topic] });
      partitionCount = metadata.topics[0]?.partitions.length ?? 1;
      if (m.startingPosition === 'AT_TIMESTAMP' && m.startingPositionTimestamp !== undefined) {
        // Applies only while the group has no committed offset, like StartingPosition on AWS.
        const committed = await admin.fetchOffsets({ groupId: m.groupId, topics: [m.topic] });
        const none = committed.every((t) => t.partitions.every((p) => p.offset === '-1'));
        if (none) {
          const offsets = await admin.fetchTopicOffsetsByTimestamp(m.topic, m.startingPositionTimestamp * 1000);
          await admin.setOffsets({ groupId: m.groupId, topic: m.topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })) });
        }
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }

    const consumer = this.deps.kafka.consumer({
      groupId: m.groupId,
      // A hard-killed poller leaves the group quickly; long invocations heartbeat meanwhile.
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
      rebalanceTimeout: Math.max(60_000, m.timeoutMs * 2),
      // The batching window: the broker answers when data is there or the window has passed.
      maxWaitTimeInMs: Math.max(100, m.batchingWindowMs),
      minBytes: m.batchingWindowMs > 0 ? 1024 * 1024 : 1,
      maxBytesPerPartition: MAX_PAYLOAD_BYTES + 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [m.topic], fromBeginning: m.startingPosition !== 'LATEST' });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, Math.min(partitionCount, 16)),
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.deps.log.info(
      `${this.label} polling ${m.topic} (batchSize ${m.batchSize}, window ${m.batchingWindowMs} ms, retries ${m.maximumRetryAttempts}, ` +
        `bisect ${m.bisectOnError}, partial ${m.reportBatchItemFailures}, on-failure ${m.onFailureTopic ? `kafka://${m.onFailureTopic}` : (m.onFailureOther ?? 'none')})`,
    );
  }

  /** Stops fetching, lets the in-flight invocations finish (bounded), commits, leaves the group. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const consumer = this.consumer;
    if (!consumer) return;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      consumer.disconnect().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!finished) this.deps.log.warn(`${this.label} did not stop within ${timeoutMs} ms; uncommitted records will be delivered again`);
  }

  private state(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) {
      state = { attempts: new Map() };
      this.partitions.set(partition, state);
    }
    return state;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale, pause, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    const m = this.mapping;
    const { topic, partition } = batch;
    const state = this.state(partition);
    const key = partitionKey(topic, partition);
    const envelope = envelopeSize(m, key);
    const messages = batch.messages;
    const records = messages.map((message) => toLambdaRecord(topic, partition, message));
    let index = 0;

    // Commits run behind the invocations, in order, coalesced: the next batch of the partition is
    // invoked while the previous one's offset is being committed. Offsets are only ever committed
    // after their records were processed or sent to the destination; a crash before a commit lands
    // means those records come again. Every exit from this function waits for the commits first.
    let latest = -1;
    let committedUpTo = -1;
    let flushing: Promise<boolean> | undefined;
    const flush = async (): Promise<boolean> => {
      while (committedUpTo < latest) {
        const target = latest;
        try {
          // Not consumer.commitOffsets: that one silently skips the commit once the consumer is
          // stopping, and the batch that finishes during a graceful shutdown must be committed.
          await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: String(target) }] }] });
          committedUpTo = target;
        } catch (error) {
          this.deps.log.warn(`${this.label} ${key} commit of offset ${target} failed (${(error as Error).message}); the records come again`);
          return false;
        }
      }
      return true;
    };
    const startFlush = (): Promise<boolean> => {
      flushing ??= flush().finally(() => {
        flushing = undefined;
      });
      return flushing;
    };
    /** Waits for every commit asked so far; false if one failed. */
    const settle = async (): Promise<boolean> => {
      while (committedUpTo < latest) {
        if (!(await startFlush())) return false;
      }
      return true;
    };
    const commit = (nextOffset: number): void => {
      resolveOffset(String(nextOffset - 1));
      for (const offset of state.attempts.keys()) if (offset < nextOffset) state.attempts.delete(offset);
      if (state.bisectUntil !== undefined && nextOffset > state.bisectUntil) {
        state.sizeLimit = undefined;
        state.bisectUntil = undefined;
      }
      latest = Math.max(latest, nextOffset);
      void startFlush();
    };
    const retryLater = (attempt: number): void => {
      if (this.stopping) return;
      const resume = pause();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resume();
      }, retryDelayMs(attempt));
      this.timers.add(timer);
    };
    /** Sends `messages[from, to)` to the destination; false when that could not be done. */
    const divert = async (from: number, to: number, condition: FailureCondition, error: string): Promise<boolean> => {
      const slice = messages.slice(from, to);
      const range = `${key} offsets ${slice[0]?.offset}-${slice[slice.length - 1]?.offset}`;
      const attempts = Math.max(...slice.map((message) => state.attempts.get(Number(message.offset)) ?? 0));
      if (m.onFailureTopic) {
        try {
          const producer = await this.deps.producer();
          await producer.send({
            topic: m.onFailureTopic,
            acks: -1,
            messages: slice.map((message: KafkaMessage) =>
              failureMessage(topic, partition, message, {
                condition,
                error,
                group: m.groupId,
                functionName: m.functionName,
                eventSourceArn: m.eventSourceArn,
                attempts,
              }),
            ),
          });
        } catch (sendError) {
          this.deps.log.warn(`${this.label} ${range}: writing to kafka://${m.onFailureTopic} failed (${(sendError as Error).message}); will retry`);
          return false;
        }
        this.deps.log.warn(`${this.label} ${range}: ${slice.length} record(s) sent to kafka://${m.onFailureTopic} (${condition}: ${error.slice(0, 200)})`);
      } else if (m.onFailureOther) {
        this.deps.log.warn(`${this.label} ${range}: ${condition}; the on-failure destination ${m.onFailureOther} is not emulated locally, record(s) skipped`);
      } else {
        // Lambda drops records whose retries are exhausted when no destination is configured.
        this.deps.log.warn(`${this.label} ${range}: ${condition}; no on-failure destination, record(s) DISCARDED as Lambda does`);
      }
      return true;
    };

    const run = async (): Promise<void> => {
      while (index < records.length) {
        if (this.stopping || !isRunning() || isStale()) return;

        if (m.maximumRecordAgeSeconds >= 0) {
          const oldest = Date.now() - m.maximumRecordAgeSeconds * 1000;
          let expired = 0;
          while (index + expired < records.length && (records[index + expired] as LambdaKafkaRecord).timestamp < oldest) expired++;
          if (expired > 0) {
            if (!(await divert(index, index + expired, 'RecordAgeExceeded', `older than MaximumRecordAgeInSeconds (${m.maximumRecordAgeSeconds})`))) {
              return retryLater(1);
            }
            index += expired;
            commit((records[index - 1] as LambdaKafkaRecord).offset + 1);
            continue;
          }
        }

        const limit = Math.min(m.batchSize, state.sizeLimit ?? m.batchSize);
        const count = fitCount(records.slice(index, index + limit), limit, envelope);
        if (count === 0) {
          if (!(await divert(index, index + 1, 'MaximumPayloadSizeExceeded', `record exceeds the ${MAX_PAYLOAD_BYTES}-byte invocation payload limit`))) {
            return retryLater(1);
          }
          index += 1;
          commit((records[index - 1] as LambdaKafkaRecord).offset + 1);
          continue;
        }

        const chunk = records.slice(index, index + count);
        const first = (chunk[0] as LambdaKafkaRecord).offset;
        const last = (chunk[chunk.length - 1] as LambdaKafkaRecord).offset;
        const eventRecords = { [key]: chunk };
        const beat = setInterval(() => heartbeat().catch(() => {}), 2000);
        const started = Date.now();
        const outcome = await this.deps.invoker.invoke(m, buildEvent(m, eventRecords), m.timeoutMs).finally(() => clearInterval(beat));
        const took = Date.now() - started;
        const verdict = interpret(outcome, eventRecords, m.reportBatchItemFailures);
        const where = `${key} offsets ${first}-${last} (${count} record${count === 1 ? '' : 's'})`;

        if (verdict.kind === 'success') {
          this.deps.log.info(`λ ${this.label} ${where} -> ok ${took} ms`);
          index += count;
          commit(last + 1);
          continue;
        }

        if (verdict.kind === 'partial') {
          const failedOffset = verdict.failed.get(key) as number;
          const succeeded = chunk.findIndex((r) => r.offset === failedOffset);
          const attempt = (state.attempts.get(failedOffset) ?? 0) + 1;
          state.attempts.set(failedOffset, attempt);
          this.deps.log.warn(`λ ${this.label} ${where} -> item failure at offset ${failedOffset} (attempt ${attempt}) ${took} ms`);
          if (succeeded > 0) {
            index += succeeded;
            commit(failedOffset);
          }
          if (attempt > this.maxRetries) {
            if (!(await divert(index, index + 1, 'RetryAttemptsExhausted', `reported as failed ${attempt} time(s)`))) return retryLater(attempt);
            index += 1;
            commit(failedOffset + 1);
            continue;
          }
          // Re-delivered from the failed offset: the next fetch starts at the resolved offset + 1.
          return retryLater(attempt);
        }

        // The whole batch failed.
        if (m.bisectOnError && count > 1) {
          state.sizeLimit = Math.ceil(count / 2);
          state.bisectUntil = Math.max(state.bisectUntil ?? -1, last);
          this.deps.log.warn(`λ ${this.label} ${where} -> error ${took} ms, bisecting to ${state.sizeLimit}: ${verdict.reason.slice(0, 300)}`);
          continue;
        }
        let headAttempt = 0;
        for (const record of chunk) {
          const attempt = (state.attempts.get(record.offset) ?? 0) + 1;
          state.attempts.set(record.offset, attempt);
          if (record.offset === first) headAttempt = attempt;
        }
        this.deps.log.warn(`λ ${this.label} ${where} -> error (attempt ${headAttempt}) ${took} ms: ${verdict.reason.slice(0, 300)}`);
        if (headAttempt > this.maxRetries) {
          let exhausted = 0;
          while (exhausted < chunk.length && (state.attempts.get((chunk[exhausted] as LambdaKafkaRecord).offset) ?? 0) > this.maxRetries) exhausted++;
          if (!(await divert(index, index + exhausted, 'RetryAttemptsExhausted', verdict.reason))) return retryLater(headAttempt);
          index += exhausted;
          commit((records[index - 1] as LambdaKafkaRecord).offset + 1);
          continue;
        }
        return retryLater(headAttempt);
      }
    };
    try {
      await run();
    } finally {
      await settle();
    }
  }
}
