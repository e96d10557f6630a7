/**
 * Once-per-group processing of each event, in Redis, keyed by event id (`ce_id`, or the fallback
 * id of lib/consumer/record-id.ts when a record has none).
 *
 * Per record there are two keys:
 * - the applied marker `appliedKey(group, eventId)` from lib/stores/once.ts: the same key that
 *   `applyOnce` / `applyAllOnce` write atomically with a store effect, so a handler that uses them
 *   and the runtime agree on "done". Its TTL (21 days) outlives topic retention plus the redrive window.
 *   Its value is the content digest of the record that was applied (written here once the handler
 *   succeeded), or `1` when nothing says which content it was (see `MARKER_WITHOUT_DIGEST`).
 *   A record whose id is applied but whose digest differs is still skipped (the id is the contract),
 *   and the runtime reports it as a colliding marker: logged at WARN and counted.
 * - an in-progress lease `lease:<group>:<eventId>` (`SET NX PX`, value = this invocation's token),
 *   so two invocations never run the same event at the same time; a held lease is a retryable failure.
 *
 * For speed the whole batch is checked and leased up front in a few Lua calls (2,000 events each,
 * sent together, so Redis works on one while the client encodes the next); markers are written in
 * chunks of 500 as records succeed, and every lease this invocation still holds is released before it
 * returns. The scripts receive the two key prefixes and the bare event ids and build the keys
 * themselves: a tenth of the bytes of full key names, and the client builds no key strings. (Like
 * any script touching thousands of keys at once, they need a non-cluster Redis, as before.)
 * A crash between a handler's success and its marker means the event runs again on redelivery
 * (at least once): effects that must happen exactly once go through `applyOnce` / `applyAllOnce`,
 * which are atomic with their marker. Dead-lettered records get no marker, so a redriven copy
 * (same event id) is processed.
 *
 * Markers of the pre-issue-15 fallback form (`<topic>-<partition>-<offset>`, value `1`): a record
 * without `ce_id` applied by the old code, whose offset was not committed yet when the new code
 * was deployed (a partition reported failed after a batch handler had applied later records, an
 * invocation that timed out after writing its markers), is redelivered under its new id and would
 * be applied twice. So for such a record the claim also looks at the marker under its old id, and
 * honours it only if it was written after the record existed: written at (Redis clock) `now -
 * (TTL - remaining TTL)` at or after the record's Kafka timestamp, less {@link LEGACY_MARKER_CLOCK_SKEW_MS}
 * for clocks that disagree. A marker of an earlier incarnation of the topic (the data loss of
 * issue 15) was written before the new record was produced, and is ignored. The check costs one
 * multi-key EXISTS per chunk (plus a PTTL per record only while old markers exist) and matters
 * only until the old markers expire (21 days after the deploy); then it can be removed with
 * `legacyFallbackEventId`.
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
 * const session = await IdempotencySession.start(CONSUMER_GROUP.inventory, decodedRecords, 60_000);
 * const state = await session.claim(eventId);  // 'applied' | 'acquired' | 'held'
 * session.appliedDigest(eventId);               // when 'applied': the content it was applied with, if known
 * session.completed(eventId, record.contentDigest); // after the handler succeeded
 * await session.finish();                       // flush markers, release leases
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { errorMessage } from '../errors';
import { log } from '../log';
import { APPLIED_MARKER_TTL_SECONDS, appliedKey, MARKER_WITHOUT_DIGEST } from '../stores/once';
import { keyPrefix, redis } from '../stores/redis';

export type ClaimState = 'applied' | 'acquired' | 'held';

/**
 * How much earlier than the record's timestamp an old-form marker may seem to have been written and
 * still count as this record's (producer, broker and Redis clocks differ). Larger keeps more
 * in-flight redeliveries from running twice during the migration; smaller lets fewer records of
 * a topic re-created within that time after an old marker be skipped.
 */
const LEGACY_MARKER_CLOCK_SKEW_MS = 2000;

