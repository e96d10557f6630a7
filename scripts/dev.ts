/**
 * `npm run dev`: the whole system on this machine. Starts (or reuses) a Kafka broker, checks
 * Redis, creates the catalog's topics, then runs `serverless offline` — the HTTP gateway on
 * http://127.0.0.1:3000 and every Kafka trigger — until Ctrl-C, and stops what it started.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { provision, topicSpecs } from '../lib/kafka/topics';
import { KAFKA_VERSION, type RunningBroker, startBroker, waitUntilReady } from '../lib/local/broker';

const DEFAULT_BROKERS = '127.0.0.1:9092';

async function kafkaBrokers(): Promise<{ brokers: string; broker?: RunningBroker }> {
  if (process.env.KAFKA_BROKERS) {
    console.log(`Using the broker at KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return { brokers: process.env.KAFKA_BROKERS };
  }
  try {
    await waitUntilReady(DEFAULT_BROKERS, 1500);
    console.log(`Reusing the Kafka broker already running at ${DEFAULT_BROKERS}`);
    return { brokers: DEFAULT_BROKERS };
  } catch {
    console.log(`Starting Apache Kafka ${KAFKA_VERSION} on ${DEFAULT_BROKERS} (data in .local/kafka)...`);
    const broker = await startBroker({ port: 9092, controllerPort: 9093, dataDir: '.local/kafka' });
    return { brokers: broker.brokers, broker };
  }
}

async function checkRedis(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } catch {
    throw new Error(`Redis is not reachable at ${url}. Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`);
  } finally {
    client.disconnect();
  }
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  await checkRedis(redisUrl);
  const { brokers, broker } = await kafkaBrokers();
  const report = await provision(new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }), topicSpecs({ replicationFactor: 1 }));
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
      setTimeout(printEndpoints, 1500);
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

function printEndpoints(): void {
  console.log(`
The system is up:
  HTTP API   http://127.0.0.1:3000   (POST /checkout, GET /orders/{id}, GET /health, ...)
Try it (every route but /health and /dashboard needs a token; npm run token signs a local one):
  TOKEN=$(npm run -s token -- --sub customer-42)
  echo "http://127.0.0.1:3000/dashboard#token=$TOKEN"      # open it: the live dashboard
  curl -s -XPOST 127.0.0.1:3000/checkout -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -d '{"items":[{"product_id":"SKU-001","quantity":2,"price":29.99}]}'
  curl -s 127.0.0.1:3000/orders/<order_id> -H "authorization: Bearer $TOKEN"
  curl -s -XPOST 127.0.0.1:3000/events -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -d '{"type":"page_view","session_id":"s-1","payload":{"path":"/pricing"}}'
  npm run dlq -- list inventory-service                    # dead letters of a group, with reasons
  npm run trace -- <order_id>                              # the order's trace: HTTP, topic, each group
Ctrl-C stops everything.
`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
