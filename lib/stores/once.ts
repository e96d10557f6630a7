/**
 * Exactly-once effects in Redis: the effect and the "this event was applied" marker
 * (`applied:<group>:<event id>`, kept 21 days) are written by one Lua script, atomically, so a
 * redelivered event (Kafka and Lambda deliver at least once) or a crash between effect and marker
 * can never apply an effect twice or lose half of it.
 *
 * @example
 * await applyOnce(CONSUMER_GROUP.analytics, eventId, [['HINCRBY', key, 'orders', '1']]);
 */
import { keyPrefix, redis } from './redis';

/** Markers outlive the longest redelivery: topic retention (7 days) plus the dead-letter redrive window. */
export const APPLIED_MARKER_TTL_SECONDS = 21 * 24 * 60 * 60;

/**
 * The value of a marker that does not say which content was applied: written here (the store
 * knows event ids, not records) and by versions before markers kept digests. The consumer runtime
 * overwrites it with the record's content digest as soon as the handler returns
 * (lib/consumer/idempotency.ts), so it stays only if the process died in between; such a marker
 * still deduplicates, it just cannot tell a colliding record from a redelivery.
 */
export const MARKER_WITHOUT_DIGEST = '1';

/** One Redis command: name then arguments, e.g. `['HSET', key, 'status', 'reserved']`. */
export type RedisCommand = [string, ...(string | number)[]];

/** Key of the marker saying `group` applied event `eventId`. */
export function appliedKey(group: string, eventId: string): string {
  return `${keyPrefix()}applied:${group}:${eventId}`;
}

/** Whether `group` already applied event `eventId`. */
export async function wasApplied(group: string, eventId: string): Promise<boolean> {
  return (await redis().exists(appliedKey(group, eventId))) === 1;
}

// ARGV[1]: marker TTL, ARGV[2]: JSON list of commands, ARGV[3]: marker value, ARGV[4]: the markers'
// key prefix (`appliedKey(group, '')`), ARGV[5]: JSON list of event ids. Ids travel as JSON, not as
// thousands of KEYS: one string for the client to encode (so, like every script touching thousands
// of keys, this needs a non-cluster Redis). Markers are counted by native multi-key EXISTS, 4,000
// keys a call (Lua's unpack stops near 8,000).
// Returns 1 when applied now, 0 when every marker existed, -1 when only some did.
const APPLY_ONCE = `
local ids = cjson.decode(ARGV[5])
local keys = {}
for i, id in ipairs(ids) do keys[i] = ARGV[4] .. id end
local present = 0
for i = 1, #keys, 4000 do present = present + redis.call('EXISTS', unpack(keys, i, math.min(i + 3999, #keys))) end
if present == #keys then return 0 end
if present > 0 then return -1 end
for _, command in ipairs(cjson.decode(ARGV[2])) do redis.call(unpack(command)) end
for _, key in ipairs(keys) do redis.call('SET', key, ARGV[3], 'EX', ARGV[1]) end
return 1
`;

/** Applies `commands` unless `group` applied `eventId` before. Resolves true when applied by this call. */
export async function applyOnce(group: string, eventId: string, commands: RedisCommand[]): Promise<boolean> {
  return applyAllOnce(group, [eventId], commands);
}

/**
 * Like {@link applyOnce} for a set of events whose effect is written together (a batch aggregate):
 * applied only if none of them was. A partly applied set is an error, because its aggregate can
 * no longer be split: callers aggregate only events not yet applied (see {@link unapplied}).
 */
export async function applyAllOnce(group: string, eventIds: string[], commands: RedisCommand[]): Promise<boolean> {
  if (eventIds.length === 0) return false;
  const result = await redis().eval(
    APPLY_ONCE,
    0,
    APPLIED_MARKER_TTL_SECONDS,
    JSON.stringify(commands),
    MARKER_WITHOUT_DIGEST,
    appliedKey(group, ''),
    JSON.stringify(eventIds),
  );
  if (result === -1) throw new Error(`Some of ${eventIds.length} events were applied by ${group} and some not: aggregate only unapplied events`);
  return result === 1;
}

/** The ids among `eventIds` that `group` has not applied yet. */
export async function unapplied(group: string, eventIds: string[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const flags = await redis()
    .pipeline(eventIds.map((id) => ['exists', appliedKey(group, id)]))
    .exec();
  return eventIds.filter((_, i) => flags?.[i]?.[1] === 0);
}
