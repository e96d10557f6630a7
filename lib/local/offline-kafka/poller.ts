/**
 * One poller per event source mapping: a real kafkajs consumer group that feeds the function
 * through serverless-offline and applies the result the way Lambda does.
 *
 * - A batch holds records of several partitions of the topic, each partition's in offset order
 *   (lib/local/offline-kafka/assemble.ts); a partition is in one batch in flight at most, and
 *   batches of disjoint partitions run concurrently.
 * - Offsets are committed by hand, only for records that were processed or sent to the
 *   on-failure destination; everything else is fetched again (at-least-once).
 * - The response is applied per partition. Success commits every partition of the batch.
 *   Reported item failures commit each failed partition up to its lowest failed offset and
 *   re-deliver it from there, while the partitions without failures commit. A thrown error, a
 *   timeout or an identifier that is not in the batch fails the whole batch: with
 *   BisectBatchOnFunctionError the batch is halved (halving does not count as a retry), otherwise
 *   every record of the batch uses up one retry. Once a record has failed
 *   MaximumRetryAttempts + 1 times, or is older than MaximumRecordAgeInSeconds, or alone exceeds
 *   the 6 MB payload limit, it goes to the on-failure destination and is committed.
 * - A retry waits a short, growing backoff with only its partition paused.
 *
 * What to do after an invocation (or with the records at a partition's head) is decided by the pure
 * failure policy (lib/local/offline-kafka/failure-policy.ts); this class fetches, invokes, and
 * applies its decisions: commit, retry, divert to the on-failure destination, bisect.
 */

import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { errorMessage } from '../../errors';
import { buildEvent, type LambdaKafkaRecord, partitionKey, toLambdaRecord } from '../../kafka/lambda-event';
import type { KafkaRecordFilter } from '../filter/kafka-record';
import type { PluginLog } from '../plugin-log';
import { assembleBatch } from './assemble';
import { type CommitOffsets, OffsetCommitter } from './commits';
import type { MappingConfig } from './config';
import { type FailureCondition, failureMessage } from './dead-letter';
import { afterInvocation, beforeInvocation, type FailurePolicy, failurePolicy, type PartitionDecision } from './failure-policy';
import { FilteredBatch, mappingFilter } from './filtering';
import type { Invoker } from './invoke';
import { PartitionState } from './partition-state';
import { bareEnvelopeSize, fitCount, MAX_PAYLOAD_BYTES, partitionFrameSize } from './payload';
import type { Verdict } from './result';

export interface PollerDeps {
  kafka: Kafka;
  /** Shared producer for on-failure destinations. */
  producer(): Promise<Producer>;
  invoker: Invoker;
  /** One INFO line per mapping at start and per invocation; what goes wrong at WARN. */
  log: PluginLog;
  /**
   * Invocations of this mapping in flight at once (default: no bound but the partitions). Lambda
   * runs one per partition at most; locally each concurrent one is a worker thread of its own, so
   * `custom.offlineKafka.concurrency` can bound them: partitions that are ready meanwhile join the
   * next batch, per-partition order and every other rule unchanged.
   */
  concurrency?: number;
}

/** A partition's fetched records while kafkajs waits for them to be done. */
interface PartitionWork {
  partition: number;
  key: string;
  /** The fetched records the mapping's filters let through (all of them without filters). */
  messages: KafkaMessage[];
  records: LambdaKafkaRecord[];
  /** What the filters left out of this fetch, for the log lines and the commit past them. */
  filtered: FilteredBatch;
  /** The next record to invoke (those before it are committed or diverted). */
  index: number;
  state: PartitionState;
  /** preparing: head records being checked; ready: waits for a batch; inFlight: in one; done: handed back to kafkajs. */
  phase: 'preparing' | 'ready' | 'inFlight' | 'done';
  payload: EachBatchPayload;
  finish(): void;
}

/** One partition's records in a batch. */
interface BatchEntry {
  work: PartitionWork;
  chunk: LambdaKafkaRecord[];
}

export function retryDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 2000);
}

export class MappingPoller {
  private consumer?: Consumer;
  private readonly partitions = new Map<number, PartitionState>();
  /** Partitions whose fetched records are being handled. */
  private readonly works = new Map<number, PartitionWork>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly commits: OffsetCommitter;
  /** Commits through the latest batch's payload (every payload commits for the same group member). */
  private commitOffsets?: CommitOffsets;
  private scheduled = false;
  private stopping = false;
  /** Invocations in flight. */
  private inFlight = 0;
  private readonly policy: FailurePolicy;
  /** FilterCriteria: records no filter matches are committed without an invocation. */
  private readonly filter: KafkaRecordFilter | undefined;
  /** Records filtered out since start. */
  filteredOut = 0;
  /** Bytes of the event before any partition. */
  private readonly envelope: number;
  readonly label: string;