/** What a claim needs of a record (a DecodedRecord is one). */
export interface ClaimRequest {
  eventId: string;
  /** The pre-issue-15 fallback id when `eventId` is a fallback id (no `ce_id`), else undefined. */
  legacyEventId: string | undefined;
  /** The record's Kafka timestamp, epoch ms. */
  timestamp: number;
}

/** Key of the in-progress lease of `eventId` in `group`. */
export function leaseKey(group: string, eventId: string): string {
  return `${keyPrefix()}lease:${group}:${eventId}`;
}

// ARGV: applied-key prefix, lease-key prefix, token, lease TTL ms, marker TTL ms, clock skew ms, the
// event ids as a JSON array, and for each event with an old-form id its index (1-based), old id and
// timestamp ms as one flat JSON array. Ids travel as JSON (decoded by Redis' C cjson) rather than as
// thousands of arguments: the client encodes one string instead of one bulk string per id.
// Returns, as JSON, per id: the applied marker's value (a string) when applied, 0 lease acquired (or
// already ours), 2 held by someone else. One native multi-key EXISTS first, for the markers and for
// the old-form markers: in the usual batch no event is applied yet and no old-form marker is left,
// and per-key reads are skipped. An old-form marker counts only if written (now - age) at or after
// the record's timestamp less the skew; TIME is read once, and only when one is found.
const CLAIM = `
local ap, lp, token, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local markerTtl, skew = tonumber(ARGV[5]), tonumber(ARGV[6])
local ids, flat = cjson.decode(ARGV[7]), cjson.decode(ARGV[8])
local n = #ids
local applied = {}
for i = 1, n do applied[i] = ap .. ids[i] end
local legacy, old = {}, {}
for j = 1, #flat, 3 do
  legacy[flat[j]] = j
  old[#old + 1] = ap .. flat[j + 1]
end
local any = redis.call('EXISTS', unpack(applied)) > 0
local anyOld = #old > 0 and redis.call('EXISTS', unpack(old)) > 0
local now
local out = {}
for i = 1, n do
  local marker = any and redis.call('GET', applied[i])
  local j = legacy[i]
  if not marker and j and anyOld then
    local oldKey = ap .. flat[j + 1]
    local remaining = redis.call('PTTL', oldKey)
    if remaining > 0 then
      if not now then
        local t = redis.call('TIME')
        now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      end
      if now - (markerTtl - remaining) >= tonumber(flat[j + 2]) - skew then marker = redis.call('GET', oldKey) end
    end
  end
  local lease = lp .. ids[i]
  if marker then out[i] = marker
  elseif redis.call('SET', lease, token, 'NX', 'PX', ttl) then out[i] = 0
  elseif redis.call('GET', lease) == token then out[i] = 0
  else out[i] = 2 end
end
return cjson.encode(out)
`;

// ARGV: applied-key prefix, lease-key prefix, marker TTL s, then event ids and content digests
// alternating, as one JSON array. Marks applied (the marker keeps the digest), then drops the leases
// in one native DEL: each was taken by this invocation for its whole remaining time, so it is still
// ours (and once the marker exists a lease guards nothing: claims see "applied" first).
const COMPLETE = `
local ap, lp, ttl = ARGV[1], ARGV[2], ARGV[3]
local pairs = cjson.decode(ARGV[4])
local leases = {}
for i = 1, #pairs, 2 do
  redis.call('SET', ap .. pairs[i], pairs[i + 1], 'EX', ttl)
  leases[#leases + 1] = lp .. pairs[i]
end
redis.call('DEL', unpack(leases))
return #leases
`;

// ARGV: lease-key prefix, token, event ids as a JSON array. Releases the leases this invocation holds.
const RELEASE = `
local lp, token = ARGV[1], ARGV[2]
local n = 0
for _, id in ipairs(cjson.decode(ARGV[3])) do
  local key = lp .. id
  if redis.call('GET', key) == token then n = n + redis.call('DEL', key) end
end
return n
`;

/** CLAIM's answer per event id. */
const ClaimReply = z.array(z.union([z.string(), z.number()]));

/** Events per script call (well under Lua's 8,000-value `unpack` limit). */
const CHUNK = 2000;

