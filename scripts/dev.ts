/**
 * `npm run dev`: the whole system on this machine. Starts (or reuses) a Kafka broker, checks
 * Redis and pairs its data with the broker (lib/local/dev-data.ts), creates the catalog's topics,
 * then runs `serverless offline` — the HTTP gateway on http://127.0.0.1:3000 and every Kafka
 * trigger — until Ctrl-C, and stops what it started.
 * Arguments after `--` go to `serverless offline` (e.g. `npm run dev -- --httpPort 4000 --lambdaPort 4002`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { CONSUMER_GROUP } from '../events/catalog';
import { signLocalToken } from '../lib/http/local-jwt';
import { OPERATOR_SCOPE } from '../lib/http/scopes';
import { provision, topicSpecs } from '../lib/kafka/topics';
import { KAFKA_VERSION, type RunningBroker, startBroker, waitUntilReady } from '../lib/local/broker';
import { connectDevRedis, DEV_BROKERS, DEV_KAFKA_DATA_DIR, DEV_REDIS_PREFIX, devKafkaDataDir, pairWithBroker } from '../lib/local/dev-data';
import { examplesText, LOCAL_API } from '../lib/local/examples';
import { debugLogging } from '../lib/local/plugin-log';
import { buildTracePreload } from '../lib/local/trace-preload';

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
  // The prefix the functions write under (serverless.yml: REDIS_PREFIX, else the dev prefix); a test
  // running dev.ts against a broker of its own must never clear the developer's data.
  const redisPrefix = process.env.REDIS_PREFIX || DEV_REDIS_PREFIX;
  // Redis data written against another Kafka cluster (a reset or new broker, a fresh clone) must not shadow new records.
  const pairing = await pairWithBroker(redis, kafka, redisPrefix, broker?.formatted ?? false).finally(() => redis.disconnect());
  if (pairing.status === 'cleared') {
    console.log(
      `Redis held ${pairing.cleared} keys under "${redisPrefix}" from another Kafka cluster (${pairing.previous ?? 'unrecorded'}; this broker is ${pairing.clusterId}): cleared, so consumer state matches the broker's data. npm run reset clears both on purpose.`,
    );
  }
  const report = await provision(kafka, topicSpecs({ replicationFactor: 1 }));
  console.log(`Topics: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged`);

  // Run the CLI with node directly (not through npx, which does not pass signals on).
  const offlineArgs = process.argv.slice(2);
  const preload = buildTracePreload(process.env.LOCAL_TRACE_FILE);
  const offline = spawn(
    process.execPath,
    [join(__dirname, '../node_modules/serverless/bin/serverless.js'), 'offline', 'start', '--stage', 'local', ...offlineArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers,
        REDIS_URL: redisUrl,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
        // Every function keeps its spans in the local store, for `npm run trace` (lib/local/trace-preload.ts).
        DEV_NODE_OPTIONS: `--require ${preload.file}`,
      },
    },
  );
  let announced = false;
  const onLine = (line: string) => {
    if (!announced && line.includes('Server ready')) {
      announced = true;
      // After the Kafka triggers' start-up lines.
      setTimeout(
        () => printEndpoints(httpPortOf(offlineArgs)).catch((error: Error) => console.error(`Could not sign the dashboard token: ${error.message}`)),
        1500,
      );
    }
  };
  relayLines(offline.stdout, process.stdout, onLine);
  relayLines(offline.stderr, process.stderr, onLine);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    offline.kill('SIGINT');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await new Promise<number>((resolve) => offline.on('exit', (c) => resolve(c ?? 0)));
  preload.remove();
  if (broker) {
    console.log('Stopping Kafka...');
    await broker.stop();
  }
  process.exit(stopping ? 0 : code);
}

/**
 * Relays the child's output line by line, without serverless-offline's boxed route table (it
 * prints it with console.log, past any log level): the banner lists every route with an example.
 * `LOG_LEVEL=DEBUG` keeps it.
 */
function relayLines(input: Readable, out: NodeJS.WriteStream, onLine: (line: string) => void): void {
  let inTable = false;
  createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    const plain = stripVTControlCharacters(line).trim();
    if (!debugLogging() && (inTable || plain.startsWith('┌'))) {
      inTable = !plain.startsWith('└');
      return;
    }
    out.write(`${line}\n`);
    onLine(line);
  });
}

/** The gateway's port: `--httpPort` if given, else serverless.yml's 3000. */
function httpPortOf(args: string[]): string {
  const at = args.findIndex((arg) => arg === '--httpPort' || arg.startsWith('--httpPort='));
  if (at < 0) return LOCAL_API.split(':')[1] as string;
  return (args[at]?.includes('=') ? args[at]?.split('=')[1] : args[at + 1]) ?? '3000';
}

/** Every route's example, and a ready-to-open dashboard URL with a local operator token (GET /stats needs the scope). */
async function printEndpoints(port: string): Promise<void> {
  const api = `127.0.0.1:${port}`;
  const operator = await signLocalToken({ sub: 'operator-local', claims: { scope: OPERATOR_SCOPE } });
  console.log(`
The system is up: HTTP API on http://${api}, every Kafka trigger running. Try every route:
${examplesText('  ').replaceAll(LOCAL_API, api)}
Dashboard, with a local operator token: http://${api}/dashboard#token=${operator}
More: npm run trace -- <order_id> (the order's trace); npm run dlq -- list ${CONSUMER_GROUP.inventory} (dead letters, with reasons);
      LOG_LEVEL=DEBUG npm run dev (every detail).
Ctrl-C stops everything.
`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