  constructor(
    readonly mapping: MappingConfig,
    private readonly deps: PollerDeps,
  ) {
    this.policy = failurePolicy(mapping);
    this.label = `${mapping.functionKey} [${mapping.groupId}]`;
    this.filter = mappingFilter(this.label, mapping.filterPatterns);
    this.envelope = bareEnvelopeSize(mapping);
    this.commits = new OffsetCommitter(
      // Not consumer.commitOffsets: that one silently skips the commit once the consumer is
      // stopping, and the batch that finishes during a graceful shutdown must be committed.
      () => this.commitOffsets,
      (partitions, error) =>
        this.deps.log.warn(
          `${this.label} commit of ${partitions.map((p) => partitionKey(mapping.topic, p)).join(', ')} failed (${error.message}); the records come again`,
        ),
    );
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
      // One worker per partition: every partition of a fetch reaches onBatch in the same tick.
      partitionsConsumedConcurrently: Math.max(1, partitionCount),
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.deps.log.info(
      `${this.label} polling ${m.topic} (batchSize ${m.batchSize}, window ${m.batchingWindowMs} ms, retries ${m.maximumRetryAttempts}, ` +
        `bisect ${m.bisectOnError}, partial ${m.reportBatchItemFailures}, on-failure ${m.onFailureTopic ? `kafka://${m.onFailureTopic}` : (m.onFailureOther ?? 'none')}, ` +
        `filters ${m.filterPatterns.length === 0 ? 'none' : m.filterPatterns.join(' | ')})`,
    );
  }