/**
 * Markers per COMPLETE call. Small, so Redis writes them while the batch still runs and little is
 * left to wait for at the end: 500 instead of 2,000 took a 10,000-record batch from ~178 to ~156 ms
 * (interleaved runs, issue 14); 250 gained nothing more.
 */
const MARKER_CHUNK = 500;

/** What this invocation knows of one event. */
interface Slot {
  /** From the bulk claim or a later one; undefined when unknown (the bulk claim failed). */
  state: ClaimState | undefined;
  /** A record of this event is running now. */
  running: boolean;
  /** Applied by this invocation (marker buffered or written). */
  done: boolean;
  /** This invocation holds the lease. */
  leased: boolean;
  /** Content digest the applied marker holds (read by a claim, or written by this invocation), when known. */
  digest?: string;
  /** The old-form id and the record's timestamp, for a record without `ce_id`. */
  legacy?: { id: string; since: number };
}

/** One invocation's view of idempotency: claims, buffered markers, leases to release. */
export class IdempotencySession {
  readonly token = randomUUID();
  private readonly slots = new Map<string, Slot>();
  /** Pending markers: event id, content digest, event id, ... */
  private buffer: string[] = [];
  private readonly flushes: Promise<void>[] = [];

  /** `appliedKey(group, '')` and `leaseKey(group, '')`, which the scripts prepend to each id. */
  private readonly appliedBase: string;
  private readonly leaseBase: string;

  private constructor(
    readonly group: string,
    private readonly leaseMs: number,
  ) {
    this.appliedBase = appliedKey(group, '');
    this.leaseBase = leaseKey(group, '');
  }

  /**
   * Checks and leases `eventIds` in bulk. If Redis fails here the session still starts, with no
   * state known: each record then claims on its own (and fails retryably while Redis is down).
   */
  static async start(group: string, records: Iterable<ClaimRequest>, leaseMs: number): Promise<IdempotencySession> {
    const session = new IdempotencySession(group, Math.max(1000, Math.ceil(leaseMs)));
    for (const record of records) {
      if (session.slots.has(record.eventId)) continue;
      const slot: Slot = { state: undefined, running: false, done: false, leased: false };
      if (record.legacyEventId !== undefined) slot.legacy = { id: record.legacyEventId, since: record.timestamp };
      session.slots.set(record.eventId, slot);
    }
    await session.claimUnknown();
    return session;
  }

  /** Whether the last bulk claim failed (Redis unreachable): some records' state is unknown. */
  degraded = false;

  /** Claims, in bulk, every record whose state is not known yet; sets {@link degraded} on failure. */
  async claimUnknown(): Promise<void> {
    const unknown: string[] = [];
    for (const [id, slot] of this.slots) if (slot.state === undefined) unknown.push(id);
    try {
      const chunks: Promise<void>[] = [];
      for (let i = 0; i < unknown.length; i += CHUNK) chunks.push(this.claimAll(unknown.slice(i, i + CHUNK)));
      await Promise.all(chunks);
      this.degraded = false;
    } catch (error) {
      for (const slot of this.slots.values()) if (slot.state !== 'acquired') slot.state = undefined;
      this.degraded = true;
      log.warn('idempotency pre-check failed; records will claim one by one', { group: this.group, error: errorMessage(error) });
    }
  }

  private slot(eventId: string): Slot {
    let slot = this.slots.get(eventId);
    if (slot === undefined) {
      slot = { state: undefined, running: false, done: false, leased: false };
      this.slots.set(eventId, slot);
    }
    return slot;
  }

