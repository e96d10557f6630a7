/**
 * Which dead letters of a group were redriven one by one, above the committed prefix of its
 * redrive group (lib/operations/dead-letters.ts): kept until that prefix catches up with them.
 *
 * @example
 * await redriveStore.remember(CONSUMER_GROUP.payment, ['0:4', '0:7']);
 * const ids = await redriveStore.redriven(CONSUMER_GROUP.payment);   // Set { '0:4', '0:7' }
 */
import { DEAD_LETTER_RETENTION_MS } from '../../events/catalog';
import { keyPrefix, redis } from './redis';

function redrivenKey(group: string): string {
  return `${keyPrefix()}dlq-redriven:${group}`;
}

export const redriveStore = {
  /** `partition:offset` of every dead letter of `group` remembered as redriven. */
  async redriven(group: string): Promise<Set<string>> {
    return new Set(Object.keys(await redis().hgetall(redrivenKey(group))));
  },

  /** Remembers dead letters (`partition:offset`) as redriven now; kept as long as dead letters are. */
  async remember(group: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const at = new Date().toISOString();
    await redis()
      .multi()
      .hset(redrivenKey(group), Object.fromEntries(ids.map((id) => [id, at])))
      .pexpire(redrivenKey(group), DEAD_LETTER_RETENTION_MS)
      .exec();
  },

  /** Forgets dead letters the redrive group's committed offset now covers. */
  async forget(group: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await redis().hdel(redrivenKey(group), ...ids);
  },
};