  /** Stops fetching, lets the in-flight invocations finish (bounded), commits, leaves the group. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    // Partitions waiting for a batch are handed back: their records come again after a restart.
    this.schedule();
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
      state = new PartitionState();
      this.partitions.set(partition, state);
    }
    return state;
  }

  /**
   * kafkajs hands over each partition's fetched records on its own (all partitions of one fetch in
   * the same tick); they wait here for {@link dispatch} to put them into shared batches. The call
   * returns once the partition's records are all done, or once it waits for a retry (paused, its
   * records fetched again from the resolved offset), and its commits have landed.
   */
  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    this.commitOffsets = (partitions) => payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions }] });
    // Filtered out before batching (lib/local/offline-kafka/filtering.ts).
    const filtered = new FilteredBatch(this.filter, batch.messages);
    this.filteredOut += filtered.filteredOut;
    const work: PartitionWork = {
      partition: batch.partition,
      key: partitionKey(batch.topic, batch.partition),
      messages: filtered.messages,
      records: filtered.messages.map((message) => toLambdaRecord(batch.topic, batch.partition, message)),
      filtered,
      index: 0,
      state: this.state(batch.partition),
      phase: 'preparing',
      payload,
      finish: () => {},
    };
    const finished = new Promise<void>((resolve) => {
      work.finish = resolve;
    });
    this.works.set(work.partition, work);
    void this.prepare(work);
    await finished;
    if (this.works.get(work.partition) === work) this.works.delete(work.partition);
    await this.commits.settle(work.partition);
  }

  private end(work: PartitionWork): void {
    work.phase = 'done';
    work.finish();
  }

  /** Stops the partition and redelivers from its resolved offset after a short backoff. */
  private retryLater(work: PartitionWork, attempt: number): void {
    if (!this.stopping) {
      const resume = work.payload.pause();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resume();
      }, retryDelayMs(attempt));
      this.timers.add(timer);
    }
    this.end(work);
  }

  private commit(work: PartitionWork, nextOffset: number): void {
    work.payload.resolveOffset(String(nextOffset - 1));
    work.state.committed(nextOffset);
    this.commits.commit(work.partition, nextOffset);
  }

  /**
   * Deals with the records at the head of the partition that are not to be invoked, then hands the
   * partition to the dispatcher. A per-record "is this invoked at all" decision (the mapping's
   * FilterCriteria) belongs here, next to the record age: records it drops are committed without
   * an invocation.
   */
  private async prepare(work: PartitionWork): Promise<void> {
    const { records } = work;
    for (;;) {
      if (this.stopping || !work.payload.isRunning() || work.payload.isStale()) return this.end(work);
      if (work.index >= records.length) {
        this.commitFilteredTail(work);
        return this.end(work);
      }
      const head = records[work.index] as LambdaKafkaRecord;
      const headFits = fitCount([head], 1, this.envelope + partitionFrameSize(work.key)) > 0;
      const decision = beforeInvocation(records, work.index, headFits, this.policy, Date.now());
      if (decision.action === 'invoke') break;
      if (!(await this.divert(work, work.index + decision.count, decision.condition, decision.reason))) return this.retryLater(work, 1);
      work.index += decision.count;
      this.commit(work, (records[work.index - 1] as LambdaKafkaRecord).offset + 1);
    }
    work.phase = 'ready';
    this.schedule();
  }

  /** Filtered-out records after the fetch's last matched one: committed without an invocation, as Lambda does. */
  private commitFilteredTail(work: PartitionWork): void {
    const last = work.records[work.records.length - 1];
    const tail = work.filtered.tailEnd(last ? last.offset + 1 : 0);
    if (tail === undefined) return;
    const skipped = work.filtered.takeFilteredBelow(tail);
    this.deps.log.info(`λ ${this.label} ${work.key} up to offset ${tail - 1}: ${skipped} record(s) filtered out, committed without invocation`);
    this.commit(work, tail);
  }

  /** Dispatches on the next turn of the event loop, so that partitions ready together share a batch. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  /** Starts as many invocations as the ready partitions fill; each partition is in one at most. */
  private dispatch(): void {
    const m = this.mapping;
    const concurrency = this.deps.concurrency ?? Number.POSITIVE_INFINITY;
    for (;;) {
      if (this.inFlight >= concurrency && !this.stopping) return;
      const ready = [...this.works.values()].filter((work) => work.phase === 'ready');
      if (ready.length === 0) return;
      if (this.stopping) {
        for (const work of ready) this.end(work);
        return;
      }
      const waiting = ready.map((work) => ({
        key: work.key,
        records: work.records.slice(work.index, work.index + m.batchSize),
        sizeLimit: work.state.sizeLimit,
      }));
      const parts = assembleBatch(waiting, m.batchSize, this.envelope);
      if (parts.length === 0) return;
      const batch: BatchEntry[] = parts.map(({ key, count }) => {
        const work = ready.find((w) => w.key === key) as PartitionWork;
        work.phase = 'inFlight';
        return { work, chunk: work.records.slice(work.index, work.index + count) };
      });
      void this.invoke(batch);
    }
  }

  private async invoke(batch: BatchEntry[]): Promise<void> {
    const m = this.mapping;
    const eventRecords: Record<string, LambdaKafkaRecord[]> = {};
    for (const { work, chunk } of batch) eventRecords[work.key] = chunk;
    const count = batch.reduce((sum, { chunk }) => sum + chunk.length, 0);
    // Filtered-out records among these offsets ride along in the commit; each is counted once.
    const skipped = batch.reduce((sum, { work, chunk }) => sum + work.filtered.takeFilteredBelow((chunk[chunk.length - 1] as LambdaKafkaRecord).offset + 1), 0);
    const where =
      `${batch.map(({ work, chunk }) => `${work.key} offsets ${chunk[0]?.offset}-${chunk[chunk.length - 1]?.offset}`).join(', ')} ` +
      `(${count} record${count === 1 ? '' : 's'}${skipped > 0 ? `, ${skipped} filtered out` : ''})`;
    const heartbeat = (batch[0] as BatchEntry).work.payload.heartbeat;
    const beat = setInterval(() => heartbeat().catch(() => {}), 2000);
    const started = Date.now();
    this.inFlight++;
    const outcome = await this.deps.invoker.invoke(m, buildEvent(m, eventRecords), m.timeoutMs).finally(() => {
      clearInterval(beat);
      this.inFlight--;
      // Partitions kept waiting by the concurrency bound get their turn (whatever this one's outcome).
      this.schedule();
    });
    const took = Date.now() - started;
    const invoked = batch.map(({ work, chunk }) => ({
      key: work.key,
      offsets: chunk.map((r) => r.offset),
      attempts: work.state.attempts,
      bisectUntil: work.state.bisectUntil,
    }));
    const { verdict, partitions } = afterInvocation(outcome, invoked, this.policy);
    batch.forEach(({ work }, i) => {
      const decision = partitions[i] as PartitionDecision;
      if (decision.action === 'retry' || decision.action === 'divert') work.state.recordFailures(decision.failures);
    });
    this.logOutcome(`λ ${this.label} ${where} ->`, `${took} ms`, verdict, batch, partitions);
    batch.forEach((entry, i) => void this.apply(entry, partitions[i] as PartitionDecision));
  }

  /** One line per invocation: INFO when it succeeded, WARN with what failed otherwise. */
  private logOutcome(prefix: string, took: string, verdict: Verdict, batch: BatchEntry[], partitions: PartitionDecision[]): void {
    if (verdict.kind === 'success') {
      this.deps.log.info(`${prefix} ok ${took}`);
    } else if (verdict.kind === 'partial') {
      const failures = batch.flatMap(({ work, chunk }, i) => {
        const decision = partitions[i] as PartitionDecision;
        if (decision.action !== 'retry' && decision.action !== 'divert') return [];
        return [`item failure at offset ${chunk[decision.done]?.offset} of ${work.key} (attempt ${decision.attempt})`];
      });
      this.deps.log.warn(`${prefix} ${failures.join(', ')} ${took}`);
    } else if (partitions[0]?.action === 'bisect') {
      this.deps.log.warn(`${prefix} error ${took}, bisecting to ${partitions[0].sizeLimit}: ${verdict.reason.slice(0, 300)}`);
    } else {
      const attempts = partitions.map((decision) => (decision.action === 'retry' || decision.action === 'divert' ? decision.attempt : 1));
      this.deps.log.warn(`${prefix} error (attempt ${Math.max(...attempts)}) ${took}: ${verdict.reason.slice(0, 300)}`);
    }
  }

  /** Carries out the failure policy's decision for one partition of the batch. */
  private async apply({ work, chunk }: BatchEntry, decision: PartitionDecision): Promise<void> {
    if (decision.action === 'bisect') {
      // Halving does not count as a retry.
      work.state.bisect(decision.sizeLimit, decision.bisectUntil);
      return this.prepare(work);
    }
    if (decision.action === 'commit') {
      work.index += decision.done;
      this.commit(work, (chunk[decision.done - 1] as LambdaKafkaRecord).offset + 1);
      return this.prepare(work);
    }
    if (decision.done > 0) {
      // Up to the failed record: filtered-out records just before it are committed too.
      work.index += decision.done;
      this.commit(work, (chunk[decision.done] as LambdaKafkaRecord).offset);
    }
    if (decision.action === 'retry') return this.retryLater(work, decision.attempt);
    if (!(await this.divert(work, work.index + decision.count, decision.condition, decision.reason))) return this.retryLater(work, decision.attempt);
    work.index += decision.count;
    this.commit(work, (work.records[work.index - 1] as LambdaKafkaRecord).offset + 1);
    return this.prepare(work);
  }

  /** Sends the partition's records from its index up to `to` to the destination; false when that could not be done. */
  private async divert(work: PartitionWork, to: number, condition: FailureCondition, error: string): Promise<boolean> {
    const m = this.mapping;
    const { state, key } = work;
    const slice = work.messages.slice(work.index, to);
    const range = `${key} offsets ${slice[0]?.offset}-${slice[slice.length - 1]?.offset}`;
    const destination = this.policy.destination;
    if (destination.kind === 'not-emulated') {
      this.deps.log.warn(`${this.label} ${range}: ${condition}; the on-failure destination ${destination.target} is not emulated locally, record(s) skipped`);
      return true;
    }
    if (destination.kind === 'none') {
      // Lambda drops records whose retries are exhausted when no destination is configured.
      this.deps.log.warn(`${this.label} ${range}: ${condition}; no on-failure destination, record(s) DISCARDED as Lambda does`);
      return true;
    }
    const { topic, partition } = work.payload.batch;
    const attempts = Math.max(...slice.map((message) => state.attempts.get(Number(message.offset)) ?? 0));
    const info = { condition, error, group: m.groupId, functionName: m.functionName, eventSourceArn: m.eventSourceArn, attempts };
    try {
      const producer = await this.deps.producer();
      await producer.send({
        topic: destination.topic,
        acks: -1,
        messages: slice.map((message: KafkaMessage) => failureMessage(topic, partition, message, info)),
      });
    } catch (sendError) {
      this.deps.log.warn(`${this.label} ${range}: writing to kafka://${destination.topic} failed (${errorMessage(sendError)}); will retry`);
      return false;
    }
    this.deps.log.warn(`${this.label} ${range}: ${slice.length} record(s) sent to kafka://${destination.topic} (${condition}: ${error.slice(0, 200)})`);
    return true;
  }
}