  private async claimAll(eventIds: string[]): Promise<void> {
    const legacy: (string | number)[] = [];
    for (let i = 0; i < eventIds.length; i++) {
      const old = this.slots.get(eventIds[i] as string)?.legacy;
      if (old) legacy.push(i + 1, old.id, old.since);
    }
    const reply = (await redis().eval(
      CLAIM,
      0,
      this.appliedBase,
      this.leaseBase,
      this.token,
      this.leaseMs,
      APPLIED_MARKER_TTL_SECONDS * 1000,
      LEGACY_MARKER_CLOCK_SKEW_MS,
      JSON.stringify(eventIds),
      JSON.stringify(legacy),
    )) as string;
    const result = ClaimReply.parse(JSON.parse(reply));
    for (let i = 0; i < eventIds.length; i++) {
      const slot = this.slot(eventIds[i] as string);
      const answer = result[i] ?? 2;
      if (typeof answer === 'string') {
        slot.state = 'applied';
        slot.digest = answer === MARKER_WITHOUT_DIGEST ? undefined : answer;
      } else {
        slot.state = answer === 0 ? 'acquired' : 'held';
        if (answer === 0) slot.leased = true;
      }
    }
  }

  /**
   * The content digest of what was applied under `eventId` (read by the claim that found it applied,
   * or applied by this invocation); undefined when unknown (marker `1`) or not applied.
   */
  appliedDigest(eventId: string): string | undefined {
    return this.slots.get(eventId)?.digest;
  }

  /** {@link claim} without a round trip, when the answer is known (the usual case after the bulk claim). */
  claimed(eventId: string): ClaimState | undefined {
    const slot = this.slots.get(eventId);
    if (slot === undefined) return undefined;
    if (slot.done) return 'applied';
    if (slot.running) return 'held';
    if (slot.state === 'acquired') slot.running = true;
    return slot.state === 'acquired' || slot.state === 'applied' ? slot.state : undefined;
  }

  /**
   * Where `eventId` stands now: already applied (skip it), acquired by this invocation (run it), or
   * held (by another invocation, or by another record of this batch that is running: retry later).
   * Throws when Redis cannot be reached (a retryable failure).
   */
  async claim(eventId: string): Promise<ClaimState> {
    const known = this.claimed(eventId);
    if (known !== undefined) return known;
    const slot = this.slot(eventId);
    if (slot.running) return 'held';
    await this.claimAll([eventId]);
    const state = slot.state ?? 'held';
    if (state === 'acquired') slot.running = true;
    return state;
  }

  /** The handler gave up on `eventId` for now (failure or dead letter): its lease is released at finish. */
  abandoned(eventId: string): void {
    const slot = this.slots.get(eventId);
    if (slot) slot.running = false;
  }

  /** The handler succeeded on content `digest`: marks `eventId` applied (buffered) and releases its lease. */
  completed(eventId: string, digest: string): void {
    const slot = this.slot(eventId);
    slot.running = false;
    slot.done = true;
    slot.leased = false;
    slot.digest = digest;
    this.buffer.push(eventId, digest);
    if (this.buffer.length >= 2 * MARKER_CHUNK) this.flush();
  }

  private flush(): void {
    const pairs = this.buffer;
    this.buffer = [];
    if (pairs.length === 0) return;
    this.flushes.push(
      redis()
        .eval(COMPLETE, 0, this.appliedBase, this.leaseBase, APPLIED_MARKER_TTL_SECONDS, JSON.stringify(pairs))
        .then(
          () => undefined,
          (error: Error) => {
            // The effects are done; without markers a redelivery runs them again (applyOnce still holds).
            log.error('could not write applied markers', { group: this.group, events: pairs.length / 2, error: error.message });
          },
        ),
    );
  }

  /** Writes pending markers and releases every lease this invocation still holds. Never throws. */
  async finish(): Promise<void> {
    this.flush();
    const leftover: string[] = [];
    for (const [id, slot] of this.slots) {
      if (!slot.leased) continue;
      slot.leased = false;
      leftover.push(id);
    }
    for (let i = 0; i < leftover.length; i += CHUNK) {
      this.flushes.push(
        redis()
          .eval(RELEASE, 0, this.leaseBase, this.token, JSON.stringify(leftover.slice(i, i + CHUNK)))
          .then(
            () => undefined,
            (error: Error) => log.warn('could not release leases; they expire on their own', { group: this.group, error: error.message }),
          ),
      );
    }
    await Promise.all(this.flushes);
  }
}
