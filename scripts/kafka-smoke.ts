/**
 * Decides which Kafka version we pin: runs kafkajs against a real broker of each version given
 * (produce with acks=all and idempotence, consume in a group, commit, rebalance to a second member).
 *
 *   npx tsx scripts/kafka-smoke.ts 4.4.0 4.1.1 3.9.1
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { errorMessage } from '../lib/errors';
import { startBroker } from '../lib/local/broker';

async function smoke(version: string): Promise<void> {
  const broker = await startBroker({ version });
  const kafka = new Kafka({ brokers: [broker.brokers], logLevel: logLevel.NOTHING, clientId: 'smoke' });
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'smoke', numPartitions: 4 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'smoke', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 10}`, value: `v${i}` })) });

    const seen = new Set<string>();
    const consumer = (id: string) => {
      const c = kafka.consumer({ groupId: 'smoke-group', sessionTimeout: 10_000, heartbeatInterval: 1000 });
      return { id, c };
    };
    const a = consumer('a');
    await a.c.connect();
    await a.c.subscribe({ topic: 'smoke', fromBeginning: true });
    await a.c.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        seen.add(String(message.value));
        await a.c.commitOffsets([{ topic: 'smoke', partition, offset: String(Number(message.offset) + 1) }]);
      },
    });
    const deadline = Date.now() + 30_000;
    while (seen.size < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (seen.size < 100) throw new Error(`consumed ${seen.size}/100`);

    // Rebalance: a second member joins and must get partitions; committed offsets must hold.
    const assigned: number[][] = [];
    const b = consumer('b');
    b.c.on(b.c.events.GROUP_JOIN, (e) => assigned.push(e.payload.memberAssignment.smoke ?? []));
    await b.c.connect();
    await b.c.subscribe({ topic: 'smoke', fromBeginning: true });
    let reread = 0;
    await b.c.run({
      eachMessage: async () => {
        reread++;
      },
    });
    const until = Date.now() + 30_000;
    while (assigned.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if ((assigned[0] ?? []).length === 0) throw new Error('second member got no partitions');
    await new Promise((r) => setTimeout(r, 1000));
    if (reread !== 0) throw new Error(`committed offsets not honoured after rebalance: ${reread} re-read`);
    const offsets = await admin.fetchOffsets({ groupId: 'smoke-group', topics: ['smoke'] });
    const committed = (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    if (committed !== 100) throw new Error(`committed ${committed}, expected 100`);
    await Promise.all([a.c.disconnect(), b.c.disconnect(), producer.disconnect(), admin.disconnect()]);
    console.log(`kafka ${version}: OK (produce, group consume, commit, rebalance to partitions ${(assigned[0] ?? []).join(',')})`);
  } finally {
    await broker.stop();
  }
}

(async () => {
  let failed = false;
  for (const version of process.argv.slice(2)) {
    try {
      await smoke(version);
    } catch (error) {
      failed = true;
      console.log(`kafka ${version}: FAILED ${errorMessage(error)}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
