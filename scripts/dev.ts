/**
 * `npm run dev`: the whole system on this machine. Starts (or reuses) a Kafka broker, checks
 * Redis and pairs its data with the broker (lib/local/dev-data.ts), creates the catalog's topics,
 * then runs `serverless offline` — the HTTP gateway on http://127.0.0.1:3000 and every Kafka
 * trigger — until Ctrl-C, and stops what it started.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { signLocalToken } from '../lib/http/local-jwt';
import { OPERATOR_SCOPE } from '../lib/http/scopes';
import { provision, topicSpecs } from '../lib/kafka/topics';
import { KAFKA_VERSION, type RunningBroker, startBroker, waitUntilReady } from '../lib/local/broker';
import { connectDevRedis, DEV_BROKERS, DEV_KAFKA_DATA_DIR, DEV_REDIS_PREFIX, devKafkaDataDir, pairWithBroker } from '../lib/local/dev-data';

async function kafkaBrokers(): Promise<{ brokers: string; broker?: RunningBroker }> {
  if (process.env.KAFKA_BROKERS) {
    console.log(`Using the broker at KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return { brokers: process.env.KAFKA_BROKERS };
  }
  try {
    await waitUntilReady(DEV_BROKERS, 1500);
    console.log(`Reusing the Kafka broker already running at ${DEV_BROKERS}`);
    return { brokers: DEV_BROKERS };
  } catch {
    console.log(`Starting Apache Kafka ${KAFKA_VERSION} on ${DEV_BROKERS} (data in ${DEV_KAFKA_DATA_DIR})...`);
    const broker = await startBroker({ port: 9092, controllerPort: 9093, dataDir: devKafkaDataDir() });
    return { brokers: broker.brokers, broker };
  }
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = await connectDevRedis(redisUrl);
  const { brokers, broker } = await kafkaBrokers();
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  // Redis data written against another Kafka cluster (a reset or new broker, a fresh clone) must not shadow new records.
  const pairing = await pairWithBroker(redis, kafka, DEV_REDIS_PREFIX, broker?.formatted ?? false).finally(() => redis.disconnect());
  if (pairing.status === 'cleared') {
    console.log(
      `Redis held ${pairing.cleared} keys under "${DEV_REDIS_PREFIX}" from another Kafka cluster (${pairing.previous ?? 'unrecorded'}; this broker is ${pairing.clusterId}): cleared, so consumer state matches the broker's data. npm run reset clears both on purpose.`,
    );
  }
  const report = await provision(kafka, topicSpecs({ replicationFactor: 1 }));
  console.log(`Topics: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged`);

  // Run the CLI with node directly (not through npx, which does not pass signals on).
  const offline = spawn(process.execPath, [join(__dirname, '../node_modules/serverless/bin/serverless.js'), 'offline', 'start', '--stage', 'local'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers,
      REDIS_URL: redisUrl,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      // Every function keeps its spans in the local store, for `npm run trace` (lib/local/span-store.ts).
      DEV_NODE_OPTIONS: `--require ${join(__dirname, '../lib/local/trace-preload.cjs')}`,
    },
  });
  let announced = false;
  const relay = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
    out.write(chunk);
    if (!announced && /Server ready/.test(chunk.toString())) {
      announced = true;
      // After the Kafka triggers' start-up lines.
      setTimeout(() => printEndpoints().catch((error: Error) => console.error(`Could not sign the dashboard token: ${error.message}`)), 1500);
    }
  };
  offline.stdout.on('data', relay(process.stdout));
  offline.stderr.on('data', relay(process.stderr));

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    offline.kill('SIGINT');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await new Promise<number>((resolve) => offline.on('exit', (c) => resolve(c ?? 0)));
  if (broker) {
    console.log('Stopping Kafka...');
    await broker.stop();
  }
  process.exit(stopping ? 0 : code);
}

/** The endpoints, a ready-to-open dashboard URL (with a local operator token) and a few curls. */
async function printEndpoints(): Promise<void> {
  const operator = await signLocalToken({ sub: 'operator-local', claims: { scope: OPERATOR_SCOPE } });
  console.log(`
The system is up:
  HTTP API   http://127.0.0.1:3000   (POST /checkout, GET /orders/{id}, GET /health, ...)
  Dashboard  http://127.0.0.1:3000/dashboard#token=${operator}
             (a local token with the ${OPERATOR_SCOPE} scope, which GET /stats needs)
Try it (every route but /health and /dashboard needs a token; npm run token signs a local one):
  TOKEN=$(npm run -s token -- --sub customer-42)
  curl -s -XPOST 127.0.0.1:3000/checkout -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -d '{"items":[{"product_id":"SKU-001","quantity":2,"price":29.99}]}'
  curl -s 127.0.0.1:3000/orders/<order_id> -H "authorization: Bearer $TOKEN"
  curl -s -XPOST 127.0.0.1:3000/events -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -d '{"type":"page_view","session_id":"s-1","payload":{"path":"/pricing"}}'
  OPERATOR=$(npm run -s token -- --sub ops-1 --scope ${OPERATOR_SCOPE})
  curl -s 127.0.0.1:3000/stats -H "authorization: Bearer $OPERATOR"     # 403 with $TOKEN
  npm run dlq -- list inventory-service                    # dead letters of a group, with reasons
  npm run trace -- <order_id>                              # the order's trace: HTTP, topic, each group
Ctrl-C stops everything.
`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
