/**
 * Dead letters of a consumer group, from the command line.
 *
 *   npm run dlq -- list <group> [--limit N]
 *   npm run dlq -- redrive <group> (--offsets 1,2 | --all)
 *
 * `list` prints each dead letter's offset, event id, whether it was redriven, and why it failed.
 * `redrive` republishes the chosen dead letters to their source topic for <group> only (see
 * lib/operations/dead-letters.ts), each at most once.
 */
import { consumerGroups } from '../events/catalog';
import { disconnectProducer } from '../lib/kafka/publisher';
import { listDeadLetters, redriveDeadLetters } from '../lib/operations/dead-letters';
import { closeRedis } from '../lib/stores/redis';

const USAGE = 'usage: npm run dlq -- list <group> [--limit N]\n       npm run dlq -- redrive <group> (--offsets 1,2 | --all)';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<number> {
  const [command, group] = args;
  if (!command || !group || !['list', 'redrive'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  if (!consumerGroups.includes(group) && !args.includes('--any-group')) {
    console.error(`Unknown consumer group "${group}". Known: ${consumerGroups.join(', ')} (or pass --any-group)`);
    return 2;
  }
  if (command === 'list') {
    const limitText = option(args, '--limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      console.error('--limit takes a positive whole number');
      return 2;
    }
    const letters = await listDeadLetters(group, limit === undefined ? {} : { limit });
    if (letters.length === 0) console.log(`No dead letters for ${group}.`);
    for (const l of letters) {
      const from = `${l.source.topic}-${l.source.partition}@${l.source.offset}`;
      console.log(`${l.offset}\t${l.eventId}\t${l.redriven ? 'redriven' : 'pending'}\t${from}\t${l.errorClass}: ${l.error}`);
    }
    return 0;
  }
  const all = args.includes('--all');
  const offsetsText = option(args, '--offsets');
  if (all === (offsetsText !== undefined)) {
    console.error(`Say either --offsets 1,2 or --all\n${USAGE}`);
    return 2;
  }
  const offsets = offsetsText?.split(',').map((o) => o.trim());
  if (offsets?.some((o) => !/^(\d+:)?\d+$/.test(o))) {
    console.error('--offsets takes offsets of the dead-letter topic, e.g. 3,7 (or partition:offset)');
    return 2;
  }
  const report = await redriveDeadLetters(group, offsets ? { offsets } : { all: true });
  for (const r of report.redriven) console.log(`redriven\t${r.offset}\t${r.eventId}\t-> ${r.topic}`);
  if (report.alreadyRedriven.length > 0) console.log(`already redriven (skipped): ${report.alreadyRedriven.join(', ')}`);
  if (report.notFound.length > 0) console.log(`not found: ${report.notFound.join(', ')}`);
  console.log(`${report.redriven.length} redriven to ${group}.`);
  return report.notFound.length > 0 ? 1 : 0;
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  })
  .finally(async () => {
    await disconnectProducer().catch(() => {});
    await closeRedis().catch(() => {});
  });
