/**
 * Real-time analytics counters in Redis: page views per path and searches per term, written as
 * one aggregate per batch and exactly once per event.
 *
 * A batch of N events becomes one `ZINCRBY` per distinct path (or term), written by one Lua script
 * together with the N "applied" markers (lib/stores/once.ts). Events already applied (a redelivered
 * batch, or a batch overlapping an earlier one) are left out of the aggregate before it is built,
 * so redelivery never counts an event twice and a partly applied batch never blocks: the consumer
 * runtime's batch entry point hands {@link aggregateOnce} only events not applied yet, and
 * {@link applyAggregateOnce} looks them up itself.
 *
 * @example
 * export const handler = kafkaBatchConsumer({ group: CONSUMER_GROUP.pageViews, topic: userEvents }, aggregateOnce(pageViewCommands));
 * const { applied } = await applyAggregateOnce(CONSUMER_GROUP.pageViews, items, pageViewCommands);
 * const pages = await analyticsStore.topPages(10);   // [{ path: '/home', views: 42 }, ...]
 */
import type { UserEvent } from '../../events/catalog';
import { applyAllOnce, type RedisCommand, unapplied } from './once';
import { keyPrefix, redis } from './redis';

export const pageViewsKey = () => `${keyPrefix()}analytics:page-views`;
export const searchTermsKey = () => `${keyPrefix()}analytics:search-terms`;
const analyticsTotalsKey = () => `${keyPrefix()}analytics:totals`;

/** Longest path or term kept; longer ones are cut (a counter key must stay small). */
const MAX_MEMBER_LENGTH = 200;

/**
 * Members each counter keeps: after every batch the lowest-ranked beyond this many are dropped
 * (top-N pruning), so 100,000 one-off paths cannot grow Redis. A path's count stays exact as long
 * as it ranks among the top N at each batch — any page that matters; a dropped path starts again
 * from its next views.
 */
export const MAX_RANKED_MEMBERS = 1000;

/** `/a/b?x=1#top` and `https://host/a/b/` both count as `/a/b`. */
function normalizePath(raw: string): string | undefined {
  let path = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return undefined;
    }
  }
  path = path.split(/[?#]/, 1)[0] ?? '';
  if (!path.startsWith('/')) path = `/${path}`;
  if (path.length > 1) path = path.replace(/\/+$/, '') || '/';
  return path.slice(0, MAX_MEMBER_LENGTH);
}

/** Search terms are counted case- and spacing-insensitively: ` Kafka  Lambda` is `kafka lambda`. */
function normalizeTerm(raw: string): string | undefined {
  const term = raw.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, MAX_MEMBER_LENGTH);
  return term === '' ? undefined : term;
}

/** The path a page view is of: `payload.path`, else the path of `payload.url`. */
function pathOf(event: UserEvent): string | undefined {
  const raw = event.payload.path ?? event.payload.url;
  return raw === undefined ? undefined : normalizePath(raw);
}

/** The term a search is for: `payload.query`, else `payload.term`. */
function termOf(event: UserEvent): string | undefined {
  const raw = event.payload.query ?? event.payload.term;
  return raw === undefined ? undefined : normalizeTerm(raw);
}

/**
 * One ZINCRBY per distinct member on `key`, then the pruning to {@link MAX_RANKED_MEMBERS}, plus
 * the running total under `totalField`: a batch's aggregate, written as one increment per member
 * however many events name it.
 */
function counterCommands(key: string, totalField: string, members: (string | undefined)[]): RedisCommand[] {
  const counts = new Map<string, number>();
  for (const member of members) if (member !== undefined) counts.set(member, (counts.get(member) ?? 0) + 1);
  const commands: RedisCommand[] = [...counts].map(([member, n]) => ['ZINCRBY', key, n, member]);
  // Ranks 0.. are the lowest counts: keep the top MAX_RANKED_MEMBERS (a no-op while below).
  if (commands.length > 0) commands.push(['ZREMRANGEBYRANK', key, 0, -(MAX_RANKED_MEMBERS + 1)]);
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  if (total > 0) commands.push(['HINCRBY', analyticsTotalsKey(), totalField, total]);
  return commands;
}

/** One ZINCRBY per distinct path among the page views of `events`, plus the running total. */
export function pageViewCommands(events: readonly UserEvent[]): RedisCommand[] {
  return counterCommands(pageViewsKey(), 'page_views', events.filter((e) => e.type === 'page_view').map(pathOf));
}

