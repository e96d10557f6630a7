/**
 * The whole local system, as `npm run dev` runs it, under the fault suite's control: a real Kafka
 * broker (restartable on the same ports and data), a private Redis (stoppable, with an
 * always-fsynced append-only file so a restart loses nothing), and `serverless offline` with the
 * Kafka triggers (killable with SIGKILL and restartable). Every process is tied to the test
 * process, so nothing outlives the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { signLocalToken } from '../../lib/http/local-jwt';
import { provision, topicSpecs } from '../../lib/kafka/topics';
import { freePort, type RunningBroker, startBroker } from '../../lib/local/broker';
import { DEV_REDIS_PREFIX } from '../../lib/local/dev-data';
import { spawnTied, type TiedProcess } from '../../lib/local/process';

const ROOT = resolve(__dirname, '../..');
const SERVERLESS = join(ROOT, 'node_modules/serverless/bin/serverless.js');
/** The key prefix serverless.yml gives the local stage. */
export const SYSTEM_REDIS_PREFIX = DEV_REDIS_PREFIX;

export class LocalSystem {
  broker!: RunningBroker;
  redisProcess?: TiedProcess;
  offline?: TiedProcess;
  redis!: Redis;
  httpPort = 0;
  lambdaPort = 0;
  redisPort = 0;
  token = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'faults-'));
  /** Lines of the trigger plugin's log, for diagnosis. */
  readonly log: string[] = [];

  get kafkaBrokers(): string {
    return this.broker.brokers;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  kafka(): Kafka {
    return new Kafka({ brokers: [this.kafkaBrokers], logLevel: logLevel.NOTHING, clientId: 'faults' });
  }

  static async start(): Promise<LocalSystem> {
    const system = new LocalSystem();
    [system.httpPort, system.lambdaPort, system.redisPort] = [await freePort(), await freePort(), await freePort()];
    system.broker = await startBroker({ dataDir: join(system.dir, 'kafka') });
    await provision(system.kafka(), topicSpecs({ replicationFactor: 1 }));
    await system.startRedis();
    system.redis = new Redis(system.redisUrl, { maxRetriesPerRequest: null });
    system.token = await signLocalToken({ sub: 'fault-customer', expiresIn: '2h' });
    await system.startOffline();
    return system;
  }

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.redisPort}`;
  }

  async startRedis(): Promise<void> {
    this.redisProcess = spawnTied('redis-server', [
      '--port',
      String(this.redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      this.dir,
    ]);
    await waitFor(
      async () => {
        const probe = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => {});
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      },
      'redis up',
      15_000,
    );
  }

  async stopRedis(): Promise<void> {
    await this.redisProcess?.stop();
    this.redisProcess = undefined;
  }

  async killBroker(): Promise<void> {
    await this.broker.kill();
  }

  async restartBroker(): Promise<void> {
    this.broker = await startBroker({ port: this.broker.port, controllerPort: this.broker.controllerPort, dataDir: this.broker.dataDir });
  }

  async startOffline(): Promise<void> {
    this.offline = spawnTied(
      'node',
      [SERVERLESS, 'offline', 'start', '--stage', 'local', '--httpPort', String(this.httpPort), '--lambdaPort', String(this.lambdaPort)],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          KAFKA_BROKERS: this.kafkaBrokers,
          REDIS_URL: this.redisUrl,
          // The system's own Redis server, so the dev prefix is safe to use (reconcile.ts reads it).
          REDIS_PREFIX: SYSTEM_REDIS_PREFIX,
          LOG_LEVEL: 'WARN',
          // Relative to the service folder (serverless-esbuild joins it): a build folder of its own.
          ESBUILD_WORK_FOLDER: `.esbuild/faults-${process.pid}`,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_REGION: 'us-east-1',
        },
        keepLines: 400,
        onLine: (line) => {
          if (this.log.length < 20_000) this.log.push(line);
        },
      },
    );
    await waitFor(
      async () => (await fetch(`${this.url}/health`).catch(() => undefined))?.status === 200,
      'serverless offline up',
      90_000,
      () => this.offline?.output().slice(-20).join('\n') ?? '',
    );
  }

  /** SIGKILL: no graceful shutdown, nothing committed that was in flight. */
  async killOffline(): Promise<void> {
    await this.offline?.kill();
    this.offline = undefined;
  }

  async stop(): Promise<void> {
    await this.offline?.stop(15_000).catch(() => {});
    this.redis?.disconnect();
    await this.stopRedis().catch(() => {});
    await this.broker?.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number, diagnose: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}\n${diagnose()}`);
}
