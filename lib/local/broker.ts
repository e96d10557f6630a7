/**
 * A real Apache Kafka broker for local development and tests, run from the jars on Maven Central.
 *
 * The first use fetches the pinned Kafka version with Maven into a cache folder outside git,
 * then every start formats KRaft storage (if new) and runs a single broker+controller on loopback.
 * The JVM is tied to this Node process: if Node dies, even by SIGKILL, the JVM is stopped too.
 *
 * @example
 * const broker = await startBroker();          // free ports, temp data dir
 * process.env.KAFKA_BROKERS = broker.brokers;  // "127.0.0.1:40123"
 * await broker.stop();
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { errorMessage } from '../errors';
import { ensureMavenJars, jarCacheRoot } from './maven';
import { spawnTied } from './process';

/** The Kafka version every local broker, test and `localstack-compose.yml` uses (chosen by `scripts/kafka-smoke.ts`). */
export const KAFKA_VERSION = '4.4.0';
const LOG4J_VERSION = '2.24.3';

export interface BrokerOptions {
  /** Kafka version to run; defaults to {@link KAFKA_VERSION}. */
  version?: string;
  /** Client port; 0 (default) picks a free one. */
  port?: number;
  /** Controller port; 0 (default) picks a free one. */
  controllerPort?: number;
  /** Storage folder; kept if given, a temp folder removed on stop otherwise. */
  dataDir?: string;
  /** JVM heap (default 64m at start, 384m max): these machines have 2 cores and share them with the tests. */
  heap?: string;
  /** Called with each line the broker logs (for debugging). */
  onLog?: (line: string) => void;
}

export interface RunningBroker {
  /** Bootstrap string for clients, e.g. `127.0.0.1:9092`. */
  brokers: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  /** Whether this start formatted the storage: the data directory held no broker data before (a new cluster id). */
  formatted: boolean;
  /** Stops the JVM (SIGTERM, then SIGKILL after a grace period) and removes a temp data dir. */
  stop(): Promise<void>;
  /** Kills the JVM at once, keeping its data: for fault tests that restart on the same ports. */
  kill(): Promise<void>;
}

/** Thrown when the machine cannot run the broker (no Java 17+, Maven fetch failed, broker did not start). */
export class BrokerSetupError extends Error {
  override name = 'BrokerSetupError';
}

export function kafkaCacheDir(version = KAFKA_VERSION): string {
  return join(jarCacheRoot(), `kafka-${version}`);
}

/** Fails with a clear message unless `java` is Java 17 or newer. */
function assertJava17(): void {
  // `java -version` writes to stderr.
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new BrokerSetupError(
      'Java 17 or newer is required to run the local Kafka broker, and `java` is not on the PATH. Install a JDK 17+ (e.g. `apt-get install openjdk-17-jre-headless`) or set KAFKA_BROKERS to an existing broker.',
    );
  }
  const out = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(out);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < 17) {
    throw new BrokerSetupError(
      `Java 17 or newer is required to run the local Kafka broker; found ${match ? match[0] : 'an unknown version'}. Install a JDK 17+ or set KAFKA_BROKERS to an existing broker.`,
    );
  }
}

/** Downloads Kafka and its dependencies from Maven Central into the cache, once. Returns the jar folder. */
export function ensureKafkaJars(version = KAFKA_VERSION): string {
  const kafka = (artifactId: string) => ({ groupId: 'org.apache.kafka', artifactId, version });
  const log4j = (artifactId: string) => ({ groupId: 'org.apache.logging.log4j', artifactId, version: LOG4J_VERSION });
  try {
    return ensureMavenJars(
      kafkaCacheDir(version),
      [kafka('kafka_2.13'), kafka('kafka-tools'), log4j('log4j-core'), log4j('log4j-slf4j-impl')],
      `Apache Kafka ${version}`,
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    const output = stripVTControlCharacters(`${stdout ?? ''}${stderr ?? ''}`)
      .trim()
      .split('\n')
      .slice(-20)
      .join('\n');
    throw new BrokerSetupError(
      `Could not fetch Apache Kafka ${version} with Maven (is \`mvn\` installed and Maven Central reachable?): ${errorMessage(error)}${output ? `\n${output}` : ''}`,
    );
  }
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dataDir, 'logs')}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics come from the event catalog; a typo in a topic name must not create a topic.
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    'message.max.bytes=6291456',
    // The log cleaner (of the compacted __consumer_offsets) keeps its dedupe buffer on the heap: the
    // default 128 MB was 40% of the broker's RSS. 16 MB holds ~600,000 keys per cleaning pass (24 bytes
    // each), far more than a local system's groups commit
    // (https://kafka.apache.org/documentation/#brokerconfigs_log.cleaner.dedupe.buffer.size).
    'log.cleaner.dedupe.buffer.size=16777216',
    '',
  ].join('\n');
}

const LOG4J2 = `status = error
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = INFO
`;

/** Starts a broker and resolves once it answers an admin `describeCluster`. */
export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  assertJava17();
  const version = options.version ?? KAFKA_VERSION;
  const libs = ensureKafkaJars(version);
  const port = options.port || (await freePort());
  const controllerPort = options.controllerPort || (await freePort());
  const ownsDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kafka-local-'));
  mkdirSync(dataDir, { recursive: true });

  const propsFile = join(dataDir, 'server.properties');
  writeFileSync(propsFile, serverProperties(port, controllerPort, dataDir));
  const log4jFile = join(dataDir, 'log4j2.properties');
  writeFileSync(log4jFile, LOG4J2);
  const classpath = `${libs}/*`;
  const jvm = [
    // Starts small and grows on demand: an idle or lightly used dev broker stays near 64 MB of heap.
    `-Xms${options.heap ?? '64m'}`,
    `-Xmx${options.heap ?? '384m'}`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    classpath,
  ];

  const formatted = !existsSync(join(dataDir, 'logs', 'meta.properties'));
  if (formatted) {
    const clusterId = execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' }).trim();
    execFileSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  const java = spawnTied('java', [...jvm, 'kafka.Kafka', propsFile], { onLine: options.onLog });

  const brokers = `127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitUntilReady(brokers, 90_000),
      java.exited.then((code) => {
        throw new BrokerSetupError(`Kafka exited with code ${code} before it was ready:\n${java.output().slice(-30).join('\n')}`);
      }),
    ]);
  } catch (error) {
    await java.kill();
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    brokers,
    port,
    controllerPort,
    dataDir,
    formatted,
    async stop() {
      await java.stop();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      await java.kill();
    },
  };
}

/** Polls `describeCluster` until the broker answers. */
export async function waitUntilReady(brokers: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  throw new BrokerSetupError(`Kafka at ${brokers} was not ready after ${timeoutMs} ms: ${errorMessage(lastError)}`);
}