/** One ZINCRBY per distinct term among the searches of `events`, plus the running total. */
export function searchTermCommands(events: readonly UserEvent[]): RedisCommand[] {
  return counterCommands(searchTermsKey(), 'searches', events.filter((e) => e.type === 'search').map(termOf));
}

export interface AggregateItem<V> {
  eventId: string;
  value: V;
}

export interface AggregateResult {
  /** Events whose effect this call wrote. */
  applied: number;
  /** Events left out: applied before (redelivery) or repeated within the batch. */
  skipped: number;
  /** Commands written (one per distinct path or term, plus totals). */
  commands: number;
}

/**
 * Applies the aggregate of `items` for `group` exactly once per event: events already applied are
 * left out, the rest are aggregated by `commandsFor` and written with their markers atomically.
 * Items with the same event id count once. Throws when another writer applied some of the same
 * events in between (rare; the caller retries or falls back to applying one event at a time).
 */
export async function applyAggregateOnce<V>(
  group: string,
  items: readonly AggregateItem<V>[],
  commandsFor: (values: V[]) => RedisCommand[],
): Promise<AggregateResult> {
  const unique = new Map<string, V>();
  for (const item of items) if (!unique.has(item.eventId)) unique.set(item.eventId, item.value);
  const fresh = await unapplied(group, [...unique.keys()]);
  if (fresh.length === 0) return { applied: 0, skipped: items.length, commands: 0 };
  const commands = commandsFor(fresh.map((id) => unique.get(id) as V));
  // Markers are written even when the events carry nothing to count (a page view without a path).
  await applyAllOnce(group, fresh, commands);
  return { applied: fresh.length, skipped: items.length - fresh.length, commands: commands.length };
}

/** What {@link aggregateOnce} reads of a batch item (lib/consumer `BatchItem`). */
export interface AppliedItem<V> {
  value: V;
  record: { group: string; eventId: string };
}

/**
 * A batch handler for lib/consumer's `kafkaBatchConsumer`: writes the aggregate of the batch's
 * events (`commandsFor`) and their applied markers in one atomic script. The runtime passes events
 * not applied yet, unique, leased to this invocation; should some have been applied meanwhile the
 * script writes nothing and throws, and the runtime applies the events one by one (each a batch of
 * one, which skips the applied ones): never counted twice.
 */
export function aggregateOnce<V>(commandsFor: (values: V[]) => RedisCommand[]): (items: readonly AppliedItem<V>[]) => Promise<void> {
  return async (items) => {
    const first = items[0];
    if (first === undefined) return;
    await applyAllOnce(
      first.record.group,
      items.map((item) => item.record.eventId),
      commandsFor(items.map((item) => item.value)),
    );
  };
}

interface Ranked {
  name: string;
  count: number;
}

async function top(key: string, limit: number): Promise<Ranked[]> {
  const flat = await redis().zrange(key, 0, limit - 1, 'REV', 'WITHSCORES');
  const ranked: Ranked[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) ranked.push({ name: flat[i] as string, count: Number(flat[i + 1]) });
  return ranked;
}

export const analyticsStore = {
  /** Most viewed paths, most first. */
  async topPages(limit = 10): Promise<{ path: string; views: number }[]> {
    return (await top(pageViewsKey(), limit)).map(({ name, count }) => ({ path: name, views: count }));
  },

  /** Most searched terms, most first. */
  async topSearchTerms(limit = 10): Promise<{ term: string; searches: number }[]> {
    return (await top(searchTermsKey(), limit)).map(({ name, count }) => ({ term: name, searches: count }));
  },

  /** Views of one path (0 when never seen). */
  async pageViews(path: string): Promise<number> {
    return Number((await redis().zscore(pageViewsKey(), path)) ?? 0);
  },

  /** Searches of one term (0 when never seen). */
  async searches(term: string): Promise<number> {
    return Number((await redis().zscore(searchTermsKey(), term)) ?? 0);
  },

  async totals(): Promise<{ page_views: number; searches: number }> {
    const fields = await redis().hgetall(analyticsTotalsKey());
    return { page_views: Number(fields.page_views ?? 0), searches: Number(fields.searches ?? 0) };
  },
};
