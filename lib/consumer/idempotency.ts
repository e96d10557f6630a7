/**
 * Once-per-group processing of each event, in Redis, keyed by event id (`ce_id`, or
 * `<topic>-<partition>-<offset>` when a record has none).
 *
 * Per record there are two keys:
 * - the applied marker `appliedKey(group, eventId)` from lib/stores/once.ts: the same key that
 *   `applyOnce` / `applyAllOnce` write atomically with a store effect, so a handler that uses them
 *   and the runtime agree on "done". Its TTL (21 days) outlives topic retention plus the redrive window.
 * - an in-progress lease `lease:<group>:<eventId>` (`SET NX PX`, value = this invocation's token),
 *   so two invocations never run the same event at the same time; a held lease is a retryable failure.
 *
 * For speed the whole batch is checked and leased in a few Lua calls up front (one round trip per
 * 1,000 records); markers are written in chunks as records succeed, and every lease this invocation
 * still holds is released before it returns. A crash between a handler's success and its marker
 * means the event runs again on redelivery (at least once): effects that must happen exactly once
 * go through `applyOnce`, which is atomic with its marker. Dead-lettered records get no marker, so
 * a redriven copy (same event id) is processed.
 *
 * Why not @aws-lambda-powertools/idempotency (evaluated, v2.35.0; it has a Redis persistence layer):
 * - its Redis layer needs `@redis/client` or valkey-glide, a second client next to our ioredis, and
 *   its records (hashed JMESPath key, INPROGRESS/COMPLETED JSON with the stored return value) are not
 *   our `appliedKey` markers, so `applyOnce`/`applyAllOnce` (effect + marker in one Lua script, also
 *   for batch aggregates) could not share them: a crash between effect and its record would re-apply;
 * - it costs 2-3 round trips per record (get, put-in-progress, put-completed); a 10,000-record batch
 *   would spend seconds in Redis, against the runtime's target of 100,000 records/s;
 * - its in-progress expiry, status and payload-hash checks are what this module does in ~100 lines.
 * So we keep ours.
 *
 * @example
 * const session = await IdempotencySession.start('inventory-service', eventIds, 60_000);
 * const state = await session.claim(eventId);  // 'applied' | 'acquired' | 'held'
 * session.completed(eventId);                   // after the handler succeeded
 * await session.finish();                       // flush markers, release leases
 */
import { randomUUID } from 'node:crypto';
import { log } from '../log';
import { APPLIED_MARKER_TTL_SECONDS, appliedKey } from '../stores/once';
import { keyPrefix, redis } from '../stores/redis';

export type ClaimState = 'applied' | 'acquired' | 'held';

/** Key of the in-progress lease of `eventId` in `group`. */
export function leaseKey(group: string, eventId: string): string {
  return `${keyPrefix()}lease:${group}:${eventId}`;
}

// KEYS: (applied marker, lease) pairs. ARGV[1]: token, ARGV[2]: lease TTL ms.
// Per pair: 1 applied, 0 lease acquired (or already ours), 2 held by someone else.
// One native multi-key EXISTS first: in the usual batch no event is applied yet, and per-key checks are skipped.
const CLAIM = `
local applied = {}
for i = 1, #KEYS, 2 do applied[#applied + 1] = KEYS[i] end
local any = redis.call('EXISTS', unpack(applied)) > 0
local out = {}
for i = 1, #KEYS, 2 do
  if any and redis.call('EXISTS', KEYS[i]) == 1 then out[#out + 1] = 1
  elseif redis.call('SET', KEYS[i + 1], ARGV[1], 'NX', 'PX', ARGV[2]) then out[#out + 1] = 0
  elseif redis.call('GET', KEYS[i + 1]) == ARGV[1] then out[#out + 1] = 0
  else out[#out + 1] = 2 end
end
return out
`;

// KEYS: (applied marker, lease) pairs. ARGV[1]: marker TTL s. Marks applied, then drops the leases in one
// native DEL: each was taken by this invocation for its whole remaining time, so it is still ours
// (and once the marker exists a lease guards nothing: claims see "applied" first).
const COMPLETE = `
local leases = {}
for i = 1, #KEYS, 2 do
  redis.call('SET', KEYS[i], '1', 'EX', ARGV[1])
  leases[#leases + 1] = KEYS[i + 1]
end
redis.call('DEL', unpack(leases))
return #leases
`;

// KEYS: leases. ARGV[1]: token. Releases the ones this invocation holds.
const RELEASE = `
local n = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then n = n + redis.call('DEL', key) end
end
return n
`;

const CHUNK = 1000;
const STATES: ClaimState[] = ['acquired', 'applied', 'held'];

/** One invocation's view of idempotency: claims, buffered markers, leases to release. */
export class IdempotencySession {
  readonly token = randomUUID();
  private readonly states = new Map<string, ClaimState>();
  private readonly done = new Set<string>();
  private readonly running = new Set<string>();
  private readonly leased = new Set<string>();
  private buffer: string[] = [];
  private readonly flushes: Promise<void>[] = [];

  /** `appliedKey(group, '')` and `leaseKey(group, '')`: computed once, as building them per key re-reads the config. */
  private readonly appliedBase: string;
  private readonly leaseBase: string;

  private constructor(
    readonly group: string,
    private readonly leaseMs: number,
  ) {
    this.appliedBase = appliedKey(group, '');
    this.leaseBase = leaseKey(group, '');
  }

  private keysOf(eventIds: string[]): string[] {
    const keys = new Array<string>(eventIds.length * 2);
    eventIds.forEach((id, i) => {
      keys[2 * i] = this.appliedBase + id;
      keys[2 * i + 1] = this.leaseBase + id;
    });
    return keys;
  }

  /**
   * Checks and leases `eventIds` in bulk. If Redis fails here the session still starts, with no
   * state known: each record then claims on its own (and fails retryably while Redis is down).
   */
  static async start(group: string, eventIds: Iterable<string>, leaseMs: number): Promise<IdempotencySession> {
    const session = new IdempotencySession(group, Math.max(1000, Math.ceil(leaseMs)));
    const unique = [...new Set(eventIds)];
    try {
      const chunks: Promise<void>[] = [];
      for (let i = 0; i < unique.length; i += CHUNK) chunks.push(session.claimAll(unique.slice(i, i + CHUNK)));
      await Promise.all(chunks);
    } catch (error) {
      session.states.clear();
      log.warn('idempotency pre-check failed; records will claim one by one', { group, error: (error as Error).message });
    }
    return session;
  }

  private async claimAll(eventIds: string[]): Promise<void> {
    const keys = this.keysOf(eventIds);
    const result = (await redis().eval(CLAIM, keys.length, ...keys, this.token, this.leaseMs)) as number[];
    eventIds.forEach((id, i) => {
      const state = STATES[result[i] ?? 2] ?? 'held';
      this.states.set(id, state);
      if (state === 'acquired') this.leased.add(id);
    });
  }

  /** {@link claim} without a round trip, when the answer is known (the usual case after the bulk claim). */
  claimed(eventId: string): ClaimState | undefined {
    if (this.done.has(eventId)) return 'applied';
    if (this.running.has(eventId)) return 'held';
    const state = this.states.get(eventId);
    if (state === 'acquired') this.running.add(eventId);
    return state === 'acquired' || state === 'applied' ? state : undefined;
  }

  /**
   * Where `eventId` stands now: already applied (skip it), acquired by this invocation (run it), or
   * held (by another invocation, or by another record of this batch that is running: retry later).
   * Throws when Redis cannot be reached (a retryable failure).
   */
  async claim(eventId: string): Promise<ClaimState> {
    if (this.done.has(eventId)) return 'applied';
    if (this.running.has(eventId)) return 'held';
    let state = this.states.get(eventId);
    if (state !== 'acquired' && state !== 'applied') {
      await this.claimAll([eventId]);
      state = this.states.get(eventId) ?? 'held';
    }
    if (state === 'acquired') this.running.add(eventId);
    return state;
  }

  /** The handler gave up on `eventId` for now (failure or dead letter): its lease is released at finish. */
  abandoned(eventId: string): void {
    this.running.delete(eventId);
  }

  /** The handler succeeded: marks `eventId` applied (buffered) and releases its lease. */
  completed(eventId: string): void {
    this.running.delete(eventId);
    this.done.add(eventId);
    this.leased.delete(eventId);
    this.buffer.push(eventId);
    if (this.buffer.length >= CHUNK) this.flush();
  }

  private flush(): void {
    const ids = this.buffer;
    this.buffer = [];
    if (ids.length === 0) return;
    const keys = this.keysOf(ids);
    this.flushes.push(
      redis()
        .eval(COMPLETE, keys.length, ...keys, APPLIED_MARKER_TTL_SECONDS)
        .then(
          () => undefined,
          (error: Error) => {
            // The effects are done; without markers a redelivery runs them again (applyOnce still holds).
            log.error('could not write applied markers', { group: this.group, events: ids.length, error: error.message });
          },
        ),
    );
  }

  /** Writes pending markers and releases every lease this invocation still holds. Never throws. */
  async finish(): Promise<void> {
    this.flush();
    const leftover = [...this.leased];
    this.leased.clear();
    for (let i = 0; i < leftover.length; i += CHUNK) {
      const keys = leftover.slice(i, i + CHUNK).map((id) => this.leaseBase + id);
      this.flushes.push(
        redis()
          .eval(RELEASE, keys.length, ...keys, this.token)
          .then(
            () => undefined,
            (error: Error) => log.warn('could not release leases; they expire on their own', { group: this.group, error: error.message }),
          ),
      );
    }
    await Promise.all(this.flushes);
  }
}
